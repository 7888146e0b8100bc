"""The tour's night part: what a citizen alone meets when printing fails, and what staff see
the next morning. Screens: the list of all services, a jam that leaves the code on screen (in
Chinese and English), staff's panel with the kept certificate, the admin's service switches,
and collecting the certificate with the same card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devices.printer.base import PaperJam
from kiosk import flow
from kiosk.flow import Screen
from kiosk.runtime import DEMO_ADMIN_PIN, DEMO_ATTENDANT_PIN, Runtime


def night_screens(runtime: Runtime, window: Any, shot: Callable[[str], None], wait: Any,
                  pump: Callable[[float], None], service_id: str) -> None:
    runner = runtime.runner
    runner.dispatch(flow.ShowAllServices())
    wait(lambda s: s.screen is Screen.ALL_SERVICES, "the list of services")
    shot("all-services")
    service = runtime.catalog.get(service_id)
    assert service is not None
    runner.dispatch(flow.ChooseService(service))
    wait(lambda s: s.screen in (Screen.RESULT, Screen.ERROR), "the result", 60)
    printer = runtime.printer
    real_submit = printer.submit

    def jammed(pdf: bytes, title: str) -> Any:
        raise PaperJam("media-jam-error")

    printer.submit = jammed  # the paper jams at night
    try:
        runner.dispatch(flow.RequestPrint())
        wait(lambda s: s.screen in (Screen.PRINT_KEPT, Screen.ERROR), "the print failure", 60)
    finally:
        printer.submit = real_submit
    shot("print-kept")
    runner.dispatch(flow.SetLanguage("en"))
    pump(0.3)
    shot("print-kept-english")
    runner.dispatch(flow.SetLanguage("zh"))
    runner.dispatch(flow.Finish())
    wait(lambda s: s.screen is Screen.ATTRACT, "the wipe")

    # The next morning: the attendant's panel lists the kept certificate.
    _unlock(window, DEMO_ATTENDANT_PIN, pump)
    _wait_for(lambda: window.current_page() is window.attendant_panel, pump)
    _wait_for(lambda: bool(window.attendant_panel.job_buttons), pump)
    shot("attendant-jobs")
    window.attendant_panel.admin_requested.emit()
    _unlock(window, DEMO_ADMIN_PIN, pump, enter=False)
    _wait_for(lambda: window.current_page() is window.admin_page, pump)
    _wait_for(lambda: bool(window.admin_page.buttons), pump)
    shot("admin-services")
    window.leave_attendant()
    pump(0.3)

    # The citizen comes back with the same card.
    runner.dispatch(flow.StartCollect())
    wait(lambda s: s.screen is Screen.PLACE_CARD, "the card screen")
    shot("collect-card")
    wait(lambda s: s.screen in (Screen.DONE, Screen.ERROR), "the kept certificate", 90)
    shot("collected")
    runner.dispatch(flow.Finish())
    wait(lambda s: s.screen is Screen.ATTRACT, "the wipe")


def _unlock(window: Any, pin: str, pump: Callable[[float], None], enter: bool = True) -> None:
    if enter:
        window.enter_attendant()
    pad = window.pin_pad
    for digit in pin:
        pad.press(digit)
    pad.submit()
    pump(0.5)


def _wait_for(predicate: Callable[[], bool], pump: Callable[[float], None],
              timeout_s: float = 20.0) -> None:
    waited = 0.0
    while not predicate():
        if waited > timeout_s:
            raise RuntimeError("the staff screens did not come up")
        pump(0.1)
        waited += 0.1
