"""The catalog data and loader: coverage, broken records, overrides, search, input checks."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from services_catalog.catalog import (
    DATA_DIR,
    Catalog,
    check_open,
    load_catalog,
    load_seals,
    validate_inputs,
)
from services_catalog.errors import InvalidInput, ServiceClosed
from services_catalog.model import Category

NAMES = ["个人社保参保证明", "社保缴费明细", "养老金发放明细", "医保参保凭证", "医保个人账户余额",
         "住房公积金缴存证明", "公积金贷款信息", "不动产登记信息查询", "无房证明", "房产档案查询",
         "电费余额查询", "电费缴费记录"]  # fmt: skip


def test_bundled_catalog_has_101_plus_services_in_all_seven_categories(catalog: Catalog) -> None:
    assert catalog.problems == ()
    assert len(catalog) >= 101
    assert {s.category for s in catalog.services} == set(Category)
    names = {s.name_zh for s in catalog.services}
    assert set(NAMES) <= names


def test_walking_skeleton_service_is_printable_with_its_template_and_seal(catalog: Catalog) -> None:
    s = catalog.get("real_estate.registration_info")
    assert s is not None and s.name_zh == "不动产登记信息查询"
    assert (s.printable, s.template, s.seal) == (True, "real_estate", "real_estate_registry")


def test_printable_personal_certificates_need_card_and_face(catalog: Catalog) -> None:
    seals = load_seals()
    for s in catalog.services:
        if s.seal is not None:
            assert s.seal in seals
        if s.printable and ("证明" in s.name_zh or "凭证" in s.name_zh):
            assert s.auth.value == "card+face", s.id


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[[service]]
id = "extra.good_one"
name_zh = "测试服务"
name_en = "Test service"
category = "pension"
agency_zh = "某局"
agency_en = "A bureau"
adapter = "pension"
operation = "account"
result_fields = [{ key = "balance", label_zh = "余额", label_en = "Balance", format = "amount" }]
"""


def test_broken_record_gives_one_problem_naming_file_record_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("extra.good_one", "extra.bad_one").replace(
        '"pension"\nagency', '"pensions"\nagency'
    )
    path = _write(tmp_path, "extra.toml", GOOD + bad)
    catalog = load_catalog([tmp_path])
    assert len(catalog.problems) == 1
    problem = catalog.problems[0]
    assert (problem.file, problem.record, problem.field) == (str(path), "extra.bad_one", "category")
    assert "extra.bad_one" in str(problem) and "'category'" in str(problem)
    # The good record of the same file and every bundled service still load.
    assert "extra.good_one" in catalog
    assert len(catalog) == len(load_catalog()) + 1


def test_record_without_id_is_named_by_index_and_duplicates_are_problems(tmp_path: Path) -> None:
    no_id = GOOD.replace('id = "extra.good_one"\n', "")
    _write(tmp_path, "a.toml", GOOD + no_id)
    _write(tmp_path, "b.toml", GOOD)
    catalog = load_catalog([tmp_path])
    found = {(p.record, p.field) for p in catalog.problems}
    assert found == {("#2", "id"), ("extra.good_one", "id")}


def test_broken_toml_file_is_one_problem_and_unknown_seal_is_caught(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", "[[service]\nid = ")
    _write(
        tmp_path,
        "b.toml",
        GOOD.replace('operation = "account"', 'operation = "account"\nseal = "nobody"'),
    )
    catalog = load_catalog([tmp_path])
    assert sorted((Path(p.file).name, p.field) for p in catalog.problems) == [
        ("a.toml", "-"), ("b.toml", "seal")]  # fmt: skip


def test_overrides_switch_services_on_this_terminal() -> None:
    switches = {"electricity.bills": False}
    catalog = load_catalog(overrides=switches.get)
    bills = catalog.get("electricity.bills")
    assert bills is not None and not bills.enabled
    assert bills not in catalog.enabled()
    assert len(catalog.enabled()) == len(catalog) - 1


def test_search_matches_pinyin_initials_english_and_keywords(catalog: Catalog) -> None:
    hits = catalog.search("bdc")
    assert hits[0].id == "real_estate.registration_info"
    # Names starting with 不动产 rank before other initials matches (绑定查询 is bdcx too).
    assert all("不动产" in s.name_zh for s in hits[:10])
    assert catalog.search("gongjijin")[0].category == Category.HOUSING_FUND
    assert "electricity.balance" in [s.id for s in catalog.search("electricity balance")]
    assert "property.maintenance_fund" in [s.id for s in catalog.search("维修基金")]
    assert catalog.search("   ") == []
    assert catalog.search("zzzzqqq") == []


def test_in_category_and_categories(catalog: Catalog) -> None:
    assert all(s.category == Category.PENSION for s in catalog.in_category("pension"))
    assert catalog.categories() == list(Category)


def test_year_input_defaults_to_the_query_year_and_is_bounded(catalog: Catalog) -> None:
    s = catalog.get("social_insurance.contribution_detail")
    assert s is not None
    assert validate_inputs(s, {}, today=date(2026, 3, 1)) == {"year": "2026"}
    assert validate_inputs(s, {"year": "２０２０"}, today=date(2026, 3, 1)) == {"year": "2020"}
    with pytest.raises(InvalidInput) as err:
        validate_inputs(s, {"year": "2030"}, today=date(2026, 3, 1))
    assert err.value.field_key == "year" and "2026" in err.value.message_zh
    with pytest.raises(InvalidInput):
        validate_inputs(s, {"year": "20x0"})
    with pytest.raises(InvalidInput) as err:
        validate_inputs(s, {"colour": "red"})
    assert err.value.message_en


def test_certificate_number_pattern_accepts_full_width_brackets(catalog: Catalog) -> None:
    s = catalog.get("real_estate.certificate_verify")
    assert s is not None
    clean = validate_inputs(s, {"cert_no": "豫（2019）平顶山市不动产权第0012345号"})
    assert clean == {"cert_no": "豫(2019)平顶山市不动产权第0012345号"}
    with pytest.raises(InvalidInput) as err:
        validate_inputs(s, {"cert_no": "0012345"})
    assert "格式" in err.value.message_zh
    with pytest.raises(InvalidInput):
        validate_inputs(s, {})


def test_closed_service_says_when_it_opens(catalog: Catalog) -> None:
    s = catalog.get("housing_fund.loan_info")
    assert s is not None
    check_open(s, datetime(2026, 5, 20, 6, 0))
    with pytest.raises(ServiceClosed) as err:
        check_open(s, time(23, 15))
    assert err.value.opens_at == "06:00" and "06:00" in err.value.message_zh


def test_data_dir_files_are_one_per_category() -> None:
    assert sorted(p.stem for p in DATA_DIR.glob("*.toml")) == sorted(c.value for c in Category)
