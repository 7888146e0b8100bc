"""Configuration by group and by terminal: layers, the merged document, and its history.

A layer holds only the keys set at its level. The document a terminal receives is the
defaults, then its group's layer, then its own; service switches merge one service at a time
(a terminal can switch one service back on without repeating the group's whole list). Every
change bumps the layer's revision and leaves a `ConfigChange` row naming who and when.
"""

from __future__ import annotations

import json
import re
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from fleet.db.models import ConfigChange, ConfigLayer
from fleet.protocol import ConfigDocument, Notice, OpeningHours

SCOPES = ("group", "terminal")
PLAIN_KEYS = ("hall_phone", "heartbeat_interval_s", "opening_hours", "notices")
SERVICE_PREFIX = "service."


class ConfigInputError(ValueError):
    """A setting or its value is not acceptable; the message says which and why."""


def parse_value(key: str, text: str) -> Any:
    """The stored value of `key` from what an operator typed (pure)."""
    if key.startswith(SERVICE_PREFIX):
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", key.removeprefix(SERVICE_PREFIX)):
            raise ConfigInputError(f"not a service id: {key.removeprefix(SERVICE_PREFIX)!r}")
        switch = text.strip().lower()
        if switch not in ("on", "off"):
            raise ConfigInputError(f"{key} takes 'on' or 'off', not {text!r}")
        return switch == "on"
    if key == "hall_phone":
        if not re.fullmatch(r"[0-9 +()-]{3,32}", text.strip()):
            raise ConfigInputError(f"not a phone number: {text!r}")
        return text.strip()
    if key == "heartbeat_interval_s":
        try:
            seconds = float(text)
        except ValueError:
            raise ConfigInputError(f"heartbeat_interval_s takes seconds, not {text!r}") from None
        if not 1 <= seconds <= 3600:
            raise ConfigInputError("heartbeat_interval_s must be between 1 and 3600 seconds")
        return seconds
    if key == "opening_hours":
        return _parse_hours(text)
    if key == "notices":
        return _parse_notices(text)
    raise ConfigInputError(
        f"unknown setting {key!r}; one of {', '.join(PLAIN_KEYS)} or service.ID"
    )


def _parse_hours(text: str) -> list[dict[str, Any]]:
    """'always', or '1-5 08:00-20:00, 6-7 09:00-12:00' (ISO weekdays, 1 = Monday)."""
    if text.strip().lower() in ("always", "24h", ""):
        return []
    spans = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*([1-7])(?:-([1-7]))?\s+(\d\d:\d\d)-(\d\d:\d\d)\s*", part)
        if match is None:
            raise ConfigInputError(f"opening hours like '1-5 08:00-20:00', not {part.strip()!r}")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise ConfigInputError(f"weekdays run from 1 to 7: {part.strip()!r}")
        try:
            span = OpeningHours(
                weekdays=list(range(first, last + 1)), opens=match[3], closes=match[4]
            )
        except ValidationError:
            raise ConfigInputError(f"not a time of day: {part.strip()!r}") from None
        spans.append(span.model_dump())
    return spans


def _parse_notices(text: str) -> list[dict[str, str]]:
    """A JSON list of {"zh", "en"}, or one notice as '中文|English' ('' clears)."""
    if not text.strip():
        return []
    try:
        raw = json.loads(text) if text.lstrip().startswith("[") else None
        if raw is None:
            zh, _, en = text.partition("|")
            raw = [{"zh": zh.strip(), "en": en.strip()}]
        return [Notice.model_validate(item).model_dump() for item in raw]
    except (ValueError, ValidationError) as exc:
        raise ConfigInputError(f"notices: {exc}".splitlines()[0]) from None


def merge_layers(defaults: ConfigDocument, *layers: dict[str, Any]) -> ConfigDocument:
    """Defaults, then each layer in turn (pure)."""
    values: dict[str, Any] = defaults.model_dump()
    services: dict[str, bool] = {s: True for s in defaults.services_enabled}
    services.update({s: False for s in defaults.services_disabled})
    for layer in layers:
        for key in PLAIN_KEYS:
            if key in layer:
                values[key] = layer[key]
        services.update(layer.get("services", {}))
    values["services_enabled"] = sorted(s for s, on in services.items() if on)
    values["services_disabled"] = sorted(s for s, on in services.items() if not on)
    return ConfigDocument.model_validate(values)


