"""`kiosk --simulate --tour DIR`: a scripted citizen walks through the terminal offscreen.

Every screen it passes is saved as a PNG, and the certificate it prints is copied beside them,
so a reviewer sees what a citizen sees without a touch panel. The script uses the same events
a touch would send; the simulators play the card and the face.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiosk import flow
from kiosk.flow import Screen
from kiosk.runtime import Runtime
from services_catalog.model import Category

log = logging.getLogger(__name__)
TOUR_SERVICE = "real_estate.registration_info"
TYPED_SERVICE = "real_estate.certificate_verify"  # a field typed in pinyin


class TourFailed(Exception):
    pass


def run_tour(app: Any, window: Any, runtime: Runtime, out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    runner = runtime.runner
    shots: list[Path] = []

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def wait(
        predicate: Callable[[flow.SessionState], bool], what: str, timeout: float = 30
    ) -> None:
        end = time.monotonic() + timeout
        while not predicate(runner.state):
            if time.monotonic() > end:
                raise TourFailed(f"waited {timeout:.0f} s for {what}, still at "
                                 f"{runner.state.screen.name}")
            app.processEvents()
            time.sleep(0.02)
        pump(0.3)  # let the view settle (animations, layout) before the picture

    def shot(name: str) -> None:
        # Layout requests still queued would leave a half-arranged picture: deliver them.
        for _ in range(3):
            app.sendPostedEvents()
            app.processEvents()
        path = out_dir / f"{len(shots) + 1:02d}-{name}.png"
        window.grab_png(path)
        shots.append(path)
        log.info("tour: %s", path.name)

    try:
        wait(lambda s: s.screen is Screen.ATTRACT, "the attract screen")
        shot("attract")
        runner.dispatch(flow.Touch())
        wait(lambda s: s.screen is Screen.HOME, "home")
        shot("home")
        _help(window, pump, shot, "zh")
        _search_in_pinyin(window, pump, shot)
        runner.dispatch(flow.ChooseCategory(Category.REAL_ESTATE))
        wait(lambda s: s.screen is Screen.SERVICE_LIST, "the service list")
        shot("service-list")
        service = runtime.catalog.get(TOUR_SERVICE)
        if service is None:
            raise TourFailed(f"service {TOUR_SERVICE} is not in the catalog")
        runner.dispatch(flow.ChooseService(service))
        wait(lambda s: s.screen is Screen.PLACE_CARD, "the card screen")
        shot("place-card")
        wait(lambda s: s.screen is not Screen.PLACE_CARD, "the card to be read")
        if runner.state.screen is Screen.FACE:
            pump(0.6)  # a live preview with the oval guide and an instruction
            if runner.state.screen is Screen.FACE:  # not already accepted meanwhile
                shot("face")
            wait(lambda s: s.screen is not Screen.FACE, "the face check", 45)
        if runner.state.screen is Screen.INPUTS:
            shot("inputs")
            runner.dispatch(flow.SubmitInputs({}))
        wait(lambda s: s.screen in (Screen.RESULT, Screen.ERROR), "the result")
        if runner.state.screen is Screen.ERROR:
            shot("error")
            raise TourFailed(f"the query failed: {runner.state.message}")
        shot("result")
        runner.dispatch(flow.SetLanguage("en"))
        pump(0.3)
        shot("result-english")
        runner.dispatch(flow.SetLanguage("zh"))
        runner.dispatch(flow.ToggleElderly())  # bigger text, slower timeouts, voice on
        pump(1.5)  # the whole window restyles: on a loaded machine that takes a while
        shot("result-elderly")
        runner.dispatch(flow.ToggleElderly())
        runner.dispatch(flow.RequestPrint())
        wait(lambda s: s.screen in (Screen.DONE, Screen.ERROR), "the certificate", 60)
        if runner.state.screen is Screen.ERROR:
            shot("print-error")
            raise TourFailed(f"printing failed: {runner.state.message}")
        shot("done")
        _copy_certificate(runtime, out_dir)
        _typed_in_pinyin(runtime, window, wait, pump, shot)
        _idle_warning(runtime, window, pump, shot, "zh")
        runner.dispatch(flow.SetLanguage("en"))
        runner.dispatch(flow.GoHome())  # the card holder stays: Home is not a wipe
        wait(lambda s: s.screen is Screen.HOME, "home in English")
        shot("home-english")
        _help(window, pump, shot, "en")
        _idle_warning(runtime, window, pump, shot, "en")
        _staff_question(window, pump, shot)
        runner.dispatch(flow.SetLanguage("zh"))
        _error_screen(runtime, shot, wait)
        runner.dispatch(flow.Finish())
        wait(lambda s: s.screen is Screen.ATTRACT, "the wipe back to attract")
        from kiosk.tour_night import night_screens

        night_screens(runtime, window, shot, wait, pump, TOUR_SERVICE)
        _out_of_service(runtime, shot, wait)
    except TourFailed as exc:
        print(f"kiosk: tour stopped: {exc}")
        return 1
    print(f"tour: {len(shots)} screens and the certificate saved in {out_dir}")
    return 0


def _help(window: Any, pump: Callable[[float], None], shot: Callable[[str], None],
          language: str) -> None:
    """Help, opened from the bar as a citizen would: plain words, the phones, call staff."""
    window.bar.help_button.click()
    pump(0.3)
    shot("help" if language == "zh" else "help-english")
    window.help.close_button.click()


def _search_in_pinyin(window: Any, pump: Callable[[float], None],
                      shot: Callable[[str], None]) -> None:
    """The search box with the keyboard: "bdc" in pinyin, candidates above the keys."""
    home = window.pages[Screen.HOME]
    home.open_search()
    for letter in "bdc":
        home.keyboard.key(letter).click()
    pump(0.3)
    shot("search-pinyin")
    home.end_search()


def _typed_in_pinyin(runtime: Runtime, window: Any, wait: Any, pump: Callable[[float], None],
                     shot: Callable[[str], None]) -> None:
    """A certificate number typed in Chinese, for the same card holder (no second card)."""
    service = runtime.catalog.get(TYPED_SERVICE)
    if service is None or not service.enabled:
        return
    runtime.runner.dispatch(flow.GoHome())
    wait(lambda s: s.screen is Screen.HOME, "home with the card holder kept")
    runtime.runner.dispatch(flow.ChooseService(service))
    wait(lambda s: s.screen is not Screen.HOME, "the next step", 30)
    if runtime.runner.state.screen is Screen.FACE:
        wait(lambda s: s.screen is not Screen.FACE, "the face check", 45)
    if runtime.runner.state.screen is not Screen.INPUTS:
        return
    keyboard = window.pages[Screen.INPUTS].keyboard
    for letter in "yu":
        keyboard.key(letter).click()
    pump(0.3)
    shot("inputs-pinyin")
    keyboard.forget()
    runtime.runner.dispatch(flow.GoBack())


def _idle_warning(runtime: Runtime, window: Any, pump: Callable[[float], None],
                  shot: Callable[[str], None], language: str) -> None:
    """The "need more time?" warning, 30 s before the wipe: the idle limit is shortened for
    the picture so the tour does not wait half a minute."""
    runner = runtime.runner
    kept = runner.timeouts
    runner.timeouts = replace(kept, idle_s=kept.warning_s + 2, result_s=kept.warning_s + 2)
    try:
        runner.dispatch(flow.Touch())
        end = time.monotonic() + 10
        while not window.more_time.is_open() and time.monotonic() < end:
            pump(0.2)
        if not window.more_time.is_open():
            raise TourFailed("the idle warning did not come")
        shot("more-time" if language == "zh" else "more-time-english")
        window.more_time.keep.click()
    finally:
        runner.timeouts = kept


def _staff_question(window: Any, pump: Callable[[float], None],
                    shot: Callable[[str], None]) -> None:
    """A staff login while a citizen is being served asks first (the corner's long press)."""
    window.request_staff_login()
    pump(0.3)
    shot("staff-question-english")
    window.staff_confirm.no.click()


def _copy_certificate(runtime: Runtime, out_dir: Path) -> None:
    printed = sorted((runtime.settings.resolved_data_dir() / "printed").glob("*.pdf"),
                     key=lambda p: p.stat().st_mtime)
    if not printed:
        raise TourFailed("the printer sink holds no certificate")
    shutil.copyfile(printed[-1], out_dir / "certificate.pdf")


def _error_screen(runtime: Runtime, shot: Callable[[str], None], wait: Any) -> None:
    """The back-end goes down mid-session: the citizen reads what happened and what to do."""
    backend = runtime.simulation.backend if runtime.simulation else None
    service = next(s for s in runtime.catalog.enabled()
                   if s.category is Category.SOCIAL_INSURANCE and not s.inputs)
    if backend is None:
        return
    backend.fail("http500")
    try:
        runtime.runner.dispatch(flow.ChooseService(service))
        wait(lambda s: s.screen in (Screen.INPUTS, Screen.ERROR, Screen.FACE, Screen.RESULT),
             "the next step")
        if runtime.runner.state.screen is Screen.INPUTS:
            runtime.runner.dispatch(flow.SubmitInputs({}))
        wait(lambda s: s.screen in (Screen.ERROR, Screen.RESULT), "the back-end error", 45)
        shot("error-backend")
    finally:
        backend.fail(None)


def _out_of_service(runtime: Runtime, shot: Callable[[str], None], wait: Any) -> None:
    """The card reader is unplugged at night: the terminal says so instead of failing later."""
    sim = runtime.simulation
    if sim is None or sim.reader is None:
        return
    sim.reader.stop()
    wait(lambda s: s.screen is Screen.OUT_OF_SERVICE, "the out-of-service screen", 20)
    shot("out-of-service")
