"""The data on a card: the 256-byte text block of the four layouts, checked for consistency.

Pure: no I/O. `parse_text_block` turns the reader's bytes into a `CardData`, or raises
`UnreadableCard` when fields are missing or disagree (a damaged read must never become a
person); `build_text_block` is its inverse (the simulator uses it). ID numbers are checked with
python-stdnum's GB 11643 helpers.

`CardData` is personal data: its repr masks the ID number and hides name and address, and
nothing here writes it anywhere.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from devices.idcard.errors import UnknownCardType, UnreadableCard
from devices.idcard.tables import NATION, NATION_CODE_BY_NAME, SEX, SEX_CODE_BY_NAME

log = logging.getLogger(__name__)

TEXT_BLOCK_LEN = 256
LONG_TERM = "长期"  # "valid to" of cards that never expire
_PAD = " "


class CardType(enum.Enum):
    """The card, by the flag at bytes 248-249 of the text block."""

    RESIDENT = " "
    HMT_RESIDENCE_PERMIT = "J"  # Hong Kong / Macao / Taiwan residents' residence permit
    FOREIGN_PERMANENT_OLD = "I"  # foreign permanent resident card, 15 characters (2004, 2017)
    FOREIGN_PERMANENT = "Y"  # foreign permanent resident ID card, 2023 edition

    @property
    def json_name(self) -> str:
        return _JSON_NAMES[self]

    @classmethod
    def from_json_name(cls, value: str) -> CardType:
        for card_type, name in _JSON_NAMES.items():
            if value in (name, card_type.value.strip() or "resident"):
                return card_type
        raise ValueError(f"unknown card_type {value!r}")


_JSON_NAMES = {
    CardType.RESIDENT: "resident",
    CardType.HMT_RESIDENCE_PERMIT: "hmt_residence_permit",
    CardType.FOREIGN_PERMANENT_OLD: "foreign_permanent_old",
    CardType.FOREIGN_PERMANENT: "foreign_permanent",
}

# Field layouts of the text block: (field, width in bytes); "" is reserved space, "type" the flag.
_LAYOUTS: dict[CardType, tuple[tuple[str, int], ...]] = {
    CardType.RESIDENT: (
        ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
        ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
        ("", 28), ("type", 2), ("", 6),
    ),
    CardType.HMT_RESIDENCE_PERMIT: (
        ("name", 30), ("sex", 2), ("", 4), ("birth", 16), ("address", 70),
        ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
        ("pass_number", 18), ("issue_count", 4), ("", 6), ("type", 2), ("", 6),
    ),
    CardType.FOREIGN_PERMANENT_OLD: (
        ("name_en", 120), ("sex", 2), ("id_number", 30), ("country", 6), ("name", 30),
        ("valid_from", 16), ("valid_to", 16), ("birth", 16), ("card_version", 4),
        ("authority_code", 8), ("type", 2), ("", 6),
    ),
    CardType.FOREIGN_PERMANENT: (
        ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("name_en", 70),
        ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
        ("pass_number", 18), ("issue_count", 4), ("country", 6), ("type", 2), ("", 6),
    ),
}  # fmt: skip
_TYPE_OFFSET = 248

JSON_KEYS = (
    "card_type", "name", "sex", "nation", "birth", "address", "id_number", "authority",
    "valid_from", "valid_to",
)  # fmt: skip
EXTRA_JSON_KEYS = (
    "name_en", "pass_number", "issue_count", "country", "card_version", "authority_code",
    "appended_address",
)  # fmt: skip


def mask_id_number(id_number: str) -> str:
    """4104**********1238: the only form an ID number takes in logs and reprs.

    The same shape as the catalog's mask; kept here because devices/ depends on nothing above it.
    """
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


@dataclass(frozen=True, repr=False)
class CardData:
    """One card as read. `sex` and `nation` hold names as printed ("男", "汉").

    `valid_to` None means long-term (长期). Fields a layout lacks stay empty; for the old
    foreign card `name` is the Chinese name (may be empty) and `name_en` the English one.
    """

    card_type: CardType
    name: str
    sex: str
    nation: str
    birth: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None
    photo_wlt: bytes = b""
    appended_address: str | None = None
    name_en: str = ""
    pass_number: str = ""
    issue_count: str = ""
    country: str = ""
    card_version: str = ""
    authority_code: str = ""
    fingerprint: bytes = b""

    def __repr__(self) -> str:
        return (
            f"CardData(card_type={self.card_type.json_name!r}, "
            f"id_number={mask_id_number(self.id_number)!r}, name=***, address=***, "
            f"photo=<{len(self.photo_wlt)} bytes>)"
        )

    __str__ = __repr__

    @property
    def display_name(self) -> str:
        return self.name or self.name_en

    @property
    def long_term(self) -> bool:
        return self.valid_to is None

    def to_json(self, *, extra: bool = False) -> dict[str, str]:
        """The keys of DESIGN section 6; `extra` adds the non-empty layout-specific fields."""
        out = {
            "card_type": self.card_type.json_name,
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth": self.birth.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": LONG_TERM if self.valid_to is None else self.valid_to.isoformat(),
        }
        if extra:
            for key in EXTRA_JSON_KEYS:
                value = getattr(self, key)
                if value:
                    out[key] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CardData:
        """The inverse of `to_json` (either form); checks the card like a read would."""
        unknown = set(data) - set(JSON_KEYS) - set(EXTRA_JSON_KEYS)
        if unknown:
            raise UnreadableCard(f"unknown card field(s): {', '.join(sorted(unknown))}")
        missing = {"card_type", "id_number", "birth", "valid_from"} - set(data)
        if missing:
            raise UnreadableCard(f"missing card field(s): {', '.join(sorted(missing))}")
        for key, value in data.items():
            if value is not None and not isinstance(value, str):
                raise UnreadableCard(f"card field {key!r} must be text")
        try:
            card_type = CardType.from_json_name(data["card_type"])
        except ValueError as exc:
            raise UnreadableCard(str(exc)) from None
        raw = {k: v for k, v in data.items() if k != "card_type" and v is not None}
        raw["sex"] = SEX_CODE_BY_NAME.get(raw.get("sex", ""), raw.get("sex", ""))
        raw["nation"] = NATION_CODE_BY_NAME.get(raw.get("nation", ""), raw.get("nation", ""))
        for key in ("birth", "valid_from", "valid_to"):
            if key in raw:
                raw[key] = raw[key].replace("-", "")
        card = _card_from_fields(card_type, raw)
        if data.get("appended_address"):
            card = _replace(card, appended_address=data["appended_address"])
        return card


def _replace(card: CardData, **changes: Any) -> CardData:
    values = {f.name: getattr(card, f.name) for f in fields(card)}
    values.update(changes)
    return CardData(**values)


# --- parsing ---------------------------------------------------------------------------------


def _ucs2(raw: bytes) -> str:
    return raw.decode("utf-16-le", errors="replace").replace("\x00", "").strip()


def card_type_of(text: bytes) -> CardType:
    flag = _ucs2(text[_TYPE_OFFSET : _TYPE_OFFSET + 2]) or _PAD
    try:
        return CardType(flag)
    except ValueError:
        raise UnknownCardType(f"text block carries card type flag {flag!r}") from None


def parse_text_block(
    text: bytes,
    photo: bytes = b"",
    *,
    appended_address: str | None = None,
    fingerprint: bytes = b"",
) -> CardData:
    """A card from the reader's 256-byte text block (and photo, if read)."""
    if len(text) != TEXT_BLOCK_LEN:
        raise UnreadableCard(f"text block of {len(text)} bytes, expected {TEXT_BLOCK_LEN}")
    card_type = card_type_of(text)
    raw: dict[str, str] = {}
    offset = 0
    for key, width in _LAYOUTS[card_type]:
        if key and key != "type":
            raw[key] = _ucs2(text[offset : offset + width])
        offset += width
    card = _card_from_fields(card_type, raw)
    return _replace(
        card, photo_wlt=bytes(photo), appended_address=appended_address, fingerprint=fingerprint
    )