def _layer(session: Session, scope: str, name: str) -> ConfigLayer | None:
    return session.get(ConfigLayer, (scope, name))


def merged_document(
    session: Session, group: str, terminal_id: str, default_interval_s: float
) -> tuple[ConfigDocument, int, datetime | None]:
    """(document, revision, when it last changed) for one terminal."""
    rows = session.scalars(
        select(ConfigLayer).where(
            ((ConfigLayer.scope == "group") & (ConfigLayer.name == group))
            | ((ConfigLayer.scope == "terminal") & (ConfigLayer.name == terminal_id))
        )
    ).all()
    by_scope = {row.scope: row for row in rows}
    ordered = [by_scope[s] for s in SCOPES if s in by_scope]
    document = merge_layers(
        ConfigDocument(heartbeat_interval_s=default_interval_s), *(r.values for r in ordered)
    )
    revision = sum(r.revision for r in ordered)
    changed_at = max((r.updated_at for r in ordered), default=None)
    return document, revision, changed_at


def change_setting(
    session: Session, *, scope: str, name: str, key: str, value: Any, actor: str, now: datetime,
) -> None:
    """Set (or with value None, remove) one key of one layer, recording who and when.
    The caller commits."""
    if scope not in SCOPES:
        raise ConfigInputError(f"scope is group or terminal, not {scope!r}")
    if key not in PLAIN_KEYS and not key.startswith(SERVICE_PREFIX):
        raise ConfigInputError(f"unknown setting {key!r}")
    layer = _layer(session, scope, name)
    if layer is None:
        layer = ConfigLayer(scope=scope, name=name, values={}, revision=0, updated_at=now,
                            updated_by=actor)
        session.add(layer)
    values = json.loads(json.dumps(layer.values))  # a copy, so the JSON column sees a change
    services = values.setdefault("services", {})
    if key.startswith(SERVICE_PREFIX):
        service_id = key.removeprefix(SERVICE_PREFIX)
        old = services.get(service_id)
        if value is None:
            services.pop(service_id, None)
        else:
            services[service_id] = value
    else:
        old = values.get(key)
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    merge_layers(ConfigDocument(), values)  # refuse what could not be served
    layer.values = values
    layer.revision += 1
    layer.updated_at = now
    layer.updated_by = actor
    session.add(ConfigChange(at=now, actor=actor, scope=scope, name=name, key=key, old=old,
                             new=value))


def history(session: Session, limit: int = 50) -> list[ConfigChange]:
    return list(
        session.scalars(select(ConfigChange).order_by(ConfigChange.id.desc()).limit(limit))
    )


class MergedConfigCache:
    """Merged documents and their hashes, keyed by the revisions of the layers they came from.

    A heartbeat reads only the two layers' revisions (one small query); the document is merged
    and hashed again only when a revision moved. Any process can change a layer: the key is
    read from the database every time, so nothing stale is ever served.
    """

    def __init__(self, max_entries: int = 50_000) -> None:
        self._entries: dict[tuple[Any, ...], tuple[ConfigDocument, str]] = {}
        self._max = max_entries

    def get(self, session: Session | Connection, group: str, terminal_id: str,
            default_interval_s: float,
            revisions: tuple[int | None, int | None] | None = None
            ) -> tuple[ConfigDocument, str]:
        """`revisions`: (group layer's, terminal layer's), None for a missing layer; read from
        the database when not given."""
        from fleet.protocol import config_hash

        if revisions is None:
            found_revisions = dict(session.execute(
                select(ConfigLayer.scope, ConfigLayer.revision).where(
                    ((ConfigLayer.scope == "group") & (ConfigLayer.name == group))
                    | ((ConfigLayer.scope == "terminal") & (ConfigLayer.name == terminal_id))
                )
            ).all())
            revisions = (found_revisions.get("group"), found_revisions.get("terminal"))
        key = (group, terminal_id, default_interval_s, revisions)
        found = self._entries.get(key)
        if found is None:
            with Session(bind=session) if isinstance(session, Connection) else nullcontext(
                    session) as orm:
                document, _, _ = merged_document(orm, group, terminal_id, default_interval_s)
            found = (document, config_hash(document))
            if len(self._entries) >= self._max:
                self._entries.clear()  # rare: a fleet-wide change; rebuilt on demand
            self._entries[key] = found
        return found
