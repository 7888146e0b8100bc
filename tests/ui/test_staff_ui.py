"""The attendant panel with kept certificates, calls and a test print; the admin's service
switches behind the admin PIN; Call staff by day and by night."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.flow import Screen
from kiosk.staff_calls import StaffCall
from kiosk.switch_file import SwitchFileBusy


def _panel(kiosk):  # noqa: ANN001, ANN202
    w = kiosk.window
    w.enter_attendant()
    for digit in "246810":
        kiosk.click(kiosk.find(QPushButton, f"Pin_{digit}"))
    kiosk.click(kiosk.find(QPushButton, "PinOk"))
    kiosk.qtbot.waitUntil(lambda: w.current_page() is w.attendant_panel)
    return w.attendant_panel


def test_the_panel_lists_kept_jobs_and_reprints_any_of_them(kiosk, shots_dir):
    kiosk.attendant.calls = [StaffCall(1, datetime(2026, 5, 4, 10, 32), "LY-0001", "error",
                                       "zh")]
    panel = _panel(kiosk)
    kiosk.qtbot.waitUntil(lambda: len(panel.job_buttons) == 2)
    older = kiosk.find(QLabel, "Job_8").text()
    assert "李**" in older and "不动产登记信息查询" in older and "未打出：卡纸" in older
    assert "可能已打出" in kiosk.find(QLabel, "Job_7").text()
    assert "今日办理 12 次" in panel.title.text()
    assert "出错提示" in kiosk.find(QLabel, "StaffCalls").text()
    kiosk.shot(shots_dir, "attendant_jobs_zh")
    kiosk.click(kiosk.find(QPushButton, "JobReprint_8"))  # not the newest one only
    kiosk.qtbot.waitUntil(lambda: kiosk.attendant.reprinted == [8])
    kiosk.qtbot.waitUntil(lambda: "已重新打印" in kiosk.find(QLabel, "ActionResult").text())
    kiosk.click(kiosk.find(QPushButton, "AnswerCalls"))
    kiosk.qtbot.waitUntil(lambda: kiosk.find(QLabel, "StaffCalls").text() == "没有市民呼叫。")
    kiosk.click(kiosk.find(QPushButton, "TestPrint"))
    kiosk.qtbot.waitUntil(lambda: kiosk.find(QLabel, "ActionResult").text() == "测试页已打出。")
    assert kiosk.attendant.test_prints == 1


def test_the_panel_in_english(kiosk, shots_dir):
    kiosk.runner.dispatch(__import__("kiosk.flow", fromlist=["SetLanguage"]).SetLanguage("en"))
    panel = _panel(kiosk)
    kiosk.qtbot.waitUntil(lambda: len(panel.job_buttons) == 2)
    assert "not printed: paper jam" in kiosk.find(QLabel, "Job_8").text()
    kiosk.shot(shots_dir, "attendant_jobs_en")


def test_services_are_switched_behind_the_admin_pin(kiosk, catalog, shots_dir):
    w = kiosk.window
    _panel(kiosk)
    kiosk.click(kiosk.find(QPushButton, "ServicesAdmin"))
    kiosk.qtbot.waitUntil(lambda: w.current_page() is w.pin_pad)
    assert "管理员" in w.pin_pad.title.text()
    for digit in "246810":  # the attendant's PIN is not enough
        kiosk.click(kiosk.find(QPushButton, f"Pin_{digit}"))
    kiosk.click(kiosk.find(QPushButton, "PinOk"))
    kiosk.qtbot.waitUntil(lambda: "密码不正确" in w.pin_pad.message.text())
    for digit in "135790":
        kiosk.click(kiosk.find(QPushButton, f"Pin_{digit}"))
    kiosk.click(kiosk.find(QPushButton, "PinOk"))
    kiosk.qtbot.waitUntil(lambda: w.current_page() is w.admin_page)
    page = w.admin_page
    kiosk.qtbot.waitUntil(lambda: len(page.buttons) == len(catalog.services))
    target = "electricity.balance"
    button = page.buttons[target]
    assert button.text().endswith("已开启")
    kiosk.qtbot.waitUntil(button.isVisible)
    page.scroll.ensureWidgetVisible(button)
    kiosk.click(button)
    kiosk.qtbot.waitUntil(lambda: button.text().endswith("已关闭"))
    assert kiosk.attendant.switched_off == {target}
    kiosk.shot(shots_dir, "admin_services")
    # A data dir the terminal cannot write (full, read-only): words, not "[Errno 28] …".
    kiosk.attendant.switch_error = OSError(28, "No space left on device", "/var/lib/x.tmp")
    kiosk.click(button)
    kiosk.qtbot.waitUntil(lambda: "存储已满" in page.result.text())
    assert "Errno" not in page.result.text() and button.text().endswith("已关闭")
    # A kiosk-admin stopped half-way holds the switch file: the admin learns, nothing waits.
    kiosk.attendant.switch_error = SwitchFileBusy("/var/lib/gov-kiosk/service-switches.toml: "
                                                  "another process has been editing it")
    kiosk.click(button)
    kiosk.qtbot.waitUntil(lambda: "另一个管理程序" in page.result.text())
    kiosk.attendant.switch_error = None
    # The centre's configuration holds it off: the admin is told, not shown "done".
    kiosk.attendant.held_off_by_centre = {target}
    kiosk.click(button)
    kiosk.qtbot.waitUntil(lambda: "中心的统一配置" in page.result.text())
    assert button.text().endswith("已关闭")
    kiosk.shot(shots_dir, "admin_services_held_by_centre")
    kiosk.click(kiosk.find(QPushButton, "AdminBack"))
    kiosk.qtbot.waitUntil(lambda: w.current_page() is w.attendant_panel)


def test_call_staff_by_day_raises_a_call_and_by_night_gives_the_hotline(kiosk):
    w = kiosk.window
    raised: list[str] = []
    w.ctx.call_staff = lambda: raised.append("call") or object()
    assert "已通知工作人员" in w.ctx.ring_staff("zh") and raised == ["call"]
    w.ctx.call_staff = lambda: None  # nobody on duty
    night = w.ctx.ring_staff("zh")
    assert "12345" in night and "已通知" not in night
    assert kiosk.state.screen is Screen.ATTRACT


def test_the_panel_says_a_broken_config_file_was_not_applied(kiosk):
    kiosk.attendant.problem = "kiosk.toml: not valid TOML: Expected ']' (at line 1, column 10)"
    panel = _panel(kiosk)
    kiosk.qtbot.waitUntil(lambda: any("仍按上次有效的设置运行" in label.text()
                                      for label in panel.device_labels))
