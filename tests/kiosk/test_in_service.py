"""Demo stays demo: in service the config refuses what would leak or mislead, each with one
line naming the key; leaving demo mode drops the demo's PINs, keys and data."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, Settings, load_settings
from kiosk.data_mode import claim_data_dir
from kiosk.preflight import Preflight, service_requirements
from kiosk.store import Store
from tests.kiosk.service_setup import EXAMPLE, service_terminal


def test_the_shipped_example_configures_every_seal_its_services_need() -> None:
    settings = load_settings(EXAMPLE)
    ctx = Preflight(settings)
    needed = ctx.needed_seals()
    assert len(needed) >= 7 and set(needed) <= set(settings.seals)
    assert list(service_requirements(settings, ctx.enabled_catalog())) == []


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('kind = "cups"', 'kind = "pdf_dir"', "printer.kind"),
        ('base_url = "https://hrss-gateway.example.gov.cn/kiosk"',
         'base_url = "http://hrss-gateway.example.gov.cn/kiosk"', "backends.social_insurance"),
        ('base_url = "https://face-verify.example.gov.cn"',
         'base_url = "http://face-verify.example.gov.cn"', "face_verifier.base_url"),
        ('verify_url = "https://verify.example.gov.cn/verify"',
         'verify_url = "http://127.0.0.1:8780/verify"', "verify_url"),
        ('verify_url = "https://verify.example.gov.cn/verify"',
         'verify_url = "https://192.168.1.20/verify"', "verify_url"),
        ('verify_url = "https://verify.example.gov.cn/verify"',
         'verify_url = "https://localhost/verify"', "verify_url"),
        ('url = "https://fleet.example.gov.cn"', 'url = "http://fleet.example.gov.cn"',
         "fleet.url"),
    ],
)
def test_in_service_the_config_refuses(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "kiosk.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert key in message and "\n" not in message, message
    # The same file is fine for a demo terminal.
    path.write_text(text.replace(old, new).replace("demo = false", "demo = true"),
                    encoding="utf-8")
    load_settings(path)


def test_in_service_the_config_names_every_offending_key(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('kind = "cups"', 'kind = "pdf_dir"').replace(
        'base_url = "https://face-verify.example.gov.cn"',
        'base_url = "http://face-verify.example.gov.cn"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "printer.kind" in message and "face_verifier.base_url" in message, message
    assert "\n" not in message


def test_plain_http_is_allowed_to_this_machine_only(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "https://hrss-gateway.example.gov.cn/kiosk", "http://127.0.0.1:8443/kiosk")
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    load_settings(path)  # a local TLS proxy


def test_a_missing_seal_is_named_before_the_start(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("[seals.state_grid]")
    end = text.index("[certificates]")
    path = tmp_path / "kiosk.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    settings = load_settings(path)
    ctx = Preflight(settings)
    problems = list(service_requirements(settings, ctx.enabled_catalog()))
    assert len(problems) == 1 and problems[0].startswith("seals.state_grid:"), problems


def _run_demo(data_dir: Path, **settings) -> None:
    from kiosk.runtime import Runtime

    runtime = Runtime.build(Settings(data_dir=data_dir, **settings), simulate=True,
                            start_verify_web=False)
    runtime.stop()


def test_leaving_demo_mode_drops_the_demo_pin_keys_and_data(tmp_path: Path) -> None:
    terminal = service_terminal(tmp_path)
    data = terminal.data_dir
    _run_demo(data)
    assert (data / "terminal.key").exists() and (data / "demo-pki").exists()
    service = load_settings(terminal.config)
    dropped = claim_data_dir(service)
    assert any("kiosk.sqlite3" in line for line in dropped), dropped
    assert not (data / "terminal.key").exists() and not (data / "demo-pki").exists()
    assert not (data / "kiosk.sqlite3").exists()
    store = Store.open(service.resolved_database_url(), data, "T", key_env="",
                       create_key=True)
    try:
        assert not store.credentials.has("attendant")  # the README's demo PIN is gone
    finally:
        store.close()
    # And a demo may not borrow a data dir in service.
    with pytest.raises(ConfigError, match="belongs to a terminal in service"):
        claim_data_dir(Settings(data_dir=data))


def test_leaving_demo_mode_on_a_database_elsewhere_drops_only_the_demo_pin(
        tmp_path: Path) -> None:
    data, url = tmp_path / "data", f"sqlite:///{tmp_path / 'db' / 'kiosk.sqlite3'}"
    _run_demo(data, database_url=url)
    store = Store.open(url, data, "T")
    store.credentials.set_pin("admin", "975318")  # a real one, set during the trial
    store.close()
    terminal = service_terminal(tmp_path / "svc")
    text = terminal.text().replace(f'data_dir = "{terminal.data_dir}"',
                                   f'data_dir = "{data}"\ndatabase_url = "{url}"')
    terminal.write(text)
    dropped = claim_data_dir(load_settings(terminal.config))
    assert "the demo attendant PIN" in dropped
    store = Store.open(url, data, "T")
    try:
        assert not store.credentials.has("attendant") and store.credentials.has("admin")
    finally:
        store.close()


def test_leaving_demo_mode_on_a_database_elsewhere_drops_both_pins_and_the_demo_keys(
        tmp_path: Path) -> None:
    """Both demo PINs go, and so do the anchor file and identity key made under the demo key:
    the terminal in service anchors its own chain from the start."""
    data, url = tmp_path / "data", f"sqlite:///{tmp_path / 'db' / 'kiosk.sqlite3'}"
    _run_demo(data, database_url=url)
    demo = Store.open(url, data, "T")
    demo.audit.record("query", "ok", actor="system", detail="a demo session")
    demo.close()  # anchors the demo's chain under the demo key
    assert (data / "audit-anchor.json").exists()
    # as a demo rotation leaves it: the first key kept for the chain
    (data / "terminal-identity.key").write_bytes((data / "terminal.key").read_bytes())
    terminal = service_terminal(tmp_path / "svc")
    terminal.write(terminal.text().replace(f'data_dir = "{terminal.data_dir}"',
                                           f'data_dir = "{data}"\ndatabase_url = "{url}"'))
    dropped = claim_data_dir(load_settings(terminal.config))
    assert "the demo attendant PIN" in dropped and "the demo admin PIN" in dropped, dropped
    assert any("audit lines" in line for line in dropped), dropped
    for name in ("audit-anchor.json", "terminal-identity.key", "terminal.key"):
        assert not (data / name).exists(), name
    store = Store.open(url, data, "T", create_key=True)
    try:
        assert not store.credentials.has("admin")
        store.audit.record("terminal_start", "ok", actor="system")
        assert store.anchors.anchor("test") is not None  # anchoring works in service
        assert store.audit.verify_chain([store.anchors.file.load()]).intact
    finally:
        store.close()
