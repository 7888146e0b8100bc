"""Card text blocks of all four layouts, consistency checks, tables, JSON and the photo hook."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from devices.idcard import card as card_mod
from devices.idcard.card import (
    JSON_KEYS,
    CardData,
    CardType,
    build_text_block,
    decode_photo,
    parse_text_block,
    set_photo_decoder,
)
from devices.idcard.errors import UnknownCardType, UnreadableCard
from devices.idcard.tables import NATION, SEX

CARDS = Path(__file__).resolve().parents[2] / "assets" / "cards"


def load(name: str) -> CardData:
    return CardData.from_json(json.loads((CARDS / f"{name}.json").read_text(encoding="utf-8")))


def ucs2(text: str, width: int) -> bytes:
    return text.ljust(width // 2).encode("utf-16-le")


def hand_built_resident_block() -> bytes:
    """A text block laid out by hand from the reference's offsets, not by build_text_block."""
    block = (
        ucs2("张伟", 30) + ucs2("1", 2) + ucs2("01", 4) + ucs2("19880520", 16)
        + ucs2("河南省平顶山市新华区中兴路南段18号", 70) + ucs2("410402198805201238", 36)
        + ucs2("平顶山市公安局新华分局", 30) + ucs2("20160315", 16) + ucs2("20360315", 16)
        + ucs2("", 36)
    )  # fmt: skip
    assert len(block) == 256
    return block


def test_resident_block_from_reference_offsets() -> None:
    card = parse_text_block(hand_built_resident_block(), b"\x55" * 1024)
    assert card.card_type is CardType.RESIDENT
    assert (card.name, card.sex, card.nation) == ("张伟", "男", "汉")
    assert card.birth == date(1988, 5, 20)
    assert card.id_number == "410402198805201238"
    assert card.authority == "平顶山市公安局新华分局"
    assert (card.valid_from, card.valid_to) == (date(2016, 3, 15), date(2036, 3, 15))
    assert card.photo_wlt == b"\x55" * 1024
    assert build_text_block(card) == hand_built_resident_block()


def test_json_has_exactly_the_design_keys() -> None:
    card = parse_text_block(hand_built_resident_block())
    assert card.to_json() == {
        "card_type": "resident",
        "name": "张伟",
        "sex": "男",
        "nation": "汉",
        "birth": "1988-05-20",
        "address": "河南省平顶山市新华区中兴路南段18号",
        "id_number": "410402198805201238",
        "authority": "平顶山市公安局新华分局",
        "valid_from": "2016-03-15",
        "valid_to": "2036-03-15",
    }
    assert tuple(card.to_json()) == JSON_KEYS


def test_long_term_validity_is_kept() -> None:
    card = load("li_xiuying")
    assert card.valid_to is None and card.long_term
    block = build_text_block(card)
    assert block[204:220] == ucs2("长期", 16)
    assert parse_text_block(block).to_json()["valid_to"] == "长期"


