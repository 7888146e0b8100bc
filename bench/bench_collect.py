"""The citizen's route "collect after a jam", headless through the runtime with the simulators
(reader on a pty, blinking camera, demo back-end, sealed certificate, PDF sink): touches and
seconds from the attract screen to the printed certificate, after an earlier print jammed.

The card is placed 1.5 s after the card screen appears (the demo's simulated citizen), the
face check is the simulator's blink; so the seconds are scripted time plus the machine's.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime
from pathlib import Path

from devices.printer.base import PaperJam
from kiosk import flow
from kiosk.config import Settings
from kiosk.flow import Screen
from kiosk.runtime import Runtime

SERVICE = "real_estate.registration_info"


def main() -> None:
    noon = datetime.now().replace(hour=12, minute=0)
    with tempfile.TemporaryDirectory() as data:
        rt = Runtime.build(Settings(data_dir=Path(data)), simulate=True, place_delay_s=1.5,
                           start_verify_web=False, wall_clock=lambda: noon)
        rt.start()
        try:
            runner = rt.runner
            runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 30)
            while not all(s.ready for s in rt.device_statuses()):
                time.sleep(0.05)
            # The night before: a jam leaves the certificate kept.
            real_submit = rt.printer.submit

            def jammed(pdf: bytes, title: str) -> None:
                raise PaperJam("media-jam-error")

            rt.printer.submit = jammed
            runner.dispatch(flow.ChooseService(rt.catalog.get(SERVICE)))
            runner.wait_for(lambda s: s.screen is Screen.RESULT, 60)
            runner.dispatch(flow.RequestPrint())
            runner.wait_for(lambda s: s.screen is Screen.PRINT_KEPT, 60)
            rt.printer.submit = real_submit
            runner.dispatch(flow.Finish())
            # The route: one touch on "Collect my certificate", then card and face.
            touches = 1
            start = time.perf_counter()
            runner.dispatch(flow.StartCollect())
            state = runner.wait_for(lambda s: s.screen in (Screen.DONE, Screen.ERROR), 90)
            seconds = time.perf_counter() - start
            assert state.screen is Screen.DONE, state.message
        finally:
            rt.stop()
    print(json.dumps({"name": "route_collect_after_jam_touches", "value": touches,
                      "unit": "touches"}))
    print(json.dumps({"name": "route_collect_after_jam_s", "value": round(seconds, 2),
                      "unit": "s"}))


if __name__ == "__main__":
    main()
