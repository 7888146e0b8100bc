"""Finding adapter plugins, building them from settings, and the one gate every query passes.

    adapters = build_adapters({"real_estate": {"base_url": "http://10.1.2.3:8080"}},
                              demo_base_url=demo.base_url)
    gateway = QueryGateway(catalog, adapters)
    result = gateway.query("real_estate.registration_info", person, {}, now=datetime.now())

Settings per family use the field names of kiosk.config.BackendSettings (base_url, timeout_s,
retries, breaker_failures, breaker_reset_s) but arrive as plain mappings or any object with
those attributes: this package does not import the kiosk.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx

from services_catalog.adapters.base import ENTRY_POINT_GROUP, Adapter
from services_catalog.catalog import Catalog, check_open, validate_inputs
from services_catalog.errors import (
    AuthenticationRequired,
    BackendUnavailable,
    ServiceDisabled,
)
from services_catalog.model import AuthenticatedPerson, AuthMethod, QueryResult, Service
from services_catalog.model import mask_id_number as _mask

log = logging.getLogger("services_catalog.gateway")

DEMO = "demo"
_SETTING_NAMES = ("base_url", "timeout_s", "retries", "breaker_failures", "breaker_reset_s")


class RegistryError(Exception):
    """The adapters cannot be built as configured (unknown family, no demo URL...)."""


def discover_adapters() -> dict[str, type[Adapter]]:
    """Adapter classes of every installed distribution, by entry-point name (the family)."""
    found: dict[str, type[Adapter]] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found[entry.name] = entry.load()
    return found


def build_adapters(
    backends: Mapping[str, Any] | None = None,
    *,
    families: Iterable[str] | None = None,
    demo_base_url: str | None = None,
    client: httpx.Client | None = None,
    classes: Mapping[str, type[Adapter]] | None = None,
) -> dict[str, Adapter]:
    """One adapter per family: every discovered family unless `families` narrows it.

    A family missing from `backends` gets the defaults (base_url "demo"); "demo" resolves to
    `demo_base_url`. A shared `client` is passed to every adapter (tests inject transports).
    """
    backends = backends or {}
    available = dict(classes) if classes is not None else discover_adapters()
    wanted = list(families) if families is not None else sorted(available)
    adapters: dict[str, Adapter] = {}
    for family in wanted:
        cls = available.get(family)
        if cls is None:
            raise RegistryError(f"no adapter plugin for back-end family {family!r}")
        options = _options(backends.get(family))
        base_url = str(options.pop("base_url", DEMO))
        if base_url == DEMO:
            if demo_base_url is None:
                raise RegistryError(f"{family}: base_url is 'demo' but no demo back-end runs")
            base_url = demo_base_url
        adapters[family] = cls(base_url, client=client, **options)  # type: ignore[call-arg]
    return adapters


def _options(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    if isinstance(settings, Mapping):
        source: Mapping[str, Any] = settings
    elif hasattr(settings, "model_dump"):
        source = settings.model_dump()
    else:
        source = {n: getattr(settings, n) for n in _SETTING_NAMES if hasattr(settings, n)}
    unknown = set(source) - set(_SETTING_NAMES)
    if unknown:
        raise RegistryError(f"unknown back-end setting(s): {', '.join(sorted(unknown))}")
    return dict(source)


class QueryGateway:
    """Checks a query (enabled, opening hours, authentication, inputs) and hands it to the
    adapter of the service's family. Every refusal is a typed `AdapterError`."""

    def __init__(self, catalog: Catalog, adapters: Mapping[str, Adapter]) -> None:
        self.catalog = catalog
        self.adapters = dict(adapters)

    def query(
        self,
        service: Service | str,
        person: AuthenticatedPerson,
        inputs: Mapping[str, str],
        now: datetime,
    ) -> QueryResult:
        svc = self._resolve(service)
        # The catalog's switch now, not the one the screen saw: an admin may have switched the
        # service off while the citizen was choosing it.
        current = self.catalog.get(svc.id)
        if not svc.enabled or (current is not None and not current.enabled):
            raise ServiceDisabled(f"{svc.id} is disabled")
        check_open(svc, now)
        if svc.auth == AuthMethod.CARD_FACE and not person.face_verified:
            raise AuthenticationRequired(f"{svc.id} needs card+face")
        clean = validate_inputs(svc, inputs, today=now.date())
        adapter = self.adapters.get(svc.adapter)
        if adapter is None:
            raise BackendUnavailable(f"no adapter configured for {svc.adapter!r}")
        log.info("query %s for %s", svc.id, _mask(person.id_number))
        return adapter.query(svc, person, clean)

    def _resolve(self, service: Service | str) -> Service:
        if isinstance(service, Service):
            return service
        found = self.catalog.get(service)
        if found is None:
            raise ServiceDisabled(f"unknown service {service!r}")
        return found

    def close(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()
