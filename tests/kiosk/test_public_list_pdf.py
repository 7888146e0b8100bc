"""`kiosk-admin services list --format pdf`: the notice-board list, checked by reading the
PDF's text back with pdftotext (poppler)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from services_catalog.catalog import load_catalog

from .test_cli import admin

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils) is not installed")


def _text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60)
    return re.sub(r"\s+", "", done.stdout)  # a name may wrap inside its table cell


def test_the_pdf_lists_every_enabled_service_and_no_disabled_one(tmp_path: Path) -> None:
    env = {"GOV_KIOSK_DATA_DIR": str(tmp_path / "data"),
           "GOV_KIOSK_CONFIG": str(tmp_path / "kiosk.toml")}
    catalog = load_catalog()
    off = [s for s in catalog.services if s.category.value == "pension"][:2]
    for service in off:
        done = admin("services", "disable", service.id, env_extra=env)
        assert done.returncode == 0, done.stderr
    out = tmp_path / "list.pdf"
    done = admin("services", "list", "--format", "pdf", "--out", str(out), env_extra=env)
    assert done.returncode == 0, done.stderr
    assert f"{len(catalog.services) - 2} enabled services" in done.stdout
    assert out.read_bytes().startswith(b"%PDF")
    text = _text(out)
    for service in catalog.services:
        listed = service.name_zh in text
        assert listed == (service not in off), service.id
    assert "95598" in text and "国网平顶山供电公司" in text  # agency and its phone
    assert "全天24小时" in text


def test_without_out_it_is_one_plain_line(tmp_path: Path) -> None:
    done = admin("services", "list", "--format", "pdf",
                 env_extra={"GOV_KIOSK_CONFIG": str(tmp_path / "kiosk.toml")})
    assert done.returncode != 0 and "--out" in done.stderr
    assert "Traceback" not in done.stderr


def test_with_every_service_off_the_notice_says_where_to_go(tmp_path: Path) -> None:
    from datetime import date

    from kiosk.public_list_pdf import render_public_list

    out = tmp_path / "none.pdf"
    out.write_bytes(render_public_list([], hall_name_zh="大厅", hall_name_en="Hall",
                                       hall_phone="0375-1234567", terminal_id="T-1",
                                       today=date(2026, 5, 4)))
    text = _text(out)
    assert "本机暂时没有可办理的事项" in text and "orcall12345" in text
