"""Lockdown under a real X server: the real `kiosk --simulate` process on Xvfb with a window
manager (openbox) survives a window-manager close and the key chords that leave an ordinary
program (Alt+F4, Alt+Tab, Escape, Ctrl+Q)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("Xlib")
from Xlib import X  # noqa: E402
from Xlib import display as xdisplay  # noqa: E402
from Xlib import error as xerror  # noqa: E402
from Xlib.protocol import event as xevent  # noqa: E402

TOOLS = ("Xvfb", "xdotool", "openbox")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS),
    reason="needs Xvfb, xdotool and openbox (scripts/install-system-deps.sh)",
)
ALIVE_S = 3.0  # how long the kiosk must stay up after each attempt to close it


def _wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def x_server() -> Iterator[str]:
    """A private Xvfb display (its number chosen by the server) with openbox managing it."""
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    name = f":{number}"
    wm = subprocess.Popen(["openbox", "--sm-disable"], env={**os.environ, "DISPLAY": name},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert number, "Xvfb did not start"
        conn = xdisplay.Display(name)
        root = conn.screen().root
        check = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")
        _wait_until(lambda: root.get_full_property(check, X.AnyPropertyType) is not None,
                    30, "the window manager")
        conn.close()
        yield name
    finally:
        for process in (wm, server):
            process.terminate()
            process.wait(10)


def _kiosk_window(display: str, pid: int) -> int:
    found = subprocess.run(
        ["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(pid)],
        env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=90,
    )
    ids = [int(line) for line in found.stdout.split()]
    assert ids, found.stderr
    return ids[-1]


def _send_wm_delete(display: str, window_id: int) -> None:
    """What a window manager sends when its close button is pressed."""
    conn = xdisplay.Display(display)
    window = conn.create_resource_object("window", window_id)
    protocols = conn.intern_atom("WM_PROTOCOLS")
    delete = conn.intern_atom("WM_DELETE_WINDOW")
    message = xevent.ClientMessage(window=window, client_type=protocols,
                                   data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(message, event_mask=X.NoEventMask)
    conn.sync()
    conn.close()


def _viewable(display: str, window_id: int) -> bool:
    conn = xdisplay.Display(display)
    try:
        window = conn.create_resource_object("window", window_id)
        return window.get_attributes().map_state == X.IsViewable
    except xerror.BadWindow:
        return False
    finally:
        conn.close()


def _still_up(process: subprocess.Popen[bytes], display: str, window_id: int) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(ALIVE_S)  # returning here means the kiosk quit
    assert _viewable(display, window_id)


def test_window_manager_close_and_key_chords_leave_the_kiosk_up(
    x_server: str, tmp_path: Path
) -> None:
    env = {**os.environ, "DISPLAY": x_server, "QT_QPA_PLATFORM": "xcb",
           "GOV_KIOSK_DATA_DIR": str(tmp_path / "data")}
    script = Path(sys.executable).with_name("kiosk")
    log = (tmp_path / "kiosk.log").open("wb")
    kiosk = subprocess.Popen([str(script), "--simulate", "--windowed"], env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        window = _kiosk_window(x_server, kiosk.pid)
        _send_wm_delete(x_server, window)
        _still_up(kiosk, x_server, window)

        tool_env = {**os.environ, "DISPLAY": x_server}
        subprocess.run(["xdotool", "windowactivate", "--sync", str(window)], env=tool_env,
                       check=True, timeout=30)
        for chord in ("alt+F4", "alt+Tab", "Escape", "ctrl+q"):
            subprocess.run(["xdotool", "key", "--clearmodifiers", chord], env=tool_env,
                           check=True, timeout=30)
            _still_up(kiosk, x_server, window)
    finally:
        kiosk.terminate()
        try:
            kiosk.wait(30)
        except subprocess.TimeoutExpired:
            kiosk.kill()
            kiosk.wait(10)
        log.close()

