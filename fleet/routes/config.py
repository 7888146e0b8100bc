"""The merged configuration a terminal pulls when its hash differs from the centre's."""

from __future__ import annotations

from fastapi import APIRouter

from fleet.config_store import merged_document
from fleet.protocol import CONFIG_PATH, ConfigResponse, config_hash
from fleet.routes.deps import OwnTerminal, Sessions, Settings

router = APIRouter()


@router.get(CONFIG_PATH)
def config(caller: OwnTerminal, sessions: Sessions, settings: Settings) -> ConfigResponse:
    with sessions() as session:
        document, revision, changed_at = merged_document(
            session, caller.group, caller.id, settings.heartbeat_interval_s
        )
    return ConfigResponse(terminal_id=caller.id, hash=config_hash(document), document=document,
                          revision=revision, changed_at=changed_at)
