"""A terminal in service, in a temp dir: the shipped example config with real PKCS#12 seal
keys (made by the demo CA), its data dir, and the environment its secrets come from."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from printing.demo_pki import DEMO_PKCS12_PASSWORD, ensure_demo_pki
from services_catalog.catalog import load_seals

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "kiosk.example.toml"
AUDIT_KEY = "an-audit-key-of-32-characters..."


@dataclass
class ServiceTerminal:
    config: Path
    data_dir: Path
    env: dict[str, str]
    root_ca: Path

    def write(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    def text(self) -> str:
        return self.config.read_text(encoding="utf-8")


def service_terminal(tmp_path: Path, *, devices: bool = False) -> ServiceTerminal:
    """`devices=False` marks the reader, camera and printer as not required, so the checks and
    the start need no hardware (their probes are tested on their own)."""
    seals = {sid: (info.name_zh, info.name_en) for sid, info in load_seals().items()}
    pki = ensure_demo_pki(tmp_path / "pki", seals)
    data_dir = tmp_path / "data"
    text = EXAMPLE.read_text(encoding="utf-8")
    # The token seal becomes a PKCS#12 one: these tests need no PKCS#11 token.
    text = text.replace('store = "token"\nchain = ["/etc/gov-kiosk/trust/seal-ca.pem"]',
                        'store = "pkcs12"\npkcs12 = "/etc/gov-kiosk/seals/real_estate_registry.p12"'
                        '\npassword_env = "SEAL_PASSWORD_REAL_ESTATE"')
    text = text.replace("/etc/gov-kiosk/seals/", f"{pki.directory}/seals/")
    text = text.replace('data_dir = "/var/lib/gov-kiosk"', f'data_dir = "{data_dir}"')
    text = text.replace('"/etc/gov-kiosk/trust/root-ca.pem"', f'"{pki.root_certificate_path}"')
    if not devices:
        for section in ("[reader]\n", "[camera]\n", "[printer]\n"):
            text = text.replace(section, section + "required = false\n")
    config = tmp_path / "kiosk.toml"
    config.write_text(text, encoding="utf-8")
    raw = tomllib.loads(text)
    env = {seal["password_env"]: DEMO_PKCS12_PASSWORD.decode() for seal in raw["seals"].values()}
    assert all(seal["store"] == "pkcs12" for seal in raw["seals"].values())
    env[raw["audit_key_env"]] = AUDIT_KEY
    return ServiceTerminal(config, data_dir, env, pki.root_certificate_path)
