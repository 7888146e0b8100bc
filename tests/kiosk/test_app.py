"""`kiosk` as a user starts it: the offscreen tour, and a machine with no display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from printing.verify import verify_certificate


def _kiosk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("kiosk")
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env,
                          timeout=240)


def test_tour_saves_every_screen_and_a_valid_signed_certificate(tmp_path: Path) -> None:
    env = {**os.environ, "GOV_KIOSK_DATA_DIR": str(tmp_path / "data")}
    env.pop("QT_QPA_PLATFORM", None)  # the tour must go offscreen by itself
    done = _kiosk("--simulate", "--tour", str(tmp_path / "tour"), env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    shots = sorted(p.name for p in (tmp_path / "tour").glob("*.png"))
    for screen in ("attract", "home", "service-list", "place-card", "face", "result",
                   "result-english", "result-elderly", "done", "error-backend", "out-of-service",
                   "all-services", "print-kept", "print-kept-english", "attendant-jobs",
                   "admin-services", "collect-card", "collected"):
        assert any(name.endswith(f"-{screen}.png") for name in shots), (screen, shots)
    first = Image.open(tmp_path / "tour" / shots[0])
    assert first.size == (1920, 1080)
    low, high = first.convert("L").getextrema()
    assert high - low > 100  # a drawn screen, not a blank grab
    pdf = (tmp_path / "tour" / "certificate.pdf").read_bytes()
    root = tmp_path / "data" / "demo-pki" / "root-ca.pem"
    report = verify_certificate(pdf, [root], None)
    assert report.valid, report.summary("en")


def test_no_display_is_one_line_that_names_the_tour(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = _kiosk("--simulate", env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--tour" in lines[0] and "Traceback" not in done.stderr
