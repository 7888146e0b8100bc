"""The public list of services, as pure data: enabled services only, grouped, with hours and
the agency's phone."""

from __future__ import annotations

from datetime import time

from kiosk.public_list import hours_text, load_agency_phones, public_list
from services_catalog.catalog import load_catalog
from services_catalog.model import Category, OpeningHours


def test_every_enabled_service_is_listed_once_and_disabled_ones_are_not() -> None:
    pension = next(s.id for s in load_catalog().services if s.category is Category.PENSION)
    off = {"electricity.balance", pension}
    catalog = load_catalog(overrides=lambda sid: False if sid in off else None)
    listed = public_list(catalog.services, load_agency_phones())
    ids = [s.id for group in listed for s in group.services]
    assert sorted(ids) == sorted(s.id for s in catalog.enabled())
    assert not off & set(ids) and len(ids) == len(set(ids)) == len(catalog.services) - 2
    assert [g.category for g in listed] == [c for c in Category if c in
                                           {s.category for s in catalog.enabled()}]


def test_hours_and_phones() -> None:
    assert hours_text(OpeningHours()) == ("全天24小时", "24 hours")
    assert hours_text(OpeningHours(opens=time(6), closes=time(22))) == ("06:00–22:00",) * 2
    catalog = load_catalog()
    listed = {s.id: s for g in public_list(catalog.services, load_agency_phones())
              for s in g.services}
    assert listed["electricity.balance"].phone == "95598"
    unknown = public_list(catalog.services, {}, hotline="12345")
    assert {s.phone for g in unknown for s in g.services} == {"12345"}
