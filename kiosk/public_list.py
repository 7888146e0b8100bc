"""The public list of services: what this terminal offers, by whom, when, and whom to call.

Pure: no Qt, no I/O beyond reading the agencies' phone table. The same rows make the
"服务清单 / All services" screen and the PDF for the hall's notice board
(`kiosk-admin services list --format pdf`), so the two never disagree.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import services_catalog
from services_catalog.model import CATEGORY_NAMES, Category, OpeningHours, Service

AGENCIES_FILE = Path(services_catalog.__file__).resolve().parent / "agencies.toml"
HOTLINE = "12345"  # the government service hotline: the answer when an agency has no number


@dataclass(frozen=True)
class ListedService:
    id: str
    name_zh: str
    name_en: str
    agency_zh: str
    agency_en: str
    hours_zh: str
    hours_en: str
    phone: str
    printable: bool


@dataclass(frozen=True)
class ListedCategory:
    category: Category
    name_zh: str
    name_en: str
    services: tuple[ListedService, ...]


def load_agency_phones(path: Path = AGENCIES_FILE) -> dict[str, str]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {str(k): str(v) for k, v in data.get("phones", {}).items()}


def _hhmm(moment: time) -> str:
    return f"{moment:%H:%M}"


def hours_text(hours: OpeningHours) -> tuple[str, str]:
    """("全天24小时", "24 hours") or ("06:00–23:00", "06:00–23:00")."""
    if hours.opens <= time(0, 0) and hours.closes >= time(23, 59):
        return "全天24小时", "24 hours"
    span = f"{_hhmm(hours.opens)}–{_hhmm(hours.closes)}"
    return span, span


def public_list(
    services: Iterable[Service], phones: Mapping[str, str], hotline: str = HOTLINE
) -> list[ListedCategory]:
    """Every enabled service, grouped by category in the catalog's category order, each with
    its agency, opening hours and enquiry phone. Disabled services are not on the list."""
    grouped: dict[Category, list[ListedService]] = {}
    for service in services:
        if not service.enabled:
            continue
        hours_zh, hours_en = hours_text(service.hours)
        grouped.setdefault(service.category, []).append(ListedService(
            id=service.id, name_zh=service.name_zh, name_en=service.name_en,
            agency_zh=service.agency_zh, agency_en=service.agency_en,
            hours_zh=hours_zh, hours_en=hours_en,
            phone=phones.get(service.agency_zh, hotline), printable=service.printable,
        ))
    return [ListedCategory(category, *CATEGORY_NAMES[category], tuple(grouped[category]))
            for category in Category if category in grouped]
