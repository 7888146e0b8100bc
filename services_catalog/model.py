"""The plain data types of the catalog: a service record, the person asking, and a result.

These types are shared with `printing` (which lays a result out on a certificate) and with the
kiosk's flow and UI; they hold no Qt and do no I/O.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Category(enum.StrEnum):
    PROPERTY = "property"
    REAL_ESTATE = "real_estate"
    SOCIAL_INSURANCE = "social_insurance"
    MEDICAL_INSURANCE = "medical_insurance"
    PENSION = "pension"
    HOUSING_FUND = "housing_fund"
    ELECTRICITY = "electricity"


CATEGORY_NAMES: dict[Category, tuple[str, str]] = {
    Category.PROPERTY: ("房产", "Property"),
    Category.REAL_ESTATE: ("不动产", "Real estate registration"),
    Category.SOCIAL_INSURANCE: ("社保", "Social insurance"),
    Category.MEDICAL_INSURANCE: ("医保", "Medical insurance"),
    Category.PENSION: ("养老", "Pension"),
    Category.HOUSING_FUND: ("住房公积金", "Housing provident fund"),
    Category.ELECTRICITY: ("国家电网", "State Grid electricity"),
}


class AuthMethod(enum.StrEnum):
    CARD = "card"
    CARD_FACE = "card+face"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputField(_Frozen):
    """A value the citizen types or picks before the query (e.g. a year, a certificate no.)."""

    key: str
    label_zh: str
    label_en: str
    # "id_number": a resident ID number (validated with python-stdnum); an adapter refuses a
    # query whose id_number input names anyone but the authenticated person.
    kind: Literal["text", "year", "month", "choice", "digits", "id_number"] = "text"
    required: bool = True
    pattern: str | None = None  # a full-match regular expression for text/digits
    min: int | None = None  # for year/month: inclusive bounds
    max: int | None = None
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, label_zh, label_en)
    # For year/month inputs "current" and "previous" are resolved against the query date.
    default: str | None = None
    example: str | None = None  # shown as a hint; also what `services try` sends when asked

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class ResultColumn(_Frozen):
    key: str
    label_zh: str
    label_en: str
    format: Literal["text", "amount", "date", "month", "number", "area", "percent"] = "text"


class ResultField(_Frozen):
    """How one part of a back-end answer is shown: a single value or a table."""

    key: str
    label_zh: str
    label_en: str
    format: Literal["text", "amount", "date", "month", "number", "area", "percent", "table"] = (
        "text"
    )
    columns: tuple[ResultColumn, ...] = ()  # only for format == "table"

    @model_validator(mode="after")
    def _table_has_columns(self) -> ResultField:
        if self.format == "table" and not self.columns:
            raise ValueError("a table result field needs columns")
        if self.format != "table" and self.columns:
            raise ValueError("only a table result field has columns")
        return self


class OpeningHours(_Frozen):
    """When the back-end answers; outside these hours the terminal says when to come back."""

    opens: time = time(0, 0)
    closes: time = time(23, 59, 59)

    def is_open(self, now: time) -> bool:
        if self.opens <= self.closes:
            return self.opens <= now <= self.closes
        return now >= self.opens or now <= self.closes  # spans midnight


class Service(_Frozen):
    """One query service as an admin configures it (DESIGN section 4)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]{2,63}$")
    name_zh: str = Field(min_length=2)
    name_en: str = Field(min_length=2)
    category: Category
    agency_zh: str
    agency_en: str
    auth: AuthMethod = AuthMethod.CARD
    inputs: tuple[InputField, ...] = ()
    adapter: str  # entry-point name in the adapter group
    operation: str  # the adapter's operation (maps to a back-end path)
    result_fields: tuple[ResultField, ...]
    printable: bool = False
    template: str | None = None  # certificate template family
    seal: str | None = None  # seal (department key) id in config
    timeout_s: float = Field(default=8.0, gt=0, le=60)
    enabled: bool = True
    hours: OpeningHours = OpeningHours()
    keywords: tuple[str, ...] = ()
    # Fixed parameters sent with every query of this service (e.g. which insurance type), so
    # several services can share one back-end operation. Kept as sorted pairs: Service stays
    # hashable; a TOML inline table is accepted.
    params: tuple[tuple[str, str], ...] = ()

    @field_validator("params", mode="before")
    @classmethod
    def _params_from_mapping(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return tuple(sorted((str(k), str(v)) for k, v in value.items()))
        return value

    @model_validator(mode="after")
    def _printable_needs_template_and_seal(self) -> Service:
        if self.printable and (not self.template or not self.seal):
            raise ValueError("a printable service needs a template and a seal")
        return self

    @property
    def agency(self) -> str:
        return self.agency_zh

    @property
    def params_dict(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True)
class AuthenticatedPerson:
    """The citizen this session belongs to, as proven by the card (and the face, if asked).

    Lives only in memory for one session. `repr` never shows the ID number or the name.
    """

    id_number: str
    name: str
    face_verified: bool = False

    def __repr__(self) -> str:
        return f"AuthenticatedPerson(id_number={mask_id_number(self.id_number)!r}, name=***)"

    __str__ = __repr__


@dataclass(frozen=True)
class QueryResult:
    """A back-end's answer: scalar values and tables, keyed by the service's result fields.

    `record_found` False is a normal answer ("no record"), not an error; for a no-property
    proof it is the very thing being certified.
    """

    service_id: str
    # Hidden from repr: a result is the citizen's data and must not end up in a log line.
    values: Mapping[str, Any] = field(default_factory=dict, repr=False)
    tables: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict, repr=False)
    record_found: bool = True
    backend_reference: str = ""  # the back-end's own reference for the answer, if any
    data_as_of: str = ""  # the back-end's date of the data, YYYY-MM-DD


