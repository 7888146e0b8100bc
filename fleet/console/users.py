"""The console's accounts as fleet-admin lists them (never a password hash)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.console.models import ConsoleUser


def list_users(session: Session) -> list[dict[str, Any]]:
    return [
        {"name": u.name, "role": u.role, "created_at": u.created_at.isoformat(),
         "locked_until": u.locked_until.isoformat() if u.locked_until else None,
         "disabled": u.disabled}
        for u in session.scalars(select(ConsoleUser).order_by(ConsoleUser.name))
    ]
