"""Adapter for the 社会保险 back-end (the human resources and social security bureau).

Enrolment, monthly contributions per insurance type (the service's `insurance` parameter)
and the bureau's other records.
"""

from __future__ import annotations

from services_catalog.adapters.http import HttpAdapter


class SocialInsuranceAdapter(HttpAdapter):
    family = "social_insurance"
