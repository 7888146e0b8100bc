"""kiosk-admin simulate-reader and idcard read, end to end in separate processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devices.idcard.card import JSON_KEYS
from devices.idcard.simulator import CARDS_DIR

REPO = Path(__file__).resolve().parents[2]
KIOSK_ADMIN = [sys.executable, "-c", "import sys; from kiosk.cli import main; sys.exit(main())"]


def admin(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KIOSK_ADMIN, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def simulated_reader(*args: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [*KIOSK_ADMIN, "simulate-reader", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/"), proc.stderr.read() if proc.stderr else ""
        yield path
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def assert_one_plain_line(result: subprocess.CompletedProcess[str]) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_read_json_from_simulated_reader_and_feed_it_back(tmp_path: Path) -> None:
    expected = json.loads((CARDS_DIR / "zhang_wei.json").read_text(encoding="utf-8"))
    with simulated_reader() as port:
        result = admin("idcard", "read", "--port", port, "--json")
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert tuple(card) == JSON_KEYS
    assert card == {key: expected[key] for key in JSON_KEYS}

    saved = tmp_path / "read.json"
    saved.write_text(result.stdout, encoding="utf-8")
    with simulated_reader("--card", str(saved), "--wire-timing") as port:
        again = admin("idcard", "read", "--port", port, "--json", "--baud", "115200")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == card


def test_plain_read_masks_the_holder(tmp_path: Path) -> None:
    card_file = CARDS_DIR / "chen_jiaming_hk_permit.json"
    with simulated_reader("--card", str(card_file), "--link", str(tmp_path / "ttyID")) as port:
        assert port == str(tmp_path / "ttyID")
        result = admin("idcard", "read", "--port", port)
    assert result.returncode == 0, result.stderr
    assert "hmt_residence_permit" in result.stdout and "陈*" in result.stdout
    number = json.loads(card_file.read_text(encoding="utf-8"))["id_number"]
    assert number not in result.stdout and number[-4:] in result.stdout


def test_no_card_is_exit_3_and_one_line() -> None:
    with simulated_reader("--empty") as port:
        result = admin("idcard", "read", "--port", port)
    assert result.returncode == 3
    assert_one_plain_line(result)
    assert "No ID card found" in result.stderr


def test_missing_port_is_exit_1_and_one_line(tmp_path: Path) -> None:
    result = admin("idcard", "read", "--port", str(tmp_path / "ttyNONE"))
    assert result.returncode == 1
    assert_one_plain_line(result)
    assert "not connected" in result.stderr


def test_bad_card_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    data = json.loads((CARDS_DIR / "zhang_wei.json").read_text(encoding="utf-8"))
    data["birth"] = "1988-05-21"  # disagrees with the ID number
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = admin("simulate-reader", "--card", str(bad))
    assert result.returncode == 1
    assert_one_plain_line(result)
    assert "birth date does not match" in result.stderr and str(bad) in result.stderr
