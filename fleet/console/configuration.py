"""The configuration page's facts: the layers, recent changes, and for each change which of
its terminals have applied the configuration in force (their heartbeat's hash is the one the
centre now wants of them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import config_store
from fleet.db.models import ConfigChange, ConfigLayer, Terminal, TerminalStatus
from fleet.protocol import ConfigDocument, config_hash


@dataclass(frozen=True)
class ChangeView:
    change: ConfigChange
    applied: list[str]
    waiting: list[str]


def wanted_hashes(session: Session, default_interval_s: float) -> dict[str, tuple[str, str]]:
    """terminal id -> (group, the hash the centre wants), merged in memory from one read of
    every layer."""
    layers = {(layer.scope, layer.name): layer.values
              for layer in session.scalars(select(ConfigLayer))}
    defaults = ConfigDocument(heartbeat_interval_s=default_interval_s)
    out = {}
    cache: dict[tuple[str, str], str] = {}
    for terminal_id, group in session.execute(
            select(Terminal.id, Terminal.group).where(Terminal.revoked_at.is_(None))):
        own = ("terminal", terminal_id) in layers
        key = (group, terminal_id if own else "")
        if key not in cache:
            stack = [v for v in (layers.get(("group", group)),
                                 layers.get(("terminal", terminal_id))) if v is not None]
            cache[key] = config_hash(config_store.merge_layers(defaults, *stack))
        out[terminal_id] = (group, cache[key])
    return out


def recent_changes(session: Session, default_interval_s: float, limit: int = 30
                   ) -> list[ChangeView]:
    wanted = wanted_hashes(session, default_interval_s)
    reported = dict(session.execute(select(TerminalStatus.terminal_id,
                                           TerminalStatus.config_hash)).all())
    views = []
    for change in config_store.history(session, limit):
        if change.scope == "group":
            members = sorted(t for t, (g, _) in wanted.items() if g == change.name)
        else:
            members = [change.name] if change.name in wanted else []
        applied = [t for t in members if reported.get(t) == wanted[t][1]]
        views.append(ChangeView(change, applied, [t for t in members if t not in applied]))
    return views


def layers(session: Session) -> list[ConfigLayer]:
    return list(session.scalars(select(ConfigLayer).order_by(ConfigLayer.scope,
                                                             ConfigLayer.name)))
