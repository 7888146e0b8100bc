"""Adapter for the 养老保险 back-end (the social insurance centre's pension system).

Pension payments (`scheme` employee or resident), the personal account, estimates and annuities.
"""

from __future__ import annotations

from services_catalog.adapters.http import HttpAdapter


class PensionAdapter(HttpAdapter):
    family = "pension"
