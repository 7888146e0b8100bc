"""`kiosk`: builds the terminal from its config and starts the Qt UI.

Heavy libraries (Qt widgets, OpenCV, ReportLab, pyHanko) are imported only when needed, so the
attract screen is up quickly after a power cut; the certificate engine warms up in the
background while the attract loop runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import Settings

STARTED = time.perf_counter()
log = logging.getLogger("kiosk")


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True  # offscreen, eglfs, linuxfb, vnc: no window system needed
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk", description="gov-kiosk self-service terminal")
    parser.add_argument("--config", type=Path, help="terminal config file (TOML)")
    parser.add_argument(
        "--simulate", action="store_true",
        help="wire the simulated reader, camera and printer and the bundled demo back-end",
    )
    parser.add_argument(
        "--tour", type=Path, metavar="DIR",
        help="with --simulate: walk a scripted citizen session offscreen, save a PNG of every "
        "screen and the printed certificate into DIR, then exit",
    )
    parser.add_argument("--portrait", action="store_true", help="1080x1920 portrait layout")
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    parser.add_argument("--exit-after-start", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    # The terminal uses no pydantic plugins; looking for them scans every installed package's
    # metadata, which costs start-up time in front of the attract screen.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from kiosk.malloc_arenas import tune_malloc

    tune_malloc()  # before any thread starts: a night of sessions stays flat
    args = parse_args(argv)
    from kiosk.logging_setup import configure_logging

    configure_logging()  # $GOV_KIOSK_LOG, default INFO; no citizen value reaches a line
    if args.tour is not None:
        if not args.simulate:
            print("kiosk: --tour needs --simulate", file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not _has_display():
        print(
            "kiosk: no display here (DISPLAY/WAYLAND_DISPLAY unset); run the offscreen tour "
            "instead: kiosk --simulate --tour DIR  (or: make tour)",
            file=sys.stderr,
        )
        return 3

    from kiosk.config import ConfigError, load_settings

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2

    return run_gui(settings, args)


def office_hours_clock() -> Callable[[], datetime]:
    """Today at 10:00, running on from there: the scripted tour walks through services whose
    back-ends close at night, and should show them open whenever it is run."""
    start_wall = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0)
    start = time.monotonic()
    return lambda: start_wall + timedelta(seconds=time.monotonic() - start)


def run_gui(settings: Settings, args: argparse.Namespace) -> int:
    """Start Qt, show the attract screen, then bring the devices up behind it."""
    from PySide6.QtWidgets import QApplication

    from kiosk.attendant import AttendantDesk
    from kiosk.runtime import Runtime
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.voice import VoicePrompts

    app = QApplication.instance() or QApplication(sys.argv[:1])
    clock = office_hours_clock() if args.tour is not None else datetime.now
    from kiosk.config import default_config_path

    # The config file the terminal watches for an admin's edit of [services] (the switches of
    # the admin screen and kiosk-admin live in the data dir). A tour without --config runs on
    # the defaults and watches no admin's file.
    config_path = Path(args.config) if args.config else (
        None if args.tour is not None else default_config_path())
    runtime = Runtime(settings, simulate=args.simulate, wall_clock=clock,
                      config_path=config_path)
    voice = VoicePrompts() if args.tour is None else None
    runtime.runner.attach_voice(voice)
    window = MainWindow(
        runtime.runner,
        runtime.catalog,
        hall_name_zh=settings.hall_name_zh,
        hall_name_en=settings.hall_name_en,
        hall_phone=settings.hall_phone,
        terminal_id=settings.terminal_id,
        demo=settings.demo,
        face_frames=lambda: runtime.face_port.latest_preview() if runtime.face_port else None,
        device_statuses=runtime.device_statuses,
        attendant=AttendantDesk(runtime),
        voice=voice,
        call_staff=lambda: runtime.staff_calls.ring(runtime.runner.state.screen.value,
                                                    runtime.runner.state.language),
        service_reasons=runtime.out_of_service_reasons,
    )
    def central_config_changed() -> None:
        # Plain values the screens read when they paint or open (from the fleet's thread:
        # no widget is touched here, the attract loop repaints ten times a second).
        window.ctx.hall_phone = window.help.hall_phone = runtime.settings.hall_phone
        window.ctx.notices = tuple((n.zh, n.en) for n in runtime.notices)

    runtime.config_listeners.append(central_config_changed)
    start, end = settings.attendant.weekday_hours
    window.ctx.counter_hours = f"{start:%H:%M}–{end:%H:%M}"
    size = (1080, 1920) if args.portrait else (1920, 1080)
    if args.tour is not None or args.windowed:
        window.resize(*size)
        window.show()
    else:
        screen = app.primaryScreen()
        window.show_kiosk(screen.geometry())
    app.processEvents()
    log.info("attract screen up after %.3f s", time.perf_counter() - STARTED)
    if args.exit_after_start:
        print(f"startup_s={time.perf_counter() - STARTED:.3f}", flush=True)
        return 0
    # Devices, back-ends and the certificate engine come up behind the attract screen; a
    # start that fails leaves the terminal out of service, saying why, and is tried again.
    from kiosk.sdnotify import Notifier
    from kiosk.supervisor import Supervisor

    notifier = Notifier()
    supervisor = Supervisor(runtime, notifier, retry=args.tour is None)
    watchdog = start_watchdog(notifier, window)
    if args.tour is None:
        import signal

        # systemctl stop: leave the event loop, so the store closes and systemd hears STOPPING
        # (Python runs the handler at the next timer tick: the window's clock runs every second).
        signal.signal(signal.SIGTERM, lambda _signo, _frame: app.quit())
        # A remote restart_app leaves the same clean way (Restart=always brings it back).
        runtime.request_exit = lambda: os.kill(os.getpid(), signal.SIGTERM)
    supervisor.start()
    try:
        if args.tour is not None:
            from kiosk.tour import run_tour

            if not runtime.ready.wait(120) or supervisor.failure:
                reason = supervisor.failure or "start-up did not finish in 120 s"
                print(f"kiosk: cannot start: {reason}", file=sys.stderr)
                return 1
            return run_tour(app, window, runtime, args.tour)
        return int(app.exec())
    finally:
        if watchdog is not None:
            watchdog.stop()
        supervisor.stop()
        runtime.stop()
        notifier.close()


def start_watchdog(notifier: Any, parent: Any) -> Any:
    """WATCHDOG=1 from a timer on the GUI thread: when the event loop freezes the pings stop
    and systemd restarts the terminal (WatchdogSec= in kiosk.service)."""
    interval = notifier.watchdog_interval_s()
    if interval is None:
        return None
    from PySide6.QtCore import QTimer

    timer = QTimer(parent)
    timer.setInterval(max(1, int(interval * 1000)))
    timer.timeout.connect(notifier.watchdog)
    timer.start()
    notifier.watchdog()
    return timer


if __name__ == "__main__":
    sys.exit(main())
