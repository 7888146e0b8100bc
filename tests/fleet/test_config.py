"""Configuration by group and terminal: merge, hash, pull on change, history, fleet-admin."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fleet.cli import admin_main
from fleet.config_store import ConfigInputError, merge_layers, parse_value
from fleet.protocol import CONFIG_PATH, HEARTBEAT_PATH, ConfigDocument, config_hash
from fleet.settings import FleetSettings
from tests.fleet.conftest import FakeClock, enrol


def heartbeat(client: TestClient, headers: dict[str, str], clock: FakeClock,
              applied: str) -> str:
    body = {"terminal_id": headers["X-Fleet-Terminal"], "sent_at": clock().isoformat(),
            "app_version": "1", "uptime_s": 1, "state": "in_service", "config_hash": applied}
    path = HEARTBEAT_PATH.format(terminal_id=headers["X-Fleet-Terminal"])
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 200
    return str(response.json()["config_hash"])


def admin(settings: FleetSettings, *argv: str) -> int:
    return admin_main(["--database-url", settings.database_url, "--by", "wang.ops", *argv])


def test_group_then_terminal_and_a_changed_hash_on_the_next_heartbeat(
    client: TestClient, settings: FleetSettings, clock: FakeClock, capsys: pytest.CaptureFixture
) -> None:
    a = enrol(client, settings, "T-1", "north")
    b = enrol(client, settings, "T-2", "north")
    wanted = heartbeat(client, a, clock, "")
    config = client.get(CONFIG_PATH.format(terminal_id="T-1"), headers=a).json()
    assert config["hash"] == wanted == config_hash(ConfigDocument.model_validate(
        config["document"]))
    assert heartbeat(client, a, clock, wanted) == wanted  # nothing new

    assert admin(settings, "config", "set", "--group", "north", "service.pension", "off") == 0
    assert admin(settings, "config", "set", "--group", "north", "hall_phone", "0371-123") == 0
    assert admin(settings, "config", "set", "--terminal", "T-1", "service.pension", "on") == 0
    assert admin(settings, "config", "set", "--terminal", "T-2", "notices",
                 "今晚22点系统维护|Maintenance at 22:00") == 0
    new = heartbeat(client, a, clock, wanted)
    assert new != wanted
    doc_a = client.get(CONFIG_PATH.format(terminal_id="T-1"), headers=a).json()["document"]
    doc_b = client.get(CONFIG_PATH.format(terminal_id="T-2"), headers=b).json()["document"]
    assert doc_a["services_enabled"] == ["pension"] and doc_a["hall_phone"] == "0371-123"
    assert doc_b["services_disabled"] == ["pension"] and doc_b["hall_phone"] == "0371-123"
    assert doc_b["notices"] == [{"zh": "今晚22点系统维护", "en": "Maintenance at 22:00"}]
    assert client.get(CONFIG_PATH.format(terminal_id="T-2"), headers=a).status_code == 403

    capsys.readouterr()
    assert admin(settings, "--json", "config", "history") == 0
    import json

    changes = json.loads(capsys.readouterr().out)
    assert len(changes) == 4
    assert {c["by"] for c in changes} == {"wang.ops"}
    assert changes[-1]["key"] == "service.pension" and changes[-1]["new"] is False


def test_bad_settings_are_one_clear_line(
    app: FastAPI, settings: FleetSettings, capsys: pytest.CaptureFixture
) -> None:
    assert admin(settings, "config", "set", "--group", "g", "opening_hours", "Mon 8-20") == 1
    assert admin(settings, "config", "set", "--group", "g", "colour", "red") == 1
    assert admin(settings, "config", "set", "--terminal", "T-404", "hall_phone", "12345") == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("fleet-admin: ") for line in lines)


def test_merge_is_per_service_and_parsing_is_strict() -> None:
    group = {"services": {"a": False, "b": False}, "hall_phone": "1"}
    terminal = {"services": {"b": True}}
    merged = merge_layers(ConfigDocument(), group, terminal)
    assert merged.services_disabled == ["a"] and merged.services_enabled == ["b"]
    assert merged.hall_phone == "1"
    assert parse_value("opening_hours", "1-5 08:00-20:00, 6 09:00-12:00")[1]["weekdays"] == [6]
    assert parse_value("opening_hours", "always") == []
    for key, text in [("service.x", "maybe"), ("heartbeat_interval_s", "0"),
                      ("opening_hours", "5-1 08:00-20:00"), ("hall_phone", "call us")]:
        with pytest.raises(ConfigInputError):
            parse_value(key, text)
