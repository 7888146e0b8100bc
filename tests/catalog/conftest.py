"""Fixtures of the catalog tests: one demo back-end for the module, a catalog, a gateway."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from services_catalog.catalog import Catalog, load_catalog
from services_catalog.demo_backend import ZHANG_WEI, DemoBackend
from services_catalog.model import AuthenticatedPerson
from services_catalog.registry import QueryGateway, build_adapters

TODAY = date(2026, 5, 20)
NOON = datetime(2026, 5, 20, 12, 0)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def demo() -> Iterator[DemoBackend]:
    with DemoBackend(today=TODAY) as backend:
        yield backend


@pytest.fixture
def fresh_demo() -> Iterator[DemoBackend]:
    """A back-end of its own, for tests that inject failures."""
    with DemoBackend(today=TODAY) as backend:
        yield backend


@pytest.fixture
def zhang() -> AuthenticatedPerson:
    return AuthenticatedPerson(ZHANG_WEI, "张伟", face_verified=True)


@pytest.fixture
def gateway(catalog: Catalog, demo: DemoBackend) -> Iterator[QueryGateway]:
    gw = QueryGateway(catalog, build_adapters(demo_base_url=demo.base_url))
    yield gw
    gw.close()
