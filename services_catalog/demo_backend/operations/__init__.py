"""The demo back-end's operations: SQL over the sample data, answering in the adapters' JSON.

Each operation takes the database, the subject key, the query parameters and today's date and
returns the answer body (`found`, `values`, `tables`, ...). "No record" is `found: false`.
One module per back-end family; `OPERATIONS` routes (family, operation) to its function.
"""

from __future__ import annotations

from services_catalog.demo_backend.operations.any_family import progress, record
from services_catalog.demo_backend.operations.common import BadRequest, Handler
from services_catalog.demo_backend.operations.electricity import (
    elec_account_info,
    elec_balance,
    elec_bills,
    elec_payments,
    tiered,
)
from services_catalog.demo_backend.operations.housing_fund import (
    hf_account,
    hf_deposits,
    hf_loan,
    hf_repayments,
    hf_withdrawals,
    loan_quota,
)
from services_catalog.demo_backend.operations.insurance import (
    account_transactions,
    contributions,
    enrollment,
    estimate,
    medical_account,
    payments,
    pension_account,
    settlements,
)
from services_catalog.demo_backend.operations.real_estate import (
    archives,
    certificate,
    contracts,
    encumbrances,
    housing_status,
    maintenance_fund,
    properties,
)

__all__ = ["ALL", "OPERATIONS", "BadRequest", "Handler"]

ALL = (
    "real_estate",
    "social_insurance",
    "medical_insurance",
    "pension",
    "housing_fund",
    "electricity",
)
# (family, operation) -> handler
OPERATIONS: dict[tuple[str, str], Handler] = {
    ("real_estate", "properties"): properties,
    ("real_estate", "encumbrances"): encumbrances,
    ("real_estate", "certificate"): certificate,
    ("real_estate", "housing_status"): housing_status,
    ("real_estate", "archives"): archives,
    ("real_estate", "contracts"): contracts,
    ("real_estate", "maintenance_fund"): maintenance_fund,
    ("social_insurance", "enrollment"): enrollment,
    ("social_insurance", "contributions"): contributions,
    ("medical_insurance", "contributions"): contributions,
    ("medical_insurance", "account"): medical_account,
    ("medical_insurance", "account_transactions"): account_transactions,
    ("medical_insurance", "settlements"): settlements,
    ("pension", "contributions"): contributions,
    ("pension", "payments"): payments,
    ("pension", "account"): pension_account,
    ("pension", "estimate"): estimate,
    ("housing_fund", "account"): hf_account,
    ("housing_fund", "deposits"): hf_deposits,
    ("housing_fund", "withdrawals"): hf_withdrawals,
    ("housing_fund", "loan"): hf_loan,
    ("housing_fund", "repayments"): hf_repayments,
    ("housing_fund", "loan_quota"): loan_quota,
    ("electricity", "balance"): elec_balance,
    ("electricity", "bills"): elec_bills,
    ("electricity", "payments"): elec_payments,
    ("electricity", "account_info"): elec_account_info,
    ("electricity", "tiered"): tiered,
    **{(family, "progress"): progress for family in ALL},
    **{(family, "record"): record for family in ALL},
}