def _date(raw: str, field_name: str) -> date:
    if len(raw) != 8 or not raw.isdigit():
        raise UnreadableCard(f"{field_name} is not a YYYYMMDD date")
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise UnreadableCard(f"{field_name} is not a calendar date") from None


def _card_from_fields(card_type: CardType, raw: Mapping[str, str]) -> CardData:
    sex_code = raw.get("sex", "")
    if sex_code not in SEX:
        raise UnreadableCard("sex code is not a GB/T 2261.1 code")
    nation_code = raw.get("nation", "")
    if card_type is CardType.RESIDENT and nation_code not in NATION:
        raise UnreadableCard("nation code is not a GB 3304 code")
    if nation_code and nation_code not in NATION:
        raise UnreadableCard("nation code is not a GB 3304 code")
    valid_to_raw = raw.get("valid_to", "")
    card = CardData(
        card_type=card_type,
        name=raw.get("name", ""),
        sex=SEX[sex_code][0],
        nation=NATION[nation_code][0] if nation_code else "",
        birth=_date(raw.get("birth", ""), "birth date"),
        address=raw.get("address", ""),
        id_number=ric.compact(raw.get("id_number", "")),
        authority=raw.get("authority", ""),
        valid_from=_date(raw.get("valid_from", ""), "valid-from date"),
        valid_to=None if valid_to_raw == LONG_TERM else _date(valid_to_raw, "valid-to date"),
        name_en=raw.get("name_en", ""),
        pass_number=raw.get("pass_number", ""),
        issue_count=raw.get("issue_count", ""),
        country=raw.get("country", ""),
        card_version=raw.get("card_version", ""),
        authority_code=raw.get("authority_code", ""),
    )
    check_consistency(card, sex_code)
    return card


