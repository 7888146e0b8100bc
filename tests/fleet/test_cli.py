"""fleet-admin and fleet-server from the command line: plain output, one clear line on error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fleet.cli import admin_main, server_main
from fleet.settings import FleetSettings
from tests.fleet.conftest import ServerProcess


def run(settings: FleetSettings, capsys: pytest.CaptureFixture, *argv: str
        ) -> tuple[int, str, str]:
    code = admin_main(["--database-url", settings.database_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_terminal_lifecycle(settings: FleetSettings, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(settings, capsys, "terminal", "add", "T-7", "--group", "east")
    assert code == 0 and out.startswith("enrol-") and len(out.strip()) > 40
    code, _, err = run(settings, capsys, "terminal", "add", "T-7", "--group", "east")
    assert code == 1 and err.count("\n") == 1 and "terminal token T-7" in err
    code, out, _ = run(settings, capsys, "--json", "terminal", "token", "T-7")
    assert code == 0 and json.loads(out)["token"].startswith("enrol-")
    assert run(settings, capsys, "terminal", "revoke", "T-7", "--reason", "stolen")[0] == 0
    code, out, _ = run(settings, capsys, "--json", "terminal", "list")
    assert [(t["id"], t["state"]) for t in json.loads(out)] == [("T-7", "revoked")]
    code, _, err = run(settings, capsys, "terminal", "token", "T-7")
    assert code == 1 and "revoked" in err
    code, _, err = run(settings, capsys, "certificate", "revoke", "AAAA-AAAA-AAAA-AAAA",
                       "--reason", "x")
    assert code == 1 and err.startswith("fleet-admin: no certificate")


def test_bad_input_is_one_line(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        admin_main(["certificate", "show", "not-a-code"])
    assert "verification code" in capsys.readouterr().err
    assert server_main(["--database-url", "nonsense://x", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open the database" in err


def test_fleet_server_serves_health_on_postgresql(settings: FleetSettings) -> None:
    server = ServerProcess(settings.database_url)
    try:
        assert httpx.get(server.url + "/health").json() == {"status": "ok"}
        root = httpx.get(server.url + "/", follow_redirects=True)
        assert 'action="/console/login"' in root.text  # `/` is the console's door
        assert "Certificate verification" in httpx.get(server.url + "/verify").text
    finally:
        server.stop()
    assert server.process.returncode in (0, -15)  # stopped by SIGTERM, not killed


def test_console_scripts_are_installed() -> None:
    for script in ("fleet-server", "fleet-admin"):
        result = subprocess.run([Path(sys.executable).parent / script, "--help"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "--database-url" in result.stdout
