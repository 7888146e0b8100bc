"""The citizen's routes on the real window (offscreen), touch by touch: from the attract screen
to a printed certificate by category, and by a pinyin search. Prints touches and seconds.

Every touch is a click on the widget a citizen would press; the simulators play the card
(placed 1.5 s after the card screen appears) and the face (a blink), so the seconds are
scripted time plus the machine's.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk.config import Settings
from kiosk.flow import Screen
from kiosk.runtime import Runtime
from kiosk.ui.main_window import MainWindow

SERVICE = "real_estate.registration_info"


class Route:
    def __init__(self, app: QApplication, window: MainWindow, runtime: Runtime) -> None:
        self.app, self.window, self.runtime = app, window, runtime
        self.touches = 0

    def pump(self, until: Callable[[], bool], what: str, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while not until():
            if time.monotonic() > end:
                raise SystemExit(f"bench_routes: no {what} after {timeout:.0f} s")
            self.app.processEvents()
            time.sleep(0.01)

    def on(self, screen: Screen) -> None:
        self.pump(lambda: self.runtime.runner.state.screen is screen
                  and self.window.current_page() is self.window.pages[screen], screen.name)

    def touch(self, widget: Any, pos: Any = None) -> None:
        self.touches += 1
        if pos is None:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        else:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
        self.app.processEvents()

    def touch_service(self, view: Any) -> None:
        model = view.model()
        row = next(r for r in range(model.rowCount()) if model.service_at(r).id == SERVICE)
        index = model.index(row, 0)
        view.scrollTo(index)
        self.touch(view.viewport(), view.visualRect(index).center())

    def print_and_wait(self) -> None:
        self.on(Screen.RESULT)
        self.touch(self.window.findChild(QPushButton, "Print"))
        self.on(Screen.DONE)


def by_category(route: Route) -> None:
    window = route.window
    route.touch(window.pages[Screen.ATTRACT])
    route.on(Screen.HOME)
    route.touch(window.findChild(QPushButton, "Category_real_estate"))
    route.on(Screen.SERVICE_LIST)
    route.touch_service(window.pages[Screen.SERVICE_LIST].list)
    route.print_and_wait()


def by_search(route: Route) -> None:
    window = route.window
    route.touch(window.pages[Screen.ATTRACT])
    route.on(Screen.HOME)
    home = window.pages[Screen.HOME]
    route.touch(home.search)
    for letter in "bdc":  # pinyin initials of 不动产
        route.touch(home.keyboard.key(letter))
    route.pump(lambda: home.results.model().rowCount() > 0, "search results")
    route.touch_service(home.results)
    route.print_and_wait()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when QApplication starts
    app = QApplication.instance() or QApplication([])
    noon = datetime.now().replace(hour=12, minute=0)
    with tempfile.TemporaryDirectory() as data:
        runtime = Runtime.build(Settings(data_dir=Path(data)), simulate=True, place_delay_s=1.5,
                                start_verify_web=False, wall_clock=lambda: noon)
        window = MainWindow(runtime.runner, runtime.catalog, hall_name_zh="大厅",
                            hall_name_en="Hall", hall_phone="12345", terminal_id="BENCH",
                            demo=True, face_frames=lambda: None,
                            device_statuses=runtime.device_statuses)
        window.resize(1920, 1080)
        window.show()
        runtime.start()
        figures = []
        try:
            route = Route(app, window, runtime)
            route.pump(lambda: all(s.ready for s in runtime.device_statuses()), "devices")
            for name, walk in (("by_category", by_category), ("by_search", by_search)):
                route.on(Screen.ATTRACT)
                route.touches = 0
                start = time.perf_counter()
                walk(route)
                figures.append((name, route.touches, time.perf_counter() - start))
                QTest.mouseClick(window.findChild(QPushButton, "DoneFinish"),
                                 Qt.MouseButton.LeftButton)
        finally:
            window.close()
            runtime.stop()
    for name, touches, seconds in figures:
        print(json.dumps({"name": f"route_{name}_touches", "value": touches, "unit": "touches"}))
        print(json.dumps({"name": f"route_{name}_s", "value": round(seconds, 2), "unit": "s"}))


if __name__ == "__main__":
    main()
