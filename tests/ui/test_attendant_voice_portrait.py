"""Attendant mode, voice prompts, and a session on a portrait panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from ui_harness import choose_service

from devices.status import DeviceClass, DeviceState, DeviceStatus, Paper, PrinterBlock
from kiosk.flow import Finish, Screen
from kiosk.ui.voice import VoicePrompts, choose_engine


def test_attendant_unlocks_with_pin_sees_devices_and_reprints(kiosk, shots_dir):
    w = kiosk.window
    statuses = [
        DeviceStatus(DeviceClass.IDCARD_READER, DeviceState.ONLINE),
        DeviceStatus(DeviceClass.PRINTER, DeviceState.USER_ERROR, "纸张卡住",
                     printer=PrinterBlock(paper=Paper.JAMMED)),
    ]
    w.attendant_panel.device_statuses = lambda: statuses
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(w.bar.help_button)
    assert w.help.findChild(QPushButton, "HelpStaffLogin") is None  # not among citizen help
    kiosk.click(kiosk.find(QPushButton, "HelpClose"))
    long_press_staff_corner(kiosk)
    # A citizen is being served: asked first, and "keep" keeps the session.
    kiosk.qtbot.waitUntil(w.staff_confirm.isVisible)
    assert kiosk.state.screen is Screen.HOME and kiosk.state.token
    kiosk.shot(shots_dir, "17_staff_confirm")
    kiosk.click(kiosk.find(QPushButton, "StaffConfirmNo"))
    assert kiosk.state.screen is Screen.HOME and not w.attendant_mode
    long_press_staff_corner(kiosk)
    kiosk.qtbot.waitUntil(w.staff_confirm.isVisible)
    kiosk.click(kiosk.find(QPushButton, "StaffConfirmYes"))
    # Entering attendant mode ends the citizen's session.
    kiosk.qtbot.waitUntil(lambda: kiosk.state.screen is Screen.ATTRACT and not kiosk.state.token)
    assert w.current_page() is w.pin_pad and not w.bar.isVisible()

    for digit in "1111":
        kiosk.click(kiosk.find(QPushButton, f"Pin_{digit}"))
    assert kiosk.find(QLabel, "PinDots").text() == "●●●●"
    kiosk.click(kiosk.find(QPushButton, "PinOk"))
    kiosk.qtbot.waitUntil(lambda: "密码不正确" in w.pin_pad.message.text())
    assert w.current_page() is w.pin_pad
    assert w.pin_pad.pin == ""  # a refused PIN is not kept
    kiosk.shot(shots_dir, "18_pin_pad")

    for digit in "246810":
        kiosk.click(kiosk.find(QPushButton, f"Pin_{digit}"))
    kiosk.click(kiosk.find(QPushButton, "PinOk"))
    kiosk.qtbot.waitUntil(lambda: w.current_page() is w.attendant_panel)
    kiosk.qtbot.waitUntil(lambda: len(w.attendant_panel.device_labels) == 2)
    lines = [label.text() for label in w.attendant_panel.device_labels]
    assert lines[0] == "身份证阅读器：正常"
    # Words, never codes: no "user_error", no "paper=jammed".
    assert lines[1] == "证明打印机：需要人工处理（如卡纸、缺纸、盖板未关），卡纸，请打开盖板取出"
    assert "卡纸" in kiosk.find(QLabel, "PaperStatus").text()
    # the jammed printer stands out; the healthy reader does not
    roles = [label.property("role") for label in w.attendant_panel.device_labels]
    assert roles == ["body", "error"]

    # A touch in attendant mode does not start a citizen session.
    assert kiosk.state.screen is Screen.ATTRACT
    # A reprint whose first copy may be in the tray is held until the attendant confirms.
    kiosk.attendant.in_doubt_first = True
    confirm = kiosk.find(QPushButton, "ConfirmReprint")
    assert not confirm.isVisible()
    # A row added to a shown panel appears when the event loop comes round (a queued show).
    kiosk.qtbot.waitUntil(lambda: 7 in w.attendant_panel.job_buttons
                          and w.attendant_panel.job_buttons[7].isVisible())
    kiosk.click(w.attendant_panel.job_buttons[7])
    kiosk.qtbot.waitUntil(lambda: kiosk.attendant.reprints == 1)
    kiosk.qtbot.waitUntil(lambda: "出纸口" in kiosk.find(QLabel, "ActionResult").text())
    kiosk.qtbot.waitUntil(confirm.isVisible)
    kiosk.click(confirm)
    kiosk.qtbot.waitUntil(lambda: kiosk.attendant.confirmed == 1)
    done = "已重新打印，验证码 ABCD-EFGH-JKLM-NPQR。"
    kiosk.qtbot.waitUntil(lambda: kiosk.find(QLabel, "ActionResult").text() == done)
    assert not confirm.isVisible()
    kiosk.click(kiosk.find(QPushButton, "ClearJam"))
    kiosk.qtbot.waitUntil(lambda: kiosk.attendant.jams_cleared == 1)
    kiosk.shot(shots_dir, "19_attendant_panel")

    kiosk.click(kiosk.find(QPushButton, "ExitAttendant"))
    kiosk.wait_screen(Screen.ATTRACT)
    assert not w.attendant_mode


def long_press_staff_corner(kiosk, hold: bool = True):
    """Press the bottom-left corner of the window (off any button) and hold it."""
    from PySide6.QtCore import QPoint

    w = kiosk.window
    w._corner_timer.setInterval(50)  # the real hold is 3 s
    page = w.current_page()
    spot = page.mapFrom(w, QPoint(10, w.height() - 10))
    kiosk.qtbot.mousePress(page, Qt.MouseButton.LeftButton, pos=spot)
    if hold:
        kiosk.qtbot.wait(150)
    kiosk.qtbot.mouseRelease(page, Qt.MouseButton.LeftButton, pos=spot)


def test_staff_corner_on_the_attract_screen_goes_straight_to_the_pin(kiosk):
    w = kiosk.window
    long_press_staff_corner(kiosk, hold=False)  # a tap there is a citizen's touch
    kiosk.wait_screen(Screen.HOME)
    kiosk.runner.dispatch(Finish())
    kiosk.wait_screen(Screen.ATTRACT)
    long_press_staff_corner(kiosk)
    kiosk.qtbot.waitUntil(lambda: w.current_page() is w.pin_pad)
    assert not w.staff_confirm.isVisible() and not kiosk.state.token


def test_attendant_mode_times_out_to_attract(kiosk):
    w = kiosk.window
    w.enter_attendant()
    assert w.current_page() is w.pin_pad
    kiosk.click(kiosk.find(QPushButton, "Pin_1"))
    w._attendant_touched -= 10_000  # long ago
    w._tick()
    kiosk.wait_screen(Screen.ATTRACT)
    assert w.pin_pad.pin == ""


def test_out_of_service_screen_lets_staff_in(kiosk):
    from kiosk.flow import DevicesChanged

    kiosk.runner.dispatch(DevicesChanged(required_ok=False))
    kiosk.wait_screen(Screen.OUT_OF_SERVICE)
    kiosk.click(kiosk.find(QPushButton, "StaffLogin"))
    assert kiosk.window.current_page() is kiosk.window.pin_pad


def test_voice_speaks_prompts_only_when_wanted(qtbot):
    elderly = [False]
    voice = VoicePrompts(engine="mock", wanted=lambda: elderly[0])
    assert voice.available  # Qt's mock engine stands in for a real one here
    voice.speak("place_card", "zh")
    qtbot.wait(20)
    assert list(voice.spoken) == []
    elderly[0] = True
    voice.speak("place_card", "zh")
    voice.speak("result", "en")
    voice.speak("no_such_prompt", "zh")
    qtbot.waitUntil(lambda: len(voice.spoken) == 2)
    assert list(voice.spoken) == [("place_card", "zh"), ("result", "en")]
    assert voice.text_for("place_card", "zh") == "请将身份证放在读卡区。"


def test_engine_choice_never_picks_the_mock_engine():
    assert choose_engine(["mock"]) is None
    assert choose_engine(["mock", "speechd"]) == "speechd"
    assert choose_engine(["speechd"], wanted="flite") is None


def test_portrait_session(portrait_kiosk, shots_dir):
    kiosk = portrait_kiosk
    w = kiosk.window
    assert w.bar.two_rows
    kiosk.shot(shots_dir, "20_portrait_attract")
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    home = w.pages[Screen.HOME]
    assert home.grid.columnCount() == 2 or home._columns == 2
    kiosk.shot(shots_dir, "21_portrait_home")
    kiosk.qtbot.mouseClick(home.search, Qt.MouseButton.LeftButton)
    for letter in "sb":
        kiosk.click(home.keyboard.key(letter))
    kiosk.shot(shots_dir, "22_portrait_search")
    kiosk.click(kiosk.find(QPushButton, "CloseSearch"))
    kiosk.click(kiosk.find(QPushButton, "Category_social_insurance"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    choose_service(kiosk, w.pages[Screen.SERVICE_LIST].list, "social_insurance.contribution_detail")
    kiosk.wait_screen(Screen.INPUTS)
    kiosk.shot(shots_dir, "23_portrait_inputs")
    kiosk.click(kiosk.find(QPushButton, "Submit"))
    kiosk.wait_screen(Screen.RESULT)
    kiosk.shot(shots_dir, "24_portrait_result")
    assert w.size().toTuple() == (1080, 1920)


def test_face_preview_from_a_qt_signal(qtbot):
    import numpy as np
    from PySide6.QtCore import QObject, Signal

    from kiosk.ui.screens.auth import FacePage
    from kiosk.ui.screens.base import UiContext

    class Camera(QObject):
        frame = Signal(object)

    camera = Camera()
    ctx = UiContext(runner=None, catalog=None, hall_name_zh="", hall_name_en="",  # type: ignore[arg-type]
                    hall_phone="", terminal_id="", demo=False, face_frames=camera.frame)
    page = FacePage(ctx)
    qtbot.addWidget(page)
    camera.frame.emit(np.zeros((48, 64, 3), np.uint8))
    page.poll()
    assert page.preview.image is not None and page.preview.image.width() == 64
    page.clear()
    assert page.preview.image is None


def test_window_turns_voice_on_with_elderly_mode(qtbot, catalog):
    from ui_harness import FakeAudit, FakeCard, FakeCertificates, FakeFace, FakeQuery

    from kiosk.flow import ToggleElderly, Touch
    from kiosk.session import SessionRunner
    from kiosk.ui.main_window import MainWindow

    voice = VoicePrompts(engine="mock")
    runner = SessionRunner(card=FakeCard(), face=FakeFace(), query=FakeQuery(),
                           certificates=FakeCertificates(), audit=FakeAudit(), voice=voice)
    window = MainWindow(runner, catalog, hall_name_zh="厅", hall_name_en="Hall", hall_phone="1",
                        terminal_id="T", demo=True, voice=voice, tick_ms=3_600_000)
    qtbot.addWidget(window)
    runner.dispatch(Touch())
    qtbot.wait(20)
    assert ("welcome", "zh") not in voice.spoken  # voice is off in normal mode
    runner.dispatch(ToggleElderly())
    qtbot.waitUntil(lambda: ("elderly_on", "zh") in voice.spoken)
    window.close()


def test_out_of_service_reasons_are_words_in_both_languages(kiosk):
    from kiosk.flow import DevicesChanged

    kiosk.runner.dispatch(DevicesChanged(required_ok=False))
    kiosk.wait_screen(Screen.OUT_OF_SERVICE)
    page = kiosk.window.pages[Screen.OUT_OF_SERVICE]
    page.show_reasons(["idcard_reader: the reader is not connected", "outside opening hours"])
    text = page.reasons.text()
    assert "idcard_reader" not in text
    assert "身份证阅读器不能使用" in text and "ID-card reader cannot be used" in text
