from __future__ import annotations

import re
from dataclasses import replace

import pytest

from printing.codes import (
    InvalidVerificationCode,
    content_object,
    content_sha256,
    holder_id_hash,
    new_verification_code,
    normalize_code,
    parse_qr_payload,
    qr_payload,
)
from printing.samples import DEMO_PERSON, sample_result
from services_catalog.model import AuthenticatedPerson
from tests.printing.conftest import ISSUED_AT

CODE_RE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")


def test_codes_are_80_bit_base32_in_groups_and_differ() -> None:
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE_RE.match(c) for c in codes)


@pytest.mark.parametrize(
    "typed", ["abcd efgh ijkl mnop", "ABCDEFGHIJKLMNOP", "abcd-efgh-ijkl-mn0p"]
)
def test_typed_codes_are_normalised(typed: str) -> None:
    assert normalize_code(typed) == "ABCD-EFGH-IJKL-MNOP"


@pytest.mark.parametrize("typed", ["", "ABCD-EFGH", "ABCD-EFGH-IJKL-MNOP-Q", "ABCD-EFGH-IJKL-MN9P"])
def test_bad_codes_raise_a_typed_error_with_both_languages(typed: str) -> None:
    with pytest.raises(InvalidVerificationCode) as info:
        normalize_code(typed)
    assert "验证码" in info.value.message_zh and "code" in info.value.message_en


def _content(**changes: object) -> str:
    args: dict[str, object] = dict(
        service_id="social_insurance.payment_details",
        template="social_insurance",
        person=DEMO_PERSON,
        result=sample_result("social_insurance"),
        issued_at=ISSUED_AT,
        terminal_id="DEMO-0001",
        seal_id="hrss_bureau",
        verification_code="AAAA-BBBB-CCCC-DDDD",
    )
    args.update(changes)
    return content_sha256(content_object(**args))  # type: ignore[arg-type]


def test_content_hash_is_stable_and_changes_with_every_part() -> None:
    base = _content()
    assert base == _content()
    other_result = replace(sample_result("social_insurance"), values={"insured_status": "暂停"})
    variants = [
        _content(person=AuthenticatedPerson("410403195608120028", "张伟")),
        _content(person=AuthenticatedPerson("410402198805201238", "张纬")),
        _content(result=other_result),
        _content(issued_at=ISSUED_AT.replace(second=6)),
        _content(terminal_id="DEMO-0002"),
        _content(seal_id="state_grid"),
        _content(verification_code="AAAA-BBBB-CCCC-DDDE"),
    ]
    assert len(set(variants + [base])) == len(variants) + 1


def test_qr_payload_round_trips_and_carries_the_url() -> None:
    payload = qr_payload("https://verify.example.gov.cn/v", "ABCD-EFGH-IJKL-MNOP", "ab" * 32)
    assert payload.startswith("https://verify.example.gov.cn/v?")
    assert parse_qr_payload(payload) == ("ABCD-EFGH-IJKL-MNOP", "ab" * 32)
    with pytest.raises(ValueError):
        parse_qr_payload("https://verify.example.gov.cn/v?code=ABCD-EFGH-IJKL-MNOP")


def test_holder_hash_depends_on_the_key_and_hides_the_number() -> None:
    a = holder_id_hash(b"k1", "11010519491231002x")
    assert a == holder_id_hash(b"k1", "11010519491231002X")
    assert a != holder_id_hash(b"k2", "11010519491231002X")
    assert len(a) == 64 and "11010519491231002" not in a
    with pytest.raises(ValueError):
        holder_id_hash(b"", "11010519491231002X")
