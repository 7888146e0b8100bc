"""The one interface every back-end adapter implements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from services_catalog.model import AuthenticatedPerson, QueryResult, Service

ENTRY_POINT_GROUP = "gov_kiosk.adapters"


@runtime_checkable
class Adapter(Protocol):
    """Queries one back-end family.

    The request carries the authenticated person; an adapter must raise `QueryRefused` when
    asked about anyone else. Errors are the typed ones of `services_catalog.errors`.
    """

    family: str

    def query(
        self, service: Service, person: AuthenticatedPerson, inputs: Mapping[str, str]
    ) -> QueryResult: ...

    def close(self) -> None: ...