def check_consistency(card: CardData, sex_code: str) -> None:
    """Raise UnreadableCard when the card's fields disagree. Messages name fields, never values."""
    if not card.display_name:
        raise UnreadableCard("name is empty")
    if card.valid_to is not None and card.valid_to < card.valid_from:
        raise UnreadableCard("valid-to date is before valid-from date")
    if card.card_type is CardType.FOREIGN_PERMANENT_OLD:
        # 15 characters (2004 and 2017 editions): country code, twelve digits, no check digit.
        number = card.id_number
        if len(number) != 15 or not number[:3].isalpha() or not number[3:].isdigit():
            raise UnreadableCard("card number is not in the 15-character permanent-resident format")
        return
    born = check_id_number(card.id_number)
    if born != card.birth:
        raise UnreadableCard("birth date does not match the ID number")
    if card.card_type is CardType.RESIDENT:
        # stdnum's own place check also demands the county existed in the birth year, which
        # rejects genuine numbers of people born before their county was created: check only
        # that the province is known.
        province = numdb.get("cn/loc").info(card.id_number[:6])
        if not any("province" in props for _part, props in province):
            raise UnreadableCard("ID number has no known province code")
    elif card.card_type is CardType.HMT_RESIDENCE_PERMIT:
        if card.id_number[:2] not in ("81", "82", "83"):
            raise UnreadableCard("residence permit number does not start with 81, 82 or 83")
    elif card.id_number[0] != "9":
        raise UnreadableCard("permanent-resident number does not start with 9")
    if card.card_type is not CardType.FOREIGN_PERMANENT and sex_code in ("1", "2"):
        # GB 11643: the 17th digit is odd for men and even for women.
        if int(card.id_number[16]) % 2 != (1 if sex_code == "1" else 0):
            raise UnreadableCard("sex does not match the ID number")


def check_id_number(number: str) -> date:
    """Check length, digits and check digit (GB 11643); return the birth date it encodes."""
    number = ric.compact(number)
    if len(number) != 18 or not number[:17].isdigit():
        raise UnreadableCard("ID number is not 17 digits and a check character")
    if number[-1] != ric.calc_check_digit(number):
        raise UnreadableCard("ID number check digit is wrong")
    try:
        return ric.get_birth_date(number)
    except ValidationError:
        raise UnreadableCard("ID number carries no valid birth date") from None


# --- building (for the simulator) ------------------------------------------------------------


def build_text_block(card: CardData) -> bytes:
    """The 256-byte text block a reader would send for `card`."""
    values: dict[str, str] = {
        "name": card.name,
        "sex": SEX_CODE_BY_NAME.get(card.sex, card.sex),
        "nation": NATION_CODE_BY_NAME.get(card.nation, card.nation),
        "birth": card.birth.strftime("%Y%m%d"),
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_to": LONG_TERM if card.valid_to is None else card.valid_to.strftime("%Y%m%d"),
        "type": card.card_type.value,
    }
    for key in EXTRA_JSON_KEYS:
        values.setdefault(key, str(getattr(card, key) or ""))
    out = bytearray()
    for key, width in _LAYOUTS[card.card_type]:
        encoded = values.get(key, "").encode("utf-16-le") if key else b""
        if len(encoded) > width:
            raise ValueError(f"{key or 'reserved'} does not fit in {width} bytes")
        out += encoded + _PAD.encode("utf-16-le") * ((width - len(encoded)) // 2)
    assert len(out) == TEXT_BLOCK_LEN
    return bytes(out)


def encode_appended_address(address: str) -> bytes:
    """The 70-byte UCS-2 block of the 30 03 reply."""
    encoded = address.encode("utf-16-le")
    if len(encoded) > 70:
        raise ValueError("appended address does not fit in 70 bytes")
    return encoded + _PAD.encode("utf-16-le") * ((70 - len(encoded)) // 2)


# --- photo -----------------------------------------------------------------------------------

PhotoDecoder = Callable[[bytes], bytes | None]
"""WLT bytes -> an image file's bytes (BMP/PNG) in memory, or None."""

_photo_decoder: PhotoDecoder | None = None


def set_photo_decoder(decoder: PhotoDecoder | None) -> None:
    """Install the vendor's licensed WLT decoder (none by default: the UI shows no photo)."""
    global _photo_decoder
    _photo_decoder = decoder


def decode_photo(card: CardData) -> bytes | None:
    """The card photo as image bytes, or None when there is no decoder or it fails."""
    decoder = _photo_decoder
    if decoder is None or not card.photo_wlt:
        return None
    try:
        return decoder(card.photo_wlt)
    except Exception:  # a vendor library's failure must not end the session
        log.warning("photo decoder failed for card %s", mask_id_number(card.id_number))
        return None
