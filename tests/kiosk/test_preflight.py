"""Start-up checks: each failure named on its own line, found before a citizen is served."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import load_settings
from kiosk.preflight import CHECKS, Check, Preflight, register, run_checks
from tests.kiosk.service_setup import service_terminal


def _admin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("kiosk-admin")
    return subprocess.run([str(script), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch):
    """Sets the environment the checks (and the seal loaders) read."""
    def apply(env: dict[str, str]) -> None:
        for name in ("GOV_KIOSK_AUDIT_KEY",) + tuple(n for n in os.environ
                                                    if n.startswith("SEAL_PASSWORD_")):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
    return apply


def _findings(terminal, environ, env: dict[str, str] | None = None) -> list[str]:
    environ(terminal.env if env is None else env)
    ctx = Preflight(load_settings(terminal.config))
    return [str(f) for f in run_checks(ctx, devices=False)]


def test_a_terminal_in_service_set_up_right_passes(tmp_path: Path, environ) -> None:
    terminal = service_terminal(tmp_path)
    environ(terminal.env)
    ctx = Preflight(load_settings(terminal.config))
    assert run_checks(ctx, devices=False) == []
    # Every seal an enabled printable service needs was opened for real.
    assert set(ctx.seal_signers) == set(ctx.needed_seals()) and len(ctx.seal_signers) == 7


def test_a_wrong_seal_password_is_found_before_any_citizen(tmp_path: Path, environ) -> None:
    terminal = service_terminal(tmp_path)
    env = {**terminal.env, "SEAL_PASSWORD_HRSS_BUREAU": "not-the-password"}
    lines = _findings(terminal, environ, env)
    assert len(lines) == 1 and lines[0].startswith("seals: seal:hrss_bureau:"), lines
    env.pop("SEAL_PASSWORD_STATE_GRID")
    lines = _findings(terminal, environ, env)
    assert sorted(line.split(":")[2] for line in lines) == ["hrss_bureau", "state_grid"], lines


def test_each_start_up_failure_has_its_own_line(tmp_path: Path, environ) -> None:
    terminal = service_terminal(tmp_path)
    env = dict(terminal.env)
    env.pop("GOV_KIOSK_AUDIT_KEY")
    terminal.data_dir.mkdir()
    (terminal.data_dir / "kiosk.sqlite3").write_bytes(b"this is not a database" * 100)
    terminal.root_ca.write_text("garbage", encoding="utf-8")
    lines = _findings(terminal, environ, env)
    checks = sorted(line.split(":")[0] for line in lines)
    assert checks == ["audit_key", "database", "trust_roots"], lines
    assert any("GOV_KIOSK_AUDIT_KEY" in line for line in lines)


def test_a_data_dir_that_cannot_be_written_or_is_full(tmp_path: Path, environ) -> None:
    terminal = service_terminal(tmp_path)
    terminal.data_dir.write_text("a file where the data dir should be", encoding="utf-8")
    assert [line.split(":")[0] for line in _findings(terminal, environ)] == ["data_dir"]
    terminal.data_dir.unlink()
    terminal.write(terminal.text().replace("min_free_mb = 200", "min_free_mb = 999999"))
    lines = _findings(terminal, environ)
    assert len(lines) == 1 and "below the floor of 999999 MB" in lines[0], lines


def test_a_corrupt_page_in_a_real_database_fails_the_integrity_check(
        tmp_path: Path, environ) -> None:
    terminal = service_terminal(tmp_path)
    terminal.data_dir.mkdir()
    database = terminal.data_dir / "kiosk.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x TEXT)")
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
        db.execute("CREATE INDEX tx ON t (x)")
    db.close()
    data = bytearray(database.read_bytes())
    page = 4096 * 2  # the table's root page (page 1 is the schema)
    data[page: page + 12] = b"\xff" * 12  # a b-tree page header no SQLite would write
    database.write_bytes(bytes(data))
    lines = _findings(terminal, environ)
    assert [line.split(":")[0] for line in lines] == ["database"], lines


def test_a_missing_terminal_key_outside_demo_is_a_failure(tmp_path: Path, environ) -> None:
    terminal = service_terminal(tmp_path)
    terminal.write(terminal.text().replace('audit_key_env = "GOV_KIOSK_AUDIT_KEY"', ""))
    lines = _findings(terminal, environ)
    assert len(lines) == 1 and "terminal.key is missing" in lines[0], lines
    assert "kiosk-admin keys init" in lines[0]


def test_another_check_can_be_appended(tmp_path: Path, monkeypatch, environ) -> None:
    monkeypatch.setattr("kiosk.preflight.CHECKS", list(CHECKS))
    register(Check("token", lambda ctx: ["the seal token is not plugged in"]))
    with pytest.raises(ValueError):
        register(Check("token", lambda ctx: []))
    terminal = service_terminal(tmp_path)
    assert _findings(terminal, environ) == ["token: the seal token is not plugged in"]


def test_cli_exits_non_zero_with_one_line_per_failure(tmp_path: Path) -> None:
    terminal = service_terminal(tmp_path)
    env = {**terminal.env, "SEAL_PASSWORD_STATE_GRID": "wrong"}
    env["GOV_KIOSK_AUDIT_KEY"] = "short"
    done = _admin("--config", str(terminal.config), "preflight", "--no-devices", env=env)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["audit_key", "seals"], lines
    assert "Traceback" not in done.stderr
    done = _admin("--config", str(terminal.config), "preflight", "--no-devices", "--json",
                  env=env)
    report = json.loads(done.stdout)
    assert report["ok"] is False and done.returncode == 1
    failed = {c["name"] for c in report["checks"] if not c["ok"]}
    assert failed == {"audit_key", "seals"}
    done = _admin("--config", str(terminal.config), "preflight", "--no-devices",
                  env=terminal.env)
    assert done.returncode == 0 and done.stdout.startswith("preflight OK"), done.stdout


def test_cli_probes_the_reader_camera_and_printer(tmp_path: Path) -> None:
    terminal = service_terminal(tmp_path, devices=True)
    text = terminal.text().replace('"/dev/ttyUSB0"', f'"{tmp_path}/ttyUSB-none"')
    terminal.write(text.replace('"/dev/video0"', f'"{tmp_path}/video-none"'))
    # A CUPS server that is not there: the queue cannot be reached.
    env = {**terminal.env, "CUPS_SERVER": str(tmp_path / "no-cupsd.sock")}
    done = _admin("--config", str(terminal.config), "preflight", env=env)
    assert done.returncode == 1
    # The example's time-stamping authority is not reachable from here either.
    assert sorted(line.split(":")[0] for line in done.stdout.splitlines()) == \
        ["camera", "printer", "reader", "timestamp"], done.stdout + done.stderr
    assert done.stderr == ""


def test_cli_on_a_broken_config_names_it(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[reader]\nbaud = 12345\n", encoding="utf-8")
    done = _admin("--config", str(path), "preflight", env={})
    assert done.returncode == 1
    assert done.stdout.startswith("config: ") and "reader.baud" in done.stdout


def test_the_admins_switches_are_checked_as_the_terminal_will_run(tmp_path: Path,
                                                                  environ) -> None:
    """The switch file in the data dir lies over the config: a broken one is named, and a
    service switched on there without its back-end is found; `services enable` refuses it."""
    from kiosk.switch_file import FILE_NAME, write_switch
    from services_catalog.catalog import load_catalog

    terminal = service_terminal(tmp_path)
    fund = sorted(s.id for s in load_catalog().services if s.adapter == "housing_fund")
    text = terminal.config.read_text(encoding="utf-8")
    section = text.index("[backends.housing_fund]")
    text = text[:section] + text[text.index("\n\n", section) + 2:]  # no fund back-end here
    text = text.replace('disabled = ["real_estate.seizure_info"]',
                        f"disabled = {json.dumps(fund)}")
    terminal.config.write_text(text, encoding="utf-8")
    assert _findings(terminal, environ) == []
    env = {**terminal.env, "GOV_KIOSK_CONFIG": str(terminal.config)}
    done = _admin("services", "enable", fund[0], env=env)
    assert done.returncode == 1 and "backends.housing_fund.base_url" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (terminal.data_dir / FILE_NAME).exists()
    write_switch(terminal.data_dir / FILE_NAME, fund[0], True)  # by hand, past the check
    lines = _findings(terminal, environ)
    assert lines and all(line.startswith("config: backends.housing_fund") for line in lines)
    (terminal.data_dir / FILE_NAME).write_text("enabled = [", encoding="utf-8")
    lines = _findings(terminal, environ)
    assert len(lines) == 1 and lines[0].startswith("switches: ") and FILE_NAME in lines[0]
