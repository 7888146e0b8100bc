"""Registry look-up for terminals: a terminal asks the centre first, its own registry second."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from fleet import registry
from fleet.protocol import REGISTRY_PATH, RegistryLookup
from fleet.routes.deps import Caller
from printing.codes import InvalidVerificationCode, normalize_code

router = APIRouter()


@router.get(REGISTRY_PATH)
def lookup(code: str, caller: Caller, request: Request) -> RegistryLookup:
    try:
        grouped = normalize_code(code)
    except InvalidVerificationCode:
        raise HTTPException(422, "not a verification code") from None
    with request.app.state.engine.connect() as connection:
        found = registry.lookup(connection, grouped)
    if found is None:
        raise HTTPException(404, "no certificate with this code")
    return found
