"""Verification codes, the content hash and the QR payload of a certificate (pure).

The verification code is 80 random bits from `secrets`, written in RFC 4648 base32 as four
groups of four (``XXXX-XXXX-XXXX-XXXX``); typing is forgiving (case, spaces, 0/1/8 for O/I/B).

The content hash is SHA-256 over the UTF-8 bytes of a canonical JSON object (keys sorted, no
whitespace, non-ASCII kept) that is fixed before the PDF exists::

    {"format": "gov-kiosk-certificate/1", "service_id": ..., "template": ...,
     "holder": {"name": ..., "id_number": ...},
     "result": {"record_found": ..., "values": {...}, "tables": {...},
                "data_as_of": ..., "backend_reference": ...},
     "issued_at": "YYYY-MM-DDTHH:MM:SS+HH:MM", "terminal_id": ..., "seal_id": ...,
     "verification_code": "XXXX-XXXX-XXXX-XXXX"}

Values are normalised first: Decimal and other scalars to strings, dates to ISO 8601, lists and
mappings recursively. Because the random code is inside the hashed object, the hash (printed
in the QR code) cannot be used to guess the holder's ID number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from services_catalog.model import AuthenticatedPerson, QueryResult

CODE_BITS = 80
CONTENT_FORMAT = "gov-kiosk-certificate/1"
_B32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


class InvalidVerificationCode(ValueError):
    """Typed text is not a verification code."""

    message_zh = "验证码格式不正确，应为 16 位字母和数字，例如 ABCD-EFGH-JKLM-NPQR。"
    message_en = (
        "That is not a verification code. It has 16 letters and digits, like ABCD-EFGH-JKLM-NPQR."
    )


def new_verification_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(CODE_BITS // 8)).decode("ascii")
    return group_code(raw)


def group_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize_code(text: str) -> str:
    """The canonical grouped form of a typed code; raises InvalidVerificationCode."""
    compact = "".join(ch for ch in text.upper() if ch not in " -_\t").translate(_LOOKALIKES)
    if len(compact) != CODE_BITS // 5 or not set(compact) <= _B32_ALPHABET:
        raise InvalidVerificationCode(f"not a verification code ({len(compact)} characters)")
    return group_code(compact)


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def content_object(
    *,
    service_id: str,
    template: str,
    person: AuthenticatedPerson,
    result: QueryResult,
    issued_at: datetime,
    terminal_id: str,
    seal_id: str,
    verification_code: str,
) -> dict[str, Any]:
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    return {
        "format": CONTENT_FORMAT,
        "service_id": service_id,
        "template": template,
        "holder": {"name": person.name, "id_number": person.id_number},
        "result": {
            "record_found": result.record_found,
            "values": _canonical(result.values),
            "tables": _canonical(result.tables),
            "data_as_of": result.data_as_of,
            "backend_reference": result.backend_reference,
        },
        "issued_at": issued_at.isoformat(timespec="seconds"),
        "terminal_id": terminal_id,
        "seal_id": seal_id,
        "verification_code": verification_code,
    }


def canonical_json(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_sha256(obj: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def holder_id_hash(key: bytes, id_number: str) -> str:
    """Keyed hash (HMAC-SHA256) of an ID number: comparable, but not reversible without key."""
    if not key:
        raise ValueError("the holder-hash key must not be empty")
    return hmac.new(key, id_number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()


def qr_payload(verify_url: str, verification_code: str, sha256_hex: str) -> str:
    """The URL in the QR code: a phone opens the verification page with both values filled."""
    separator = "&" if urlsplit(verify_url).query else "?"
    return verify_url + separator + urlencode({"code": verification_code, "sha256": sha256_hex})


def parse_qr_payload(payload: str) -> tuple[str, str]:
    """(verification code, content SHA-256) from a QR payload; raises ValueError."""
    query = parse_qs(urlsplit(payload).query)
    try:
        code = normalize_code(query["code"][0])
        digest = query["sha256"][0].lower()
    except (KeyError, IndexError):
        raise ValueError("not a certificate QR payload") from None
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("not a certificate QR payload")
    return code, digest
