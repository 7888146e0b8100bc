"""/metrics: Prometheus text that promtool accepts, with the fleet's figures in it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from fleet import protocol as p
from fleet.service_labels import OTHER, catalogue_service_ids
from fleet.settings import FleetSettings
from fleet.simulator import SimulatedTerminal
from tests.fleet.conftest import FakeClock, LiveServer, add_terminal


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_pass_promtool_and_count_the_fleet(
    live_server: LiveServer, settings: FleetSettings, clock: FakeClock
) -> None:
    terminals = [SimulatedTerminal(f"T-{i}", add_terminal(settings, f"T-{i}"), clock=clock)
                 for i in range(3)]
    add_terminal(settings, "T-new")

    async def run() -> None:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
            for terminal in terminals:
                await terminal.enrol(client)
            terminals[0].use_service(0)
            terminals[0].use_service(1)
            await terminals[0].send_outbox(client)
            terminals[1].use_service(2, certificate=False)  # stays in its outbox
            terminals[2].state, terminals[2].reason = "out_of_service", "printer jammed"
            for terminal in terminals:
                await terminal.heartbeat(client)

    asyncio.run(run())
    clock.advance(60)
    text = httpx.get(live_server.url + "/metrics").text
    got = samples(text)
    assert got[("fleet_terminals", (("state", "in_service"),))] == 2
    assert got[("fleet_terminals", (("state", "out_of_service"),))] == 1
    assert got[("fleet_terminals", (("state", "not_enrolled"),))] == 1
    assert got[("fleet_heartbeats_total", ())] == 3
    assert got[("fleet_outbox_pending_events", ())] == 2
    assert got[("fleet_outbox_lag_seconds", ())] == 60
    assert got[("fleet_certificates", (("service_id", "pension.payment_detail"),))] == 1
    assert got[("fleet_certificates", (("service_id", "housing_fund.deposit_certificate"),))] == 1
    assert got[("fleet_outbox_events_total", (("kind", "usage"),))] == 4
    clock.advance(31)  # 91 s after the heartbeats: all three missed
    later = samples(httpx.get(live_server.url + "/metrics").text)
    assert later[("fleet_terminals", (("state", "offline"),))] == 3

    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus')")
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_terminal_cannot_add_service_labels_at_will(
    live_server: LiveServer, settings: FleetSettings, clock: FakeClock
) -> None:
    """Certificates of made-up service ids are counted under `other`; catalogue ids keep
    their own label."""
    terminal = SimulatedTerminal("T-noisy", add_terminal(settings, "T-noisy"), clock=clock)
    terminal.use_service(0)
    made_up = [f"made_up_{i}" for i in range(150)]
    for service_id in made_up:
        terminal.use_service(1)
        shape = terminal.issued[-1]
        event = terminal.outbox[-2]
        assert isinstance(event, p.CertificateEvent) and event.entry is shape
        entry = shape.model_copy(update={"service_id": service_id})
        terminal.outbox[-2] = event.model_copy(update={"entry": entry})

    async def run() -> None:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
            await terminal.enrol(client)
            await terminal.send_outbox(client)

    asyncio.run(run())
    text = httpx.get(live_server.url + "/metrics").text
    labels = {dict(s.labels).get("service_id") for family in text_string_to_metric_families(text)
              if family.name == "fleet_certificates" for s in family.samples}
    assert labels == {"pension.payment_detail", OTHER}
    assert labels - {OTHER} <= catalogue_service_ids()
    got = samples(text)
    assert got[("fleet_certificates", (("service_id", OTHER),))] == len(made_up)
    assert got[("fleet_certificates_revoked", (("service_id", OTHER),))] == 0
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus')")
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
