"""A whole citizen session driven through the real window by clicking real buttons."""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableView
from ui_harness import choose_service

from kiosk.flow import Screen
from kiosk.ui.screens.result import ResultPage
from services_catalog.model import Category


def face_frame() -> np.ndarray:
    """A plain synthetic camera frame: a light background with a face-coloured ellipse."""
    frame = np.full((480, 640, 3), (200, 205, 210), np.uint8)
    cv2.ellipse(frame, (320, 230), (110, 145), 0, 0, 360, (150, 180, 225), -1)
    return frame


def test_a_citizen_gets_a_printed_certificate_by_touch(kiosk, shots_dir):
    w = kiosk.window
    kiosk.shot(shots_dir, "01_attract")
    assert not w.bar.isVisible()

    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    assert w.bar.isVisible()
    kiosk.shot(shots_dir, "02_home")

    kiosk.click(kiosk.find(QPushButton, "Category_real_estate"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    assert kiosk.state.category is Category.REAL_ESTATE
    listed = w.pages[Screen.SERVICE_LIST].list
    assert listed.model().rowCount() >= 5
    assert "不动产登记信息查询" in listed.model().index(0, 0).data()
    kiosk.shot(shots_dir, "03_service_list")

    kiosk.card.hold = True
    kiosk.face.hold = True
    choose_service(kiosk, listed, "real_estate.registration_info")
    kiosk.wait_screen(Screen.PLACE_CARD)
    assert kiosk.card.armed
    kiosk.shot(shots_dir, "04_place_card")

    kiosk.frames.append(SimpleNamespace(frame=face_frame(), seconds_left=7.2,
                                        instruction=("请靠近一点", "Please come closer")))
    kiosk.card.present()
    kiosk.wait_screen(Screen.FACE)
    face_page = w.pages[Screen.FACE]
    face_page.poll()
    assert face_page.preview.image is not None
    assert face_page.instruction.text() == "请靠近一点"
    assert face_page.countdown.text() == "还剩 8 秒"
    kiosk.shot(shots_dir, "05_face")

    kiosk.query.gate.clear()  # hold the back-end so the spinner can be seen
    kiosk.face.accept()
    kiosk.wait_screen(Screen.QUERYING)
    kiosk.shot(shots_dir, "06_querying")
    kiosk.query.gate.set()

    kiosk.wait_screen(Screen.RESULT)
    result_page = w.pages[Screen.RESULT]
    assert isinstance(result_page, ResultPage)
    assert result_page.values["property_count"] == "3"
    table = kiosk.find(QTableView, "Table_properties")
    assert table.model().rowCount() == 14
    area_col = [c.format for c in table.model().columns].index("area")
    assert table.model().index(0, area_col).data() == "89.50 平方米"
    assert "2024年6月30日" in result_page.as_of.text()
    kiosk.shot(shots_dir, "07_result")

    kiosk.certificates.gate.clear()
    kiosk.click(kiosk.find(QPushButton, "Print"))
    kiosk.wait_screen(Screen.PRINTING)
    kiosk.shot(shots_dir, "08_printing")
    kiosk.certificates.gate.set()

    kiosk.wait_screen(Screen.DONE)
    assert kiosk.certificates.issued == ["real_estate.registration_info"]
    assert "K7Q2-9XHD" in kiosk.find(QLabel, "VerificationCode").text()
    kiosk.shot(shots_dir, "09_done")

    # The done screen goes back to attract by itself, and nothing of the citizen remains.
    kiosk.tick(16)
    kiosk.wait_screen(Screen.ATTRACT)
    assert result_page.values == {} and result_page.tables == {}
    assert w.findChild(QTableView, "Table_properties") is None or \
        not w.findChild(QTableView, "Table_properties").isVisible()
    assert kiosk.find(QLabel, "VerificationCode").text() == ""
    assert face_page.preview.image is None


def test_inputs_are_generated_and_checked_in_plain_words(kiosk, shots_dir):
    w = kiosk.window
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(kiosk.find(QPushButton, "Category_electricity"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    choose_service(kiosk, w.pages[Screen.SERVICE_LIST].list, "electricity.payment_records")
    kiosk.wait_screen(Screen.INPUTS)
    page = w.pages[Screen.INPUTS]
    year = page.editor("year")
    start = int(year.value)
    kiosk.click(kiosk.find(QPushButton, "Minus_year"))
    assert year.value == str(start - 1)
    assert year.value_label.text() == f"{start - 1}年"
    kiosk.click(kiosk.find(QPushButton, "Plus_year"))
    kiosk.click(kiosk.find(QPushButton, "Plus_year"))  # cannot go past the current year
    assert int(year.value) == start

    # Type a too-short account number on the on-screen keyboard, then fix it.
    account = page.editor("account_no")
    assert page.keyboard.isVisible()
    for digit in "12":
        kiosk.click(page.keyboard.key(digit))
    assert account.line.text() == "12"
    kiosk.click(kiosk.find(QPushButton, "Submit"))
    assert kiosk.state.screen is Screen.INPUTS
    assert account.error.isVisible() and "户号" in account.error.text()
    kiosk.shot(shots_dir, "10_inputs_error")
    kiosk.click(page.keyboard._clear)
    for digit in "1234567890":
        kiosk.click(page.keyboard.key(digit))
    kiosk.click(kiosk.find(QPushButton, "Submit"))
    kiosk.wait_screen(Screen.RESULT)
    assert kiosk.query.calls[-1] == ("electricity.payment_records",
                                     {"year": str(start), "account_no": "1234567890"})

    # Finish wipes: the typed account number is gone from every widget.
    kiosk.click(kiosk.find(QPushButton, "Finish"))
    kiosk.wait_screen(Screen.ATTRACT)
    assert page.editors == []
    kiosk.qtbot.waitUntil(lambda: w.findChild(QLineEdit, "Field_account_no") is None)


def test_search_finds_services_by_pinyin_initials(kiosk, shots_dir):
    w = kiosk.window
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    home = w.pages[Screen.HOME]
    kiosk.qtbot.mouseClick(home.search, Qt.MouseButton.LeftButton)
    assert home.keyboard.isVisible()
    for letter in "bdc":
        kiosk.click(home.keyboard.key(letter))
    # Pinyin: the letters are being composed, and already search by initials.
    assert home.keyboard.composing() == "bdc" and home.search.text() == ""
    found = home.results.model()
    assert found.rowCount() > 0
    assert found.service_at(0).id == "real_estate.registration_info"
    assert home.keyboard.candidates.texts()[0] == "不动产"
    kiosk.shot(shots_dir, "11_search")
    kiosk.click(home.keyboard.findChild(QPushButton, "Candidate_0"))
    assert home.search.text() == "不动产" and home.keyboard.composing() == ""
    assert found.service_at(0).category.value == "real_estate"
    kiosk.click(home.keyboard.special("pinyin"))  # off: letters go straight in
    kiosk.click(home.keyboard.special("space"))
    kiosk.click(home.keyboard.key("x"))
    assert home.search.text() == "不动产 x"
    kiosk.click(home.keyboard.special("delete"))
    kiosk.click(home.keyboard.special("delete"))
    kiosk.click(home.keyboard.special("hide"))
    assert not home.keyboard.isVisible()
    kiosk.qtbot.mouseClick(home.search, Qt.MouseButton.LeftButton)
    assert home.keyboard.isVisible()
    choose_service(kiosk, home.results, "real_estate.registration_info")
    kiosk.wait_screen(Screen.PLACE_CARD)


def test_bar_back_home_language_and_elderly(kiosk, shots_dir):
    w = kiosk.window
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    assert not w.bar.back_button.isEnabled()  # nowhere to go back to from home
    kiosk.click(kiosk.find(QPushButton, "Category_pension"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    kiosk.click(w.bar.back_button)
    kiosk.wait_screen(Screen.HOME)

    kiosk.click(w.bar.language_button)
    kiosk.qtbot.waitUntil(lambda: w.bar.home_button.text() == "Home")
    assert kiosk.find(QPushButton, "Category_pension").text() == "Pension"
    assert w.pages[Screen.HOME].title.text() == "Choose a category"

    font_before = kiosk.find(QPushButton, "Category_pension").font().pixelSize()
    kiosk.click(w.bar.elderly_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.state.elderly)
    kiosk.qtbot.waitUntil(
        lambda: kiosk.find(QPushButton, "Category_pension").font().pixelSize() > font_before)
    assert w.bar.elderly_button.property("active") is True
    assert kiosk.state.seconds_left(kiosk.clock(), kiosk.runner.timeouts) == 120
    kiosk.shot(shots_dir, "12_home_elderly_en")

    kiosk.click(kiosk.find(QPushButton, "Category_pension"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    kiosk.click(w.bar.home_button)  # Home keeps the session, its language and its text size
    kiosk.wait_screen(Screen.HOME)
    assert kiosk.state.token and kiosk.state.language == "en" and kiosk.state.elderly
    assert kiosk.find(QPushButton, "Category_pension").font().pixelSize() > font_before

    kiosk.tick(kiosk.runner.timeouts.elderly_idle_s + 1)  # only Finish or idleness wipes
    kiosk.wait_screen(Screen.ATTRACT)
    assert kiosk.state.language == "zh" and not kiosk.state.elderly
    kiosk.qtbot.waitUntil(
        lambda: kiosk.find(QPushButton, "Category_pension").font().pixelSize() == font_before)


def test_idle_prompt_then_wipe_clears_everything(kiosk, shots_dir):
    w = kiosk.window
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    home = w.pages[Screen.HOME]
    kiosk.qtbot.mouseClick(home.search, Qt.MouseButton.LeftButton)
    kiosk.click(home.keyboard.key("s"))
    kiosk.click(w.bar.help_button)
    assert w.help.isVisible()
    kiosk.click(kiosk.find(QPushButton, "HelpClose"))

    kiosk.tick(29)
    assert not w.more_time.isVisible()
    kiosk.tick(2)  # 29 s left: the warning is up, at least 20 s before the wipe
    assert w.more_time.isVisible()
    assert "还需要更多时间吗" in w.more_time.title.text()
    assert w.bar.countdown.text() == "剩余 29 秒"
    assert w.more_time.keep.text() == "需要更多时间"
    kiosk.shot(shots_dir, "13_more_time")
    kiosk.click(kiosk.find(QPushButton, "MoreTime"))  # the touch keeps the session
    kiosk.qtbot.waitUntil(lambda: w.bar.countdown.text() == "剩余 60 秒")
    assert not w.more_time.isVisible()
    assert kiosk.state.screen is Screen.HOME

    kiosk.click(w.bar.help_button)  # Help has a longer limit (2 x 60 s), not none
    assert w.help.isVisible()
    kiosk.tick(80)
    kiosk.qtbot.wait(20)
    assert kiosk.state.screen is Screen.HOME and w.help.isVisible()
    assert not w.more_time.isVisible()
    kiosk.click(kiosk.find(QPushButton, "HelpClose"))
    kiosk.qtbot.waitUntil(lambda: w.bar.countdown.text() == "剩余 60 秒")
    kiosk.click(w.bar.help_button)  # opened, then the citizen walks away
    kiosk.tick(95)
    kiosk.qtbot.waitUntil(w.more_time.isVisible)  # the prompt comes over Help
    assert w.help.isVisible()
    kiosk.tick(26)
    kiosk.wait_screen(Screen.ATTRACT)
    assert not w.help.isVisible() and not w.more_time.isVisible()
    assert home.search.text() == "" and home.keyboard.composing() == ""
    assert home.results.model().rowCount() == 0
    assert home.keyboard.composer.table.prefixes_kept == 0  # what was typed, forgotten


def test_error_screen_says_what_happened_and_retry_works(kiosk, shots_dir):
    from services_catalog.errors import BackendUnavailable

    w = kiosk.window
    kiosk.query.error = BackendUnavailable("down")
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(kiosk.find(QPushButton, "Category_housing_fund"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    choose_service(kiosk, w.pages[Screen.SERVICE_LIST].list, "housing_fund.account_info")
    kiosk.wait_screen(Screen.ERROR)
    message = kiosk.find(QLabel, "ErrorMessage").text()
    assert message == BackendUnavailable.message_zh
    assert kiosk.find(QPushButton, "Retry").isVisible()
    assert "再试一次" in w.pages[Screen.ERROR].next_step.text()
    kiosk.shot(shots_dir, "14_error")

    kiosk.click(kiosk.find(QPushButton, "Retry"))
    kiosk.wait_screen(Screen.RESULT)
    assert len(kiosk.query.calls) == 2


def test_print_failure_offers_staff_and_reprint_retry(kiosk, shots_dir):
    w = kiosk.window
    kiosk.certificates.fail = True
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(kiosk.find(QPushButton, "Category_real_estate"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    choose_service(kiosk, w.pages[Screen.SERVICE_LIST].list, "real_estate.registration_info")
    kiosk.wait_screen(Screen.RESULT)
    kiosk.click(kiosk.find(QPushButton, "Print"))
    kiosk.wait_screen(Screen.ERROR)
    assert "缺纸" in kiosk.find(QLabel, "ErrorMessage").text()
    kiosk.click(kiosk.find(QPushButton, "CallStaff"))
    assert "0379-12345" in w.pages[Screen.ERROR].staff_note.text()
    kiosk.shot(shots_dir, "15_print_error")
    kiosk.click(kiosk.find(QPushButton, "Retry"))
    kiosk.wait_screen(Screen.DONE)
    assert kiosk.certificates.issued == ["real_estate.registration_info"]


def test_out_of_service_comes_back_by_itself(kiosk, shots_dir):
    from kiosk.flow import DevicesChanged

    kiosk.runner.dispatch(DevicesChanged(required_ok=False))
    kiosk.wait_screen(Screen.OUT_OF_SERVICE)
    page = kiosk.window.pages[Screen.OUT_OF_SERVICE]
    assert "0379-12345" in page.detail.text()
    kiosk.click(page.title)  # a touch does not start a session on a broken terminal
    assert kiosk.state.screen is Screen.OUT_OF_SERVICE
    kiosk.shot(shots_dir, "16_out_of_service")
    kiosk.runner.dispatch(DevicesChanged(required_ok=True))
    kiosk.wait_screen(Screen.ATTRACT)


def test_no_record_is_an_ordinary_answer(kiosk, shots_dir):
    from services_catalog.model import QueryResult

    w = kiosk.window
    kiosk.query.answer = QueryResult("property.no_property_proof", record_found=False)
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(kiosk.find(QPushButton, "Category_real_estate"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    choose_service(kiosk, w.pages[Screen.SERVICE_LIST].list, "real_estate.mortgage_info")
    kiosk.wait_screen(Screen.RESULT)
    page = w.pages[Screen.RESULT]
    assert page.status.text() == "未查询到相关记录。"
    assert page.status.isVisible()
    assert kiosk.find(QPushButton, "Finish").isVisible()
    kiosk.shot(shots_dir, "17_no_record")
    kiosk.click(kiosk.find(QPushButton, "Another"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    assert kiosk.state.person is not None  # another service needs no second card read


def test_window_fills_the_screen_given(kiosk):
    from PySide6.QtCore import QRect

    kiosk.window.show_kiosk(QRect(0, 0, 1920, 1080))
    kiosk.qtbot.waitUntil(lambda: kiosk.window.isFullScreen())
    assert kiosk.window.geometry().size().toTuple() == (1920, 1080)
    assert kiosk.window.grab().size().toTuple() == (1920, 1080)


def test_a_service_closed_at_night_is_marked_in_its_row() -> None:
    from datetime import datetime

    from kiosk.ui.screens.home import service_summary
    from services_catalog.catalog import load_catalog

    service = load_catalog().get("real_estate.registration_info")
    assert service is not None
    night = datetime.now().replace(hour=23, minute=30)
    noon = night.replace(hour=12)
    assert "06:00" in service_summary(service, "zh", night)
    assert "available from 06:00" in service_summary(service, "en", night)
    assert "06:00" not in service_summary(service, "zh", noon)
