"""One rule masks holder numbers in free text, for logs, the audit outbox and the voice: every
card layout the terminal accepts, wherever it stands in a sentence."""

from __future__ import annotations

import pytest

from kiosk.logging_setup import redact
from kiosk.store.outbox import masked_text
from kiosk.ui.spoken import without_id_numbers
from services_catalog.model import is_holder_number, mask_id_numbers_in

LAYOUTS = {
    "resident": "410402198805201238",
    "resident_x": "11010519491231002X",
    "foreign_permanent_2023": "931586202301011232",
    "hong_kong_permit": "810000199408230013",
    "macao_permit": "820000200001010016",
    "taiwan_permit": "830000197001010013",
    "foreign_permanent_2017": "USA330112345678",
    "foreign_permanent_2004_lower": "can110012345678",
    "first_generation_15_digits": "410402880520123",
}
MASKERS = [mask_id_numbers_in, redact, masked_text, without_id_numbers]


@pytest.mark.parametrize("masker", MASKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_accepted_layout_is_masked_in_free_text(name, masker) -> None:
    number = LAYOUTS[name]
    for text in (number, f"holder {number} refused", f"证件号{number}，", f"id={number};",
                 f"file_{number}.pdf"):
        out = masker(text)
        assert number not in out and number.upper() not in out.upper(), out
        assert f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" in out


def test_the_accepted_layouts_are_the_cards_the_terminal_takes() -> None:
    for name, number in LAYOUTS.items():
        if name != "first_generation_15_digits" and "lower" not in name:
            assert is_holder_number(number), name


@pytest.mark.parametrize("text", [
    "ABCD-EFGH", "2026-05-04 02:17", "job 12345678901234", "TXN0001234", "USA12345678901",
])
def test_codes_dates_and_short_numbers_stay_as_they_are(text) -> None:
    assert mask_id_numbers_in(text) == text
