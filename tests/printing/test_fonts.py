from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from printing.errors import FontNotFound
from printing.fonts import find_cjk_font, single_face_ttf


def test_a_missing_font_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound) as info:
        find_cjk_font(tmp_path / "absent.ttc")
    assert "fonts-wqy-zenhei" in str(info.value) and "absent.ttc" in str(info.value)
    assert info.value.message_zh and info.value.message_en


def test_one_face_is_extracted_once_for_pyhanko(tmp_path: Path) -> None:
    font = find_cjk_font()
    path = single_face_ttf(font, tmp_path)
    assert path.suffix == ".ttf" and path.parent == tmp_path
    face = TTFont(str(path), lazy=True)
    assert ord("证") in face.getBestCmap()
    mtime = path.stat().st_mtime_ns
    assert single_face_ttf(font, tmp_path) == path
    assert path.stat().st_mtime_ns == mtime  # reused, not written again
