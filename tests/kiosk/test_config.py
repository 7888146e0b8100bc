"""The config file: defaults, the shipped example, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_no_config_file_means_the_demo_defaults() -> None:
    settings = load_settings(None)
    assert settings.demo and settings.reader.port == "simulator"
    assert settings.resolved_database_url().startswith("sqlite:///")


def test_the_shipped_example_is_valid() -> None:
    settings = load_settings(ROOT / "kiosk.example.toml")
    assert not settings.demo and settings.printer.kind == "cups"
    assert settings.service_enabled_override("real_estate.seizure_info") is False
    assert settings.backend("pension").base_url.startswith("https://")


@pytest.mark.parametrize(
    "stand_in",
    ["[reader]\nport = 'simulator'\n", "[camera]\nsource = 'simulator'\n",
     "[face_verifier]\nbase_url = 'demo'\n", "[backends.pension]\nbase_url = 'demo'\n"],
)
def test_a_terminal_in_service_refuses_demo_stand_ins(tmp_path: Path, stand_in: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("demo = false\n" + stand_in, encoding="utf-8")
    with pytest.raises(ConfigError, match="demo stand-in"):
        load_settings(path)


def test_a_terminal_in_service_needs_every_back_end_it_offers(tmp_path: Path) -> None:
    from kiosk.runtime import Runtime

    text = (ROOT / "kiosk.example.toml").read_text(encoding="utf-8")
    electricity = '[backends.electricity]\nbase_url = "https://sgcc-gateway.example.gov.cn/kiosk"\n'
    text = text.replace(electricity, "")
    text = text.replace('data_dir = "/var/lib/gov-kiosk"', f'data_dir = "{tmp_path}"')
    text = text.replace('audit_key_env = "GOV_KIOSK_AUDIT_KEY"', "")
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="electricity"):
        Runtime(load_settings(path), start_verify_web=False).assemble()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("terminal_id = \n", "line 1"),
        ("[reader]\nbaud = 12345\n", "reader.baud"),
        ("[session]\nidle_timeout_s = 5\n", "session.idle_timeout_s"),
        ("[printer]\nkind = 'fax'\n", "printer.kind"),
        ("colour = 'red'\n", "colour"),
    ],
)
def test_a_broken_file_names_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


