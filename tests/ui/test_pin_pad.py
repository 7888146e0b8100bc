"""The staff PIN pad: a check that answers after the pad was left unlocks nothing."""

from __future__ import annotations

from typing import Any

from kiosk.ui.attendant import PinPadPage


class HeldBackground:
    """Runs nothing by itself: the test decides when the PIN check answers."""

    def __init__(self) -> None:
        self.pending: list[Any] = []

    def run(self, fn: Any, on_done: Any) -> None:
        self.pending.append((fn, on_done))

    def answer(self) -> None:
        fn, on_done = self.pending.pop(0)
        on_done(True, fn())


class Desk:
    starting = False

    def verify_pin(self, pin: str, role: str = "attendant") -> bool | None:
        return None if self.starting else pin == "246810"


def _typed(qtbot: Any, desk: Desk | None = None) -> tuple[PinPadPage, HeldBackground,
                                                          list[str]]:
    background = HeldBackground()
    pad = PinPadPage(desk or Desk(), background)  # type: ignore[arg-type]
    qtbot.addWidget(pad)
    heard: list[str] = []
    pad.unlocked.connect(lambda: heard.append("unlocked"))
    pad.cancelled.connect(lambda: heard.append("cancelled"))
    pad.start("zh")
    for digit in "246810":
        pad.press(digit)
    pad.submit()
    return pad, background, heard


def test_a_right_pin_unlocks(qtbot: Any) -> None:
    pad, background, heard = _typed(qtbot)
    background.answer()
    assert heard == ["unlocked"]


def test_a_check_answering_after_cancel_unlocks_nothing(qtbot: Any) -> None:
    pad, background, heard = _typed(qtbot)
    pad.cancel.click()  # the attendant gave up while argon2 was still working
    background.answer()
    assert heard == ["cancelled"]


def test_a_check_answering_after_the_staff_timeout_unlocks_nothing(qtbot: Any) -> None:
    pad, background, heard = _typed(qtbot)
    pad.reset()  # what leaving attendant mode (the idle timeout) does
    background.answer()
    assert heard == []
    assert not pad.checking


def test_a_pin_typed_while_the_terminal_starts_is_not_called_wrong(qtbot: Any) -> None:
    desk = Desk()
    desk.starting = True
    pad, background, heard = _typed(qtbot, desk)
    background.answer()
    assert heard == [] and "启动" in pad.message.text() and "不正确" not in pad.message.text()
