"""Chinese input on the on-screen keyboard (pinyin with candidates), its space and hide keys,
and fields that say what they expect."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from ui_harness import PERSON

from kiosk import flow
from kiosk.flow import Screen
from kiosk.ui import forms
from kiosk.ui.pinyin_input import (
    EXACT,
    FOUND_KEPT,
    PARTIAL,
    Composer,
    Entry,
    PinyinTable,
    common_table,
    match_quality,
    parse_table,
)
from services_catalog.model import InputField


def test_letters_match_whole_syllables_initials_and_a_mix():
    syllables = ("she", "bao")
    assert match_quality("shebao", syllables) == EXACT
    assert match_quality("sb", syllables) == PARTIAL
    assert match_quality("sheb", syllables) == PARTIAL
    assert match_quality("shebaox", syllables) is None
    assert match_quality("hb", syllables) is None
    assert match_quality("", syllables) is None
    # a phrase is also found by its first syllables
    assert match_quality("bdc", ("bu", "dong", "chan", "deng", "ji"), by_start=True) == 2
    assert match_quality("bdc", ("bu", "dong", "chan", "deng", "ji")) is None


def test_candidates_rank_exact_words_first_and_keep_unused_letters():
    table = parse_table("社\tshe\t500\n设\tshe\t900\n保\tbao\t400\n社保\tshe bao\t50\n"
                        "设备\tshe bei\t800\n")
    composer = Composer(table)
    for letter in "shebao":
        composer.type(letter)
    found = composer.candidates()
    assert found[0].hanzi == "社保" and found[0].consumed == 6
    assert (found[1].hanzi, found[1].consumed) == ("设备", 4)  # then the longest part typed
    assert [c.hanzi for c in found[2:4]] == ["设", "社"]  # then the first syllable, by use
    assert composer.choose(found[2]) == "设" and composer.letters == "bao"
    assert composer.candidates()[0].hanzi == "保"


def test_the_terminal_phrases_come_before_common_words():
    table = PinyinTable()
    table.add(Entry("部队", (("bu", "dui"),), 5000))
    table.add_phrases(["不动产", "不动产登记信息查询"])
    found = [c.hanzi for c in table.candidates("bdc")]
    assert found[:2] == ["不动产", "不动产登记信息查询"]


def test_typed_prefixes_are_kept_only_a_few_and_forgotten_on_request():
    table = common_table()
    table.forget_typed()
    for first in "abcdefghjklmnopqrstwxyz":
        for second in "aeiou":
            table.candidates(first + second)
    assert 0 < table.prefixes_kept <= FOUND_KEPT
    table.forget_typed()
    assert table.prefixes_kept == 0
    assert [c.hanzi for c in table.candidates("zhang")][:1]  # still answers


def test_the_shipped_table_has_common_characters_and_words():
    table = common_table()
    assert len(table.entries) > 10_000
    assert table.candidates("zhongguo")[0].hanzi == "中国"
    assert "豫" in [c.hanzi for c in table.candidates("yu", limit=60)]
    assert table.candidates("wo")[0].hanzi == "我"


def test_field_hints_say_what_and_how_long():
    account = InputField(key="a", label_zh="用电户号", label_en="Account", kind="digits",
                         pattern=r"\d{10}")
    assert forms.field_hint(account, "zh") == "10 位数字"
    assert forms.field_hint(account, "en", "1234") == "10 digits; 4 typed"
    case = InputField(key="c", label_zh="受理编号", label_en="Case", kind="digits",
                      pattern=r"\d{12,16}")
    assert forms.field_hint(case, "en") == "12 to 16 digits"
    assert forms.field_hint(InputField(key="i", label_zh="证件", label_en="ID",
                                       kind="id_number"), "zh").startswith("18 位")
    cert = InputField(key="n", label_zh="证号", label_en="No.", example="豫(2019)1号")
    assert forms.field_hint(cert, "zh") == "例如：豫(2019)1号"
    assert forms.field_hint(InputField(key="x", label_zh="x", label_en="x"), "zh") == ""


def test_a_certificate_number_is_typed_in_pinyin_with_digits_and_brackets(kiosk, catalog):
    w = kiosk.window
    service = catalog.get("real_estate.certificate_verify")
    kiosk.runner.dispatch(flow.Touch())
    kiosk.runner.dispatch(flow.ChooseService(service))
    kiosk.wait_screen(Screen.INPUTS)
    page = w.pages[Screen.INPUTS]
    keyboard = page.keyboard
    field = page.findChild(QLineEdit, "Field_cert_no")
    hint = page.findChild(QLabel, "Hint_cert_no")
    assert keyboard.isVisible() and keyboard.mode == "letters" and keyboard.pinyin
    assert hint.isVisible() and hint.text().startswith("例如：豫(2019)")
    for letter in "yu":
        kiosk.click(keyboard.key(letter))
    bar = keyboard.candidates
    for _ in range(20):  # page on to it, as a citizen would
        if "豫" in bar.shown_texts():
            break
        kiosk.click(keyboard.findChild(QPushButton, "CandidatesMore"))
    kiosk.click(keyboard.findChild(QPushButton, f"Candidate_{bar.shown_texts().index('豫')}"))
    for key in "(2019)":
        kiosk.click(keyboard.key(key))
    for letter in "pingdingshan":
        kiosk.click(keyboard.key(letter))
    kiosk.click(keyboard.special("space"))  # the first candidate, 平 or a word with it
    assert field.text().startswith("豫(2019)平")
    kiosk.click(keyboard.special("hide"))
    assert not keyboard.isVisible()
    kiosk.qtbot.mouseClick(field, _left())
    assert keyboard.isVisible()


def test_a_digits_field_shows_its_length_as_it_fills(kiosk, catalog):
    w = kiosk.window
    kiosk.runner.dispatch(flow.Touch())
    kiosk.runner.dispatch(flow.ChooseService(catalog.get("electricity.payment_records")))
    kiosk.wait_screen(Screen.INPUTS)
    page = w.pages[Screen.INPUTS]
    hint = page.findChild(QLabel, "Hint_account_no")
    assert hint.text() == "10 位数字"
    assert page.keyboard.mode == "digits" and not page.keyboard.candidates.isVisible()
    for digit in "4110":
        kiosk.click(page.keyboard.key(digit))
    assert hint.text() == "10 位数字，已输入 4 位"
    for digit in "2033445566":
        kiosk.click(page.keyboard.key(digit))
    assert page.findChild(QLineEdit, "Field_account_no").text() == "4110203344"  # 10 at most
    kiosk.runner.dispatch(flow.SetLanguage("en"))
    kiosk.qtbot.waitUntil(lambda: page.findChild(QLabel, "Hint_account_no") is not None
                          and page.findChild(QLabel, "Hint_account_no").text().startswith(
                              "10 digits"))
    assert kiosk.state.person == PERSON


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_english_search_types_letters_and_pinyin_can_be_turned_on(kiosk):
    w = kiosk.window
    kiosk.runner.dispatch(flow.Touch())
    kiosk.wait_screen(Screen.HOME)
    home = w.pages[Screen.HOME]
    assert home.keyboard.pinyin
    kiosk.runner.dispatch(flow.SetLanguage("en"))
    kiosk.qtbot.waitUntil(lambda: not home.keyboard.pinyin)
    kiosk.qtbot.mouseClick(home.search, _left())
    for letter in "pension":
        kiosk.click(home.keyboard.key(letter))
    assert home.search.text() == "pension" and home.keyboard.composing() == ""
    assert not home.keyboard.candidates.isVisible()
    kiosk.click(home.keyboard.special("pinyin"))
    assert home.keyboard.pinyin and home.keyboard.candidates.isVisible()
