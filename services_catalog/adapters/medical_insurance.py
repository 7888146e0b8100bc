"""Adapter for the 医疗保障 back-end (the healthcare security bureau).

Personal account, account statement, settlements and contributions of the medical insurance
information platform.
"""

from __future__ import annotations

from services_catalog.adapters.http import HttpAdapter


class MedicalInsuranceAdapter(HttpAdapter):
    family = "medical_insurance"
