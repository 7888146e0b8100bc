"""kiosk-admin face detect, run through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from kiosk.cli import main


def test_detect_json_lists_the_face_and_the_verdict(
    tmp_path: Path, portrait, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), portrait[0])
    assert main(["face", "detect", "--image", str(image), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["faces"]) == 1
    face = out["faces"][0]
    assert face["score"] > 0.8 and len(face["box"]) == 4 and len(face["landmarks"]) == 5
    assert out["quality"]["ok"] is True and out["quality"]["reasons"] == []


def test_detect_without_a_face_exits_2_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    image = Path(__file__).resolve().parents[1] / "data" / "faces" / "no-face-coffee.png"
    assert main(["face", "detect", "--image", str(image)]) == 2
    out = capsys.readouterr().out
    assert "0 face(s)" in out and "no_face" in out


@pytest.mark.parametrize("content", [None, b"this is not an image"])
def test_unreadable_file_is_one_line_and_exit_1(
    tmp_path: Path, content: bytes | None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.png"
    if content is not None:
        path.write_bytes(content)
    assert main(["face", "detect", "--image", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "broken.png" in err
    assert "Traceback" not in err
