"""Cold start to the attract screen: `kiosk --simulate` offscreen, as a fresh process.

Prints the median of several starts (s) and the median of a bare PySide6 window with a Chinese
label started the same way, which is the floor no kiosk can beat on this machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = 5
BARE = """
import time; t = time.perf_counter()
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([]); label = QLabel("请触摸屏幕开始"); label.resize(1920, 1080); label.show()
app.processEvents(); print(f"startup_s={time.perf_counter() - t:.4f}")
"""


def _run(args: list[str], env: dict[str, str]) -> float:
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=True)
    line = next(li for li in out.stdout.splitlines() if li.startswith("startup_s="))
    return float(line.split("=", 1)[1])


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GOV_KIOSK_DATA_DIR": data,
               "GOV_KIOSK_LOG": "WARNING"}
        script = Path(sys.executable).with_name("kiosk")  # the console script users run
        kiosk = [str(script), "--simulate", "--windowed", "--exit-after-start"]
        _run(kiosk, env)  # the first start creates the demo PKI and the database
        starts = [_run(kiosk, env) for _ in range(RUNS)]
        bare = [_run([sys.executable, "-c", BARE], env) for _ in range(RUNS)]
    for name, values in (("startup_to_attract_s", starts), ("startup_bare_qt_label_s", bare)):
        print(json.dumps({"name": name, "value": round(statistics.median(values), 3),
                          "unit": "s"}))


if __name__ == "__main__":
    main()
