"""The face-verification interface: is this face the card holder's?

Same style as the service adapters: one small protocol, typed errors from
`services_catalog.errors` (BackendUnavailable, BackendTimeout, BadBackendResponse,
QueryRefused, RecordNotFound, InvalidInput) plus `NoFaceInImage`, each with its own sentence
for the citizen. The ID number is never put in an error's detail or a log in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from services_catalog.errors import AdapterError, InvalidInput

_FOREIGN_PERMANENT_2017 = re.compile(r"[A-Z]{3}\d{12}")


class NoFaceInImage(AdapterError):
    """The image sent for verification holds no usable face."""

    message_zh = "照片中没有找到清晰的人脸，请重新拍照。"
    message_en = "No clear face was found in the photo. Please have your photo taken again."


@dataclass(frozen=True)
class FaceMatch:
    matched: bool
    score: float  # the verifier's own similarity, 0..1; only `matched` decides


@runtime_checkable
class FaceVerifier(Protocol):
    def verify(self, id_number: str, face_jpeg: bytes) -> FaceMatch: ...

    def close(self) -> None: ...


def checked_id_number(id_number: str) -> str:
    """The compact, checksum-valid ID number, or InvalidInput (message for the citizen).

    Format, check digit and birth date are checked; the division code is not, because
    python-stdnum's table of division codes lags behind newly created districts. The
    15-character number of a 2017-edition foreign permanent resident card has no check digit
    and is accepted by its shape."""
    compact = id_number.strip().upper()
    if _FOREIGN_PERMANENT_2017.fullmatch(compact):
        return compact
    try:
        number = str(ric.compact(id_number))
        if len(number) != 18 or not number[:17].isdigit():
            raise ValidationError()
        if ric.calc_check_digit(number) != number[17]:
            raise ValidationError()
        ric.get_birth_date(number)
        return number
    except ValidationError:
        raise InvalidInput(
            "id_number", "身份证号码无效。", "The ID card number is not valid."
        ) from None