def mask_id_number(id_number: str) -> str:
    """3301**********1234: the only form an ID number takes in logs and on the audit trail."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


# Every holder number the terminal accepts, wherever it stands in free text: 18 characters
# (resident ID, Hong Kong/Macao/Taiwan residence permit, 2023 foreign permanent resident card),
# the 15-character foreign permanent resident number (three letters, twelve digits), and any
# other run of 15 or more digits (a first-generation ID number; masking too much is harmless).
_HOLDER_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15,})(?![0-9])"
    r"|(?<![A-Za-z])[A-Za-z]{3}[0-9]{12}(?![0-9])"
)


def holder_number_in(text: str) -> bool:
    """True when `text` carries a holder number of any kind the terminal accepts (the rule of
    `mask_id_numbers_in`): what the centre refuses to receive in clear."""
    return _HOLDER_NUMBER_IN_TEXT.search(text) is not None


def mask_id_numbers_in(text: str) -> str:
    """`text` with every ID-number-shaped run masked (the one rule for logs, the audit
    outbox and the voice)."""
    return _HOLDER_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


def mask_name(name: str) -> str:
    """张* / 欧阳** : the form a name takes on the public verification page."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


_FOREIGN_PERMANENT_2017 = re.compile(r"[A-Z]{3}\d{12}")


def is_holder_number(text: str) -> bool:
    """True for the number of any card the terminal accepts: an 18-character number under
    GB 11643 (resident ID cards, Hong Kong/Macao/Taiwan residence permits, the 2023 foreign
    permanent resident card), or the 15-character foreign permanent resident card number of
    the 2017 edition (three-letter country code, twelve digits; no check digit)."""
    value = text.strip().upper()
    return bool(_FOREIGN_PERMANENT_2017.fullmatch(value)) or is_id_number(value)


def is_id_number(text: str) -> bool:
    """True for an 18-character resident ID number with a valid birth date and check digit
    (GB 11643). The birth-place code is not checked: python-stdnum's table rejects codes that
    were renamed or re-assigned after the person was born, which real cards still carry."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    value = text.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    try:
        ric.get_birth_date(value)
    except ValidationError:
        return False
    return ric.calc_check_digit(value) == value[-1]