@pytest.mark.parametrize("path", sorted(CARDS.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_card_round_trips_through_the_text_block(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    card = CardData.from_json(data)
    parsed = parse_text_block(build_text_block(card), appended_address=card.appended_address)
    assert parsed == card
    assert CardData.from_json(parsed.to_json(extra=True)) == card
    assert {k: v for k, v in parsed.to_json().items()} == {k: data[k] for k in JSON_KEYS}


def test_demo_persons_are_present_and_valid() -> None:
    expected = {
        "zhang_wei": ("410402198805201238", "男", 1988),
        "li_xiuying": ("410403195608120028", "女", 1956),
        "wang_jianguo": ("410425197311034513", "男", 1973),
        "zhao_shulan": ("11010519491231002X", "女", 1949),
    }
    for name, (number, sex, year) in expected.items():
        card = load(name)
        assert (card.id_number, card.sex, card.birth.year) == (number, sex, year)


def test_hmt_permit_layout_fields() -> None:
    card = load("chen_jiaming_hk_permit")
    block = build_text_block(card)
    assert block[248:250] == "J".encode("utf-16-le")
    assert block[32:36] == ucs2("", 4)  # nation is reserved on this layout
    assert block[220:238] == ucs2("H60123456", 18) and block[238:242] == ucs2("01", 4)
    parsed = parse_text_block(block)
    assert parsed.card_type is CardType.HMT_RESIDENCE_PERMIT
    assert (parsed.pass_number, parsed.issue_count, parsed.nation) == ("H60123456", "01", "")


def test_old_foreign_card_layout_fields() -> None:
    card = load("smith_john_permanent_2004")
    block = build_text_block(card)
    assert block[0:120] == ucs2("SMITH, JOHN", 120)
    assert block[122:152] == ucs2("USA110079060514", 30)
    assert block[152:158] == ucs2("USA", 6) and block[158:188] == ucs2("史密斯", 30)
    assert block[220:236] == ucs2("19790605", 16) and block[240:248] == ucs2("1500", 8)
    parsed = parse_text_block(block)
    assert (parsed.name, parsed.name_en, parsed.country) == ("史密斯", "SMITH, JOHN", "USA")
    assert parsed.display_name == "史密斯"
    assert replace(parsed, name="").display_name == "SMITH, JOHN"


def test_2023_foreign_card_layout_fields() -> None:
    card = load("johnson_mary_permanent_2023")
    block = build_text_block(card)
    assert block[52:122] == ucs2("JOHNSON, MARY", 70)
    assert block[122:158] == ucs2("911840198503120124", 36)
    assert block[242:248] == ucs2("USA", 6) and block[248:250] == "Y".encode("utf-16-le")
    parsed = parse_text_block(block)
    assert parsed.card_type is CardType.FOREIGN_PERMANENT and parsed.name_en == "JOHNSON, MARY"


def _patch(block: bytes, offset: int, text: str, width: int) -> bytes:
    return block[:offset] + ucs2(text, width) + block[offset + width :]


@pytest.mark.parametrize(
    ("offset", "text", "width", "why"),
    [
        (36, "19880521", 16, "birth date does not match"),
        (30, "2", 2, "sex does not match"),
        (122, "410402198805201237", 36, "check digit"),
        (122, "41040219880520123", 36, "17 digits"),
        (36, "19880532", 16, "calendar date"),
        (188, "2016031", 16, "YYYYMMDD"),
        (204, "20100101", 16, "before valid-from"),
        (30, "7", 2, "GB/T 2261.1"),
        (32, "57", 4, "GB 3304"),
        (0, "", 30, "name is empty"),
        (122, "990402198805201230", 36, "province"),
    ],
)
def test_inconsistent_block_is_unreadable_not_a_person(
    offset: int, text: str, width: int, why: str
) -> None:
    block = _patch(hand_built_resident_block(), offset, text, width)
    with pytest.raises(UnreadableCard, match=why) as info:
        parse_text_block(block)
    assert "410402" not in str(info.value) and "张伟" not in str(info.value)


def test_fixing_a_check_digit_does_not_hide_a_wrong_birth_date() -> None:
    # 410402198805211233 is a valid number (right check digit) for another birth date.
    block = _patch(hand_built_resident_block(), 122, "410402198805211233", 36)
    with pytest.raises(UnreadableCard, match="birth date"):
        parse_text_block(block)


def test_unknown_card_type_flag_and_wrong_block_size() -> None:
    with pytest.raises(UnknownCardType):
        parse_text_block(_patch(hand_built_resident_block(), 248, "Z", 2))
    with pytest.raises(UnreadableCard):
        parse_text_block(bytes(255))


def test_tables_cover_the_standards() -> None:
    assert sorted(NATION) == [f"{i:02d}" for i in range(1, 57)] + ["97", "98"]
    assert NATION["01"][0] == "汉" and NATION["56"][0] == "基诺" and NATION["11"][0] == "满"
    assert len({zh for zh, _ in NATION.values()}) == 58
    assert {code: zh for code, (zh, _) in SEX.items()} == {
        "0": "未知", "1": "男", "2": "女", "9": "未说明"
    }  # fmt: skip


def test_repr_masks_id_and_hides_name_and_address() -> None:
    card = load("zhang_wei")
    text = repr(card) + str(card)
    assert "410402198805201238" not in text and "4104**********1238" in text
    assert "张伟" not in text and "中兴路" not in text


def test_json_rejects_unknown_and_missing_fields() -> None:
    data = load("zhang_wei").to_json()
    with pytest.raises(UnreadableCard, match="unknown"):
        CardData.from_json({**data, "favourite_colour": "red"})
    with pytest.raises(UnreadableCard, match="missing"):
        CardData.from_json({k: v for k, v in data.items() if k != "birth"})
    with pytest.raises(UnreadableCard, match="card_type"):
        CardData.from_json({**data, "card_type": "library"})


def test_photo_hook_default_none_then_pluggable() -> None:
    card = parse_text_block(hand_built_resident_block(), b"\x01" * 1024)
    assert decode_photo(card) is None
    try:
        set_photo_decoder(lambda wlt: b"BM" + wlt[:4])
        assert decode_photo(card) == b"BM\x01\x01\x01\x01"

        def broken(wlt: bytes) -> bytes:
            raise RuntimeError("vendor library crashed")

        set_photo_decoder(broken)
        assert decode_photo(card) is None
    finally:
        set_photo_decoder(None)
    assert card_mod._photo_decoder is None
