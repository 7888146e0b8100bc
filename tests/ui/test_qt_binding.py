"""The Qt binding itself, where a release of it broke the terminal: PySide6 6.12.0 on Python
3.11 dropped a reference to None on every call of a method returning nothing, so a terminal
that updates its screen aborted ("deallocating None") after some thousands of calls."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_calls_that_return_nothing_leave_none_alone(qtbot) -> None:  # noqa: ANN001
    label = QLabel("0")
    qtbot.addWidget(label)
    calls = 5000
    before = sys.getrefcount(None)
    for i in range(calls):
        label.setText(str(i % 10))  # returns nothing
        label.update()
    change = sys.getrefcount(None) - before
    # Other code takes and drops references to None too; a leak is one per call.
    assert abs(change) < calls // 10, f"None's count moved by {change} over {2 * calls} calls"
