"""The terminal's fleet credential: its own secret from enrolment, in a 0600 file.

The one-time enrolment token comes from an environment variable, never the config file or the
command line (where `ps` and shell history would show it), and is not kept after use.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from kiosk.atomic_file import write_atomically
from kiosk.config import Settings

FILE_NAME = "fleet-credential.json"


@dataclass(frozen=True)
class FleetCredential:
    terminal_id: str
    secret: str
    group: str
    url: str  # the centre it belongs to: a secret is never sent anywhere else
    verify_url: str = ""

    def __repr__(self) -> str:  # never print the secret
        return f"FleetCredential({self.terminal_id!r}, group={self.group!r}, url={self.url!r})"


def credential_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def save_credential(data_dir: Path, credential: FleetCredential) -> Path:
    """Write atomically, readable by the terminal's user only."""
    path = credential_path(data_dir)
    write_atomically(path, json.dumps(asdict(credential)))
    return path


def load_credential(data_dir: Path, url: str) -> FleetCredential | None:
    """The stored credential for the centre at `url`, or None (not enrolled with it)."""
    path = credential_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        credential = FleetCredential(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable fleet credential ({exc}); enrol again") from None
    if credential.url.rstrip("/") != url.rstrip("/"):
        return None
    return credential


def public_verify_url(settings: Settings) -> str:
    """With a fleet, the centre's public verification page: the config's, else the one the
    centre named at enrolment, else the fleet URL's."""
    fleet = settings.fleet
    if fleet is not None and not fleet.verify_url:
        try:
            credential = load_credential(settings.resolved_data_dir(), fleet.url)
        except ValueError:
            credential = None
        if credential is not None and credential.verify_url:
            return credential.verify_url
    return settings.certificate_verify_url()
