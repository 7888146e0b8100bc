"""Adapter for the 国家电网 back-end (State Grid's customer service system).

Accounts are found from the card holder; a household with several accounts names one with
the optional `account_no` input. Sends the account number only when given.
"""

from __future__ import annotations

from services_catalog.adapters.http import HttpAdapter


class ElectricityAdapter(HttpAdapter):
    family = "electricity"
