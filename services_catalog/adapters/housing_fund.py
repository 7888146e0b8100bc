"""Adapter for the 住房公积金 back-end (the housing provident fund management centre).

Account, deposits, withdrawals and loans of the fund centre's core system.
"""

from __future__ import annotations

from services_catalog.adapters.http import HttpAdapter


class HousingFundAdapter(HttpAdapter):
    family = "housing_fund"
