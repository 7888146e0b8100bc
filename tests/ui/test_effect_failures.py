"""A device port that raises while the session ends: the window still shows where the session
really is (no stale face page), and the card port still hears that the session ended."""

from __future__ import annotations

from typing import Any

from ui_harness import Kiosk

from kiosk import flow
from kiosk.flow import Screen


def test_a_failing_face_stop_leaves_no_stale_page(kiosk: Kiosk, catalog: Any) -> None:
    ended: list[bool] = []
    kiosk.card.hold = True
    kiosk.face.hold = True
    original_end = kiosk.card.session_ended
    kiosk.card.session_ended = lambda: (ended.append(True), original_end())  # type: ignore[method-assign]

    def broken_stop() -> None:
        raise RuntimeError("the camera driver hung up")

    kiosk.face.stop = broken_stop  # type: ignore[method-assign]
    kiosk.runner.dispatch(flow.ChooseService(catalog.get("real_estate.registration_info")))
    kiosk.wait_screen(Screen.PLACE_CARD)
    kiosk.card.present()
    kiosk.wait_screen(Screen.FACE)

    kiosk.runner.dispatch(flow.Finish())
    kiosk.wait_screen(Screen.ATTRACT)  # state and the page shown agree
    assert kiosk.state.person is None and ended == [True]
