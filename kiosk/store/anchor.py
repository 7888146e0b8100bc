"""Anchors of the audit chain's head, kept outside the database.

A keyed chain shows an edited line, but not a cut tail: delete the last lines (or all of them)
and what is left is still a valid chain. So the head, its position and MAC, is written where
the database cannot take it back: the system journal, a file of its own in the data directory
(with its own MAC), and, with a fleet, the central service (through the outbox).
`kiosk-admin audit verify` compares the log with every anchor it can find
(kiosk.store.anchor_check): the anchor file, the journal's anchor lines, with `--centre` the
centre's, and any given with `--anchor SEQ:MAC`.

Anchors only move forward: an anchor is written only when the log still holds the previously
anchored entry unchanged, so a truncated log is never blessed by a fresh anchor. With no anchor
file at all, a first anchor is refused when the store holds certificates or print jobs older than
the log's first line (they commit only with their audit line, so lines were deleted).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from kiosk.atomic_file import sweep_temporaries, write_atomically
from kiosk.store.audit import AuditLog
from kiosk.store.keys import TerminalKeys

log = logging.getLogger(__name__)

LOG_PREFIX = "AUDIT-ANCHOR"  # the fixed prefix of an anchor line in a plain log
JOURNAL_SOCKET = Path("/run/systemd/journal/socket")
SYSLOG_IDENTIFIER = "gov-kiosk-audit"
ANCHOR_FILE = "audit-anchor.json"


# A temporary anchor file older than this was left by a writer killed before its rename.
STALE_TEMPORARY_S = 3600


class AnchorError(Exception):
    """An anchor that cannot be read or trusted (a one-line reason)."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    mac: str
    keyed_from: int
    at: str  # ISO time the anchor was taken
    terminal_id: str
    key_id: str = ""  # AuditLog.key_id of the chain's key ("" in anchors from before it)

    def line(self) -> str:
        key = f" key={self.key_id}" if self.key_id else ""
        return (f"{LOG_PREFIX} terminal={self.terminal_id} seq={self.seq} mac={self.mac} "
                f"keyed_from={self.keyed_from} at={self.at}{key}")

    @classmethod
    def parse(cls, value: str) -> Anchor:
        """'SEQ:MAC' (as an operator copies it) or an anchor line from the journal."""
        value = value.strip()
        fields = dict(part.split("=", 1) for part in value.split() if "=" in part)
        if "seq" in fields and "mac" in fields:
            seq_text, mac = fields["seq"], fields["mac"]
        else:
            seq_text, _, mac = value.partition(":")
        if not seq_text.isdigit() or len(mac) != 64 or not all(
                c in "0123456789abcdef" for c in mac):
            raise AnchorError(f"not an anchor: {value[:80]!r} (expected SEQ:MAC, MAC 64 hex)")
        keyed = fields.get("keyed_from", "0")
        key_id = fields.get("key", "")
        return cls(int(seq_text), mac, int(keyed) if keyed.isdigit() else 0,
                   fields.get("at", ""), fields.get("terminal", ""),
                   key_id if len(key_id) == 16 and all(c in "0123456789abcdef"
                                                       for c in key_id) else "")


class AnchorSink(Protocol):
    def publish(self, anchor: Anchor, reason: str) -> None: ...


class FileAnchorSink:
    """The latest anchor in a small JSON file with its own MAC (derived key "audit-anchor")."""

    def __init__(self, path: Path, keys: TerminalKeys) -> None:
        self.path = path
        self._key = keys.derive("audit-anchor")

    def _tag(self, body: dict[str, object]) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(self._key, canonical, hashlib.sha256).hexdigest()

    def publish(self, anchor: Anchor, reason: str) -> None:
        body: dict[str, object] = asdict(anchor)
        data = json.dumps({**body, "tag": self._tag(body)}, indent=1).encode()
        # The terminal and a kiosk-admin command may publish at the same moment: each
        # through a temporary file of its own; a crash leaves the old anchor or the new.
        write_atomically(self.path, data)
        # Only old ones: another writer may be between its write and its rename right now.
        sweep_temporaries(self.path, older_than_s=STALE_TEMPORARY_S)

    def load(self) -> Anchor | None:
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise AnchorError(f"anchor file {self.path} is unreadable: {exc}") from None
        if not isinstance(raw, dict):
            raise AnchorError(f"anchor file {self.path} is not an anchor")
        tag = raw.pop("tag", "")
        try:
            anchor = Anchor(**raw)
        except TypeError:
            raise AnchorError(f"anchor file {self.path} is not an anchor") from None
        if not isinstance(tag, str) or not hmac.compare_digest(tag, self._tag(raw)):
            raise AnchorError(f"anchor file {self.path} was altered (its MAC does not match)")
        return anchor


