"""Every anchor a terminal can find, compared with its audit log.

`kiosk-admin audit verify` gathers anchors from each source (the anchor file, the system
journal, those an operator gives) and `compare` checks each against the log: an anchored entry
must still be there with the MAC the anchor recorded. A log cut below an anchored entry, or
rewritten from some entry on, disagrees with every anchor taken after that point.

Anchors made under another audit key belong to another chain (a terminal reinstalled under
its old id): they cannot be compared and are counted apart, not passed off as checked.

Anyone on the machine can write a journal entry under the anchors' identifier (`logger -t`):
only entries journald attributes to the kiosk's unit, or to a user who could rewrite the log
anyway (root, the data dir's owner, the user running the check), are taken; the rest are
counted as another writer's and ignored.

Reading the journal is the only I/O here (`read_journal`, through `journalctl -o json`); the
parsing and the comparison are pure.
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.store.anchor import SYSLOG_IDENTIFIER, Anchor, AnchorError

JOURNAL_TIMEOUT_S = 60
KIOSK_UNIT = "kiosk.service"
# Groups journald lets read the whole system journal.
JOURNAL_GROUPS = ("systemd-journal", "adm", "wheel")


@dataclass(frozen=True)
class SourceRead:
    """What one source gave: its anchors, and why there are none when it could not be read."""

    anchors: list[Anchor]
    note: str = ""  # one line: "no journalctl on this system", ...
    unreadable: int = 0  # entries that looked like anchors but did not parse
    other_writer: int = 0  # entries under the identifier from another user: ignored
    entries: int = 0  # entries under the identifier, of anyone


@dataclass(frozen=True)
class Disagreement:
    source: str
    anchor: Anchor
    why: str

    def sentence(self) -> str:
        taken = f" taken {self.anchor.at}" if self.anchor.at else ""
        return f"{self.source} anchor of entry {self.anchor.seq}{taken}: {self.why}"


@dataclass(frozen=True)
class AnchorVerdict:
    checked: dict[str, int]  # per source, anchors compared with the log
    other_key: dict[str, int]  # per source, anchors of another audit key (not comparable)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.disagreements

    @property
    def first(self) -> Disagreement | None:
        """The disagreeing anchor of the lowest entry: where the log stops being the one the
        anchors vouch for."""
        return min(self.disagreements, key=lambda d: d.anchor.seq, default=None)


def comparable(anchors: Iterable[Anchor], key_id: str) -> list[Anchor]:
    """The anchors of this chain's key (an anchor from before key ids counts as this key's)."""
    return [a for a in anchors if not a.key_id or a.key_id == key_id]


def compare(sources: Mapping[str, Sequence[Anchor]], head_seq: int, macs: Mapping[int, str],
            key_id: str) -> AnchorVerdict:
    """Each source's anchors against the log ending at `head_seq`, whose MACs at the anchored
    positions are `macs`."""
    checked: dict[str, int] = {}
    other_key: dict[str, int] = {}
    found: list[Disagreement] = []
    for source, anchors in sources.items():
        mine = comparable(anchors, key_id)
        checked[source] = len(mine)
        other_key[source] = len(anchors) - len(mine)
        for anchor in sorted(mine, key=lambda a: a.seq):
            if anchor.seq > head_seq:
                why = ("every entry was deleted" if head_seq == 0 else
                       f"the tail is missing: the log ends at entry {head_seq}")
                found.append(Disagreement(source, anchor, f"{why}, but the anchor vouches for "
                                                          f"entry {anchor.seq}"))
            elif macs.get(anchor.seq) != anchor.mac:
                found.append(Disagreement(
                    source, anchor, f"entry {anchor.seq} is not the one the anchor vouches for "
                                    "(its MAC differs: the log was rewritten, or cut and "
                                    "written again)"))
    return AnchorVerdict(checked, other_key, found)


# ---- the system journal -------------------------------------------------------------------

def _text(value: object) -> str:
    """A journal field as text: a string, bytes as a list of numbers, or (a field given twice)
    a list of those, of which the first counts."""
    if isinstance(value, list):
        if value and all(isinstance(v, int) for v in value):
            return bytes(v & 0xFF for v in value).decode("utf-8", "replace")
        return _text(value[0]) if value else ""
    return value if isinstance(value, str) else ""


def trusted_uids(data_dir: Path | None) -> frozenset[int]:
    """Users whose anchor entries count: root, whoever runs the check, the data dir's owner
    (each of them can rewrite the log itself, so trusting them costs nothing)."""
    uids = {0, os.getuid()}
    if data_dir is not None:
        try:
            uids.add(data_dir.stat().st_uid)
        except OSError:
            pass
    return frozenset(uids)


def _written_by_us(record: Mapping[str, object], uids: Collection[int]) -> bool:
    """journald sets the underscore fields itself: a client cannot forge them."""
    if _text(record.get("_SYSTEMD_UNIT")) == KIOSK_UNIT:
        return True
    uid = _text(record.get("_UID"))
    return uid.isdigit() and int(uid) in uids


def parse_journal(lines: Iterable[str], terminal_id: str,
                  uids: Collection[int] = frozenset({0})) -> SourceRead:
    """The anchors of `terminal_id` in `journalctl -o json` output (one object a line),
    written by the kiosk's unit or one of `uids`."""
    anchors: list[Anchor] = []
    unreadable = other_writer = entries = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            unreadable += 1
            continue
        if not isinstance(record, dict) or _text(record.get("SYSLOG_IDENTIFIER")) != \
                SYSLOG_IDENTIFIER:
            continue
        entries += 1
        if not _written_by_us(record, uids):
            other_writer += 1
            continue
        try:
            anchor = Anchor.parse(_text(record.get("MESSAGE")))
        except AnchorError:
            unreadable += 1
            continue
        if anchor.terminal_id in ("", terminal_id):
            anchors.append(anchor)
    return SourceRead(anchors, unreadable=unreadable, other_writer=other_writer,
                      entries=entries)


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def reads_whole_journal() -> bool:
    """Whether this user sees other users' journal entries (root, or a journal group)."""
    if os.geteuid() == 0:
        return True
    mine = set(os.getgroups()) | {os.getegid()}
    for name in JOURNAL_GROUPS:
        try:
            if grp.getgrnam(name).gr_gid in mine:
                return True
        except KeyError:
            continue
    return False


