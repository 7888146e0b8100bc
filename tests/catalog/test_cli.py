"""kiosk-admin services: list, enable/disable, validate and try every enabled service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from services_catalog.catalog import Catalog
from services_catalog.demo_backend import ZHANG_WEI, DemoBackend
from services_catalog.model import Category

AT = "2026-05-20T12:00"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_has_the_contract_keys_and_all_categories(capsys) -> None:
    rows = _json(capsys, ["services", "list", "--json"])
    assert isinstance(rows, list) and len(rows) >= 101
    assert set(rows[0]) == {"id", "name_zh", "name_en", "category", "agency", "enabled",
                            "printable", "auth"}  # fmt: skip
    assert {r["category"] for r in rows} == {c.value for c in Category}


def test_disable_then_enable_edits_the_config_and_list_reflects_it(tmp_path: Path, capsys) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('# my terminal\nterminal_id = "T-7"\n', encoding="utf-8")
    assert main(["--config", str(config), "services", "disable", "electricity.bills"]) == 0
    capsys.readouterr()
    rows = _json(capsys, ["--config", str(config), "services", "list", "--json"])
    assert [r["enabled"] for r in rows if r["id"] == "electricity.bills"] == [False]
    assert "# my terminal" in config.read_text(encoding="utf-8")
    assert main(["--config", str(config), "services", "enable", "electricity.bills"]) == 0
    capsys.readouterr()
    rows = _json(capsys, ["--config", str(config), "services", "list", "--json"])
    assert all(r["enabled"] for r in rows)
    assert main(["--config", str(config), "services", "disable", "no.such_service"]) == 1


def test_validate_passes_on_the_bundled_catalog_and_fails_on_a_broken_one(
    tmp_path: Path, capsys
) -> None:
    assert main(["services", "validate"]) == 0
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "bad.toml").write_text('[[service]]\nid = "x.broken"\nname_zh = "坏"\n', "utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[services]\nextra_catalog_dirs = ["{extra}"]\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(config), "services", "validate"]) == 1
    out = capsys.readouterr()
    assert "bad.toml: record x.broken: field 'name_zh'" in out.out
    assert "problem" in out.err


def test_try_succeeds_for_every_enabled_service(tmp_path: Path, catalog: Catalog, capsys) -> None:
    with DemoBackend() as backend:
        families = "\n".join(f'[backends.{f}]\nbase_url = "{backend.base_url}"\nretries = 0\n'
                             for f in {s.adapter for s in catalog.services})  # fmt: skip
        config = tmp_path / "kiosk.toml"
        config.write_text(families, encoding="utf-8")
        found = 0
        for service in catalog.enabled():
            argv = ["--config", str(config), "services", "try", service.id,
                    "--id-number", ZHANG_WEI, "--json", "--at", AT]  # fmt: skip
            body = _json(capsys, argv)
            assert isinstance(body, dict) and body["service_id"] == service.id
            found += body["record_found"]
            if body["record_found"]:
                for spec in service.result_fields:
                    assert spec.key in (
                        body["tables"] if spec.format == "table" else body["values"]
                    )
    # Most services have data for the main demo person; the rest answer "no record".
    assert found >= 0.7 * len(catalog.enabled())


def test_try_in_demo_mode_starts_the_back_end_itself(capsys) -> None:
    body = _json(capsys, ["services", "try", "real_estate.registration_info",
                          "--id-number", ZHANG_WEI, "--json", "--at", AT])  # fmt: skip
    assert isinstance(body, dict)
    assert body["tables"]["properties"][0]["cert_no"] == "豫(2019)平顶山市不动产权第0012345号"


def test_try_reports_typed_errors_in_one_line(capsys) -> None:
    assert main(["services", "try", "housing_fund.loan_info", "--id-number", ZHANG_WEI,
                 "--at", "2026-05-20T23:30"]) == 1  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert err.startswith("ServiceClosed") and "06:00" in err and "\n" not in err
    assert main(["services", "try", "electricity.balance", "--id-number", "123"]) == 1
    assert main(["services", "try", "social_insurance.contribution_detail", "--id-number",
                 ZHANG_WEI, "--input", "year=1800", "--at", AT]) == 1  # fmt: skip
    assert "InvalidInput" in capsys.readouterr().err
