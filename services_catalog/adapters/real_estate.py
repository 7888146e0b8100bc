"""Adapter for the 不动产登记 back-end (real estate registration and the housing archive).

Serves both the 不动产 (registration centre) and 房产 (housing bureau archive) categories:
the two share one data exchange. Certificate numbers are sent as the citizen typed them after
the catalog's normalisation (full-width brackets folded to ASCII).
"""

from __future__ import annotations

from services_catalog.adapters.http import HttpAdapter


class RealEstateAdapter(HttpAdapter):
    family = "real_estate"