class JournalAnchorSink:
    """The system journal through its native socket when there is one; otherwise a log line
    with the fixed prefix (which a syslog or journald under systemd keeps as well)."""

    def __init__(self, socket_path: Path = JOURNAL_SOCKET) -> None:
        self._socket_path = socket_path

    def publish(self, anchor: Anchor, reason: str) -> None:
        if self._socket_path.exists():
            fields = {
                "MESSAGE": anchor.line(), "PRIORITY": "5", "SYSLOG_IDENTIFIER": SYSLOG_IDENTIFIER,
                "KIOSK_AUDIT_SEQ": str(anchor.seq), "KIOSK_AUDIT_MAC": anchor.mac,
                "KIOSK_AUDIT_TERMINAL": anchor.terminal_id,
                "KIOSK_AUDIT_REASON": reason,
            }
            payload = "".join(f"{k}={v}\n" for k, v in fields.items()).encode()
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                    sock.settimeout(1.0)
                    sock.sendto(payload, str(self._socket_path))
                return
            except OSError:
                log.warning("journal socket refused the audit anchor; logging it instead")
        log.warning("%s reason=%s", anchor.line(), reason)


class OutboxAnchorSink:
    """The fleet's centre, through the outbox (kiosk.store.audit.AuditLog.send_anchor): the
    centre then holds the head as of the last session, not only every 50th line."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    def publish(self, anchor: Anchor, reason: str) -> None:
        self._audit.send_anchor(anchor.seq, anchor.mac)


class AuditAnchors:
    """Takes the chain's head and hands it to every sink (the file first)."""

    def __init__(self, audit: AuditLog, file_sink: FileAnchorSink, terminal_id: str,
                 sinks: list[AnchorSink] | None = None) -> None:
        self.audit = audit
        self.file = file_sink
        self.terminal_id = terminal_id
        # More places to send each anchor (with a fleet, an OutboxAnchorSink too).
        self.sinks: list[AnchorSink] = [JournalAnchorSink()] if sinks is None else sinks
        self._lock = threading.Lock()
        self._last: Anchor | None = None

    def anchor(self, reason: str, *, force: bool = False, file_only: bool = False
               ) -> Anchor | None:
        """Anchor the current head. Returns the anchor, or None when there was nothing new or
        the log does not extend the previous anchor (then it logs an error and keeps it).
        `file_only`: the anchor file alone (an admin command closing; the terminal's next
        anchor carries the head to the journal)."""
        with self._lock:
            head = self.audit.head()
            try:
                previous = self.file.load()
            except AnchorError as exc:
                log.error("audit anchor not moved: %s", exc)
                return None
            if previous is not None and (
                head is None or head.seq < previous.seq
                or self.audit.mac_at(previous.seq) != previous.mac
            ):
                log.error("audit anchor not moved: the log no longer holds anchored entry %d "
                          "(run kiosk-admin audit verify)", previous.seq)
                return None
            if head is None:
                return None
            if previous is None and self.audit.lost_beginning():
                log.error("audit anchor not taken: the store holds records older than the "
                          "log's first entry, so lines were deleted (run kiosk-admin audit "
                          "verify)")
                return None
            if not force and self._last is not None and self._last.seq == head.seq:
                return None
            anchor = Anchor(head.seq, head.mac, head.keyed_from,
                            datetime.now(UTC).isoformat(timespec="seconds"), self.terminal_id,
                            self.audit.key_id)
            for sink in [self.file, *([] if file_only else self.sinks)]:
                try:
                    sink.publish(anchor, reason)
                except Exception:  # one sink down must not keep the anchor from the others
                    log.exception("audit anchor sink %s failed", type(sink).__name__)
            self._last = anchor
            return anchor
