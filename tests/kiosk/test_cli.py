"""kiosk-admin end to end, as an admin types it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

SERVICE = "real_estate.registration_info"
NOON = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0).isoformat()  # open


def admin(*args: str, env_extra: dict[str, str] | None = None,
          stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True,
        env=env, timeout=120, input=stdin,
    )


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("cli")
    env = {"GOV_KIOSK_DATA_DIR": str(base / "data"),
           "GOV_KIOSK_CONFIG": str(base / "kiosk.toml")}
    out = base / "cert.pdf"
    done = admin("certificate", "issue", "--service", SERVICE,
                 "--id-number", "410402198805201238", "--out", str(out),
                 "--at", NOON, env_extra=env)
    assert done.returncode == 0, done.stderr
    return out, env


def test_issued_certificate_verifies_against_registry_and_demo_ca(issued) -> None:
    pdf, env = issued
    done = admin("certificate", "verify", str(pdf), "--json", env_extra=env)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] and report["registry_checked"]
    assert report["issued"]["service_id"] == SERVICE and report["issued"]["holder"] == "张*"


def test_a_one_byte_change_fails_verification(issued, tmp_path: Path) -> None:
    pdf, env = issued
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    done = admin("certificate", "verify", str(tampered), env_extra=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def test_a_certificate_unknown_to_this_registry_fails(issued, tmp_path: Path) -> None:
    pdf, env = issued
    other = {**env, "GOV_KIOSK_DATA_DIR": str(tmp_path / "other")}
    done = admin("certificate", "verify", str(pdf), "--json", env_extra=other)
    assert done.returncode == 1  # another terminal's demo CA, and no registry entry


def test_audit_log_records_the_issue_without_the_id_number(issued) -> None:
    _pdf, env = issued
    done = admin("audit", "show", "--json", env_extra=env)
    assert done.returncode == 0
    assert "410402198805201238" not in done.stdout
    assert any(r["action"] == "certificate_issue" and r["id_masked"] == "4104**********1238"
               for r in json.loads(done.stdout))
    assert admin("audit", "verify", env_extra=env).returncode == 0


def test_devices_status_json_has_every_device(issued) -> None:
    _pdf, env = issued
    done = admin("devices", "status", "--json", env_extra=env)
    assert done.returncode == 0, done.stderr
    devices = {row["device"]: row for row in json.loads(done.stdout)}
    assert set(devices) == {"idcard_reader", "camera", "printer", "seal"}
    assert devices["printer"]["paper"] == "full"
    assert devices["idcard_reader"]["state"] == "online"
    # The seals: token, PIN and every seal certificate's expiry, checked like a device.
    assert devices["seal"]["ready"] and devices["seal"]["required"]
    checks = {c["name"]: c for c in devices["seal"]["checks"]}
    assert checks["seal:real_estate_registry"]["outcome"] == "ok"
    assert checks["seal:real_estate_registry"]["not_after"]


def test_a_broken_config_is_one_plain_line(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[session]\nidle_timeout_s = 'soon'\n", encoding="utf-8")
    done = admin("--config", str(config), "services", "list")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "session.idle_timeout_s" in done.stderr and str(config) in done.stderr


def test_attendant_pin_is_set_from_stdin(issued) -> None:
    _pdf, env = issued
    assert admin("attendant", "set-pin", env_extra=env, stdin="135790\n").returncode == 0
    short = admin("attendant", "set-pin", env_extra=env, stdin="12\n")
    assert short.returncode == 1 and "6 to 12 digits" in short.stderr


def test_an_unwritable_out_path_is_refused_before_anything_is_issued(tmp_path: Path) -> None:
    env = {"GOV_KIOSK_DATA_DIR": str(tmp_path / "data")}
    done = admin("certificate", "issue", "--service", SERVICE,
                 "--id-number", "410402198805201238", "--out", "/proc/nope/x.pdf",
                 "--at", NOON, env_extra=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "cannot write /proc/nope/x.pdf" in done.stderr
    audit = admin("audit", "show", "--json", env_extra=env)
    assert not any(r["action"] == "certificate_issue" for r in json.loads(audit.stdout))


def test_output_into_a_closed_pipe_ends_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited: every write gets EPIPE
    try:
        done = subprocess.run([sys.executable, "-m", "kiosk.cli", "services", "list"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141  # 128 + SIGPIPE, as the shell reports a piped command


@pytest.mark.parametrize("number", ["81000019940823003X",  # Hong Kong residence permit
                                    "USA110079060514"])  # foreign permanent resident, 2017
def test_services_try_takes_every_card_the_terminal_accepts(tmp_path: Path, number: str) -> None:
    """The terminal serves permit and foreign-card holders; the admin's tool must reach the
    back-end for them too (the demo back-end knows none of them: a plain "no record")."""
    env = {"GOV_KIOSK_DATA_DIR": str(tmp_path / "data"),
           "GOV_KIOSK_CONFIG": str(tmp_path / "kiosk.toml")}
    done = admin("services", "try", "electricity.balance", "--id-number", number, "--at", NOON,
                 env_extra=env)
    assert "no such person" in done.stderr, done.stderr
    done = admin("services", "try", "electricity.balance", "--id-number", number[:-1],
                 "--at", NOON, env_extra=env)
    assert done.returncode != 0 and "not the number of an accepted card" in done.stderr