def read_journal(terminal_id: str, data_dir: Path | None = None,
                 run: Runner = subprocess.run,
                 may_read: Callable[[], bool] = reads_whole_journal) -> SourceRead:
    """This terminal's anchor entries in the system journal. No journal, or one that cannot
    be read, gives no anchors and a note saying why (never an error)."""
    command = shutil.which("journalctl")
    if command is None:
        return SourceRead([], "not read: there is no journalctl on this system")
    try:
        # Only the fields read here: years of anchors stay a few megabytes of output.
        done = run([command, "-o", "json", "--no-pager", "-q",
                    "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,_UID,_SYSTEMD_UNIT",
                    f"SYSLOG_IDENTIFIER={SYSLOG_IDENTIFIER}"],
                   capture_output=True, text=True, timeout=JOURNAL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SourceRead([], f"not read: journalctl failed ({type(exc).__name__})")
    said = (done.stderr or "").strip().splitlines()
    if done.returncode != 0:
        return SourceRead([], f"not read: journalctl exited {done.returncode}"
                              + (f" ({said[0][:120]})" if said else ""))
    found = parse_journal(done.stdout.splitlines(), terminal_id, trusted_uids(data_dir))
    if not found.anchors:
        # -q hides journalctl's "insufficient permissions" warning: say it ourselves.
        if not found.entries and not may_read():
            return SourceRead([], "not read: journal not readable by this user (not root, "
                                  "not in the systemd-journal group)")
        why = f" ({said[0][:120]})" if said else ""
        return SourceRead([], f"holds no anchor of terminal {terminal_id}{why}",
                          found.unreadable, found.other_writer, found.entries)
    return found
