"""Sample services and query results for every template family.

Used by the tests, the benchmark and previews of the layout. The holder is a demo person of
the bundled demo back-end; nothing here is a real record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services_catalog.model import (
    AuthenticatedPerson,
    Category,
    QueryResult,
    ResultColumn,
    ResultField,
    Service,
)

DEMO_PERSON = AuthenticatedPerson(id_number="410402198805201238", name="张伟", face_verified=True)

SEALS: dict[str, tuple[str, str]] = {
    "real_estate_registry": (
        "平顶山市不动产登记中心",
        "Pingdingshan Real Estate Registration Centre",
    ),
    "hrss_bureau": (
        "平顶山市人力资源和社会保障局",
        "Pingdingshan Human Resources and Social Security Bureau",
    ),
    "medical_security_bureau": ("平顶山市医疗保障局", "Pingdingshan Healthcare Security Bureau"),
    "housing_fund_centre": (
        "平顶山市住房公积金管理中心",
        "Pingdingshan Housing Provident Fund Centre",
    ),
    "state_grid": ("国网平顶山供电公司", "State Grid Pingdingshan Power Supply Company"),
}


def _col(key: str, zh: str, en: str, fmt: str = "text") -> ResultColumn:
    return ResultColumn(key=key, label_zh=zh, label_en=en, format=fmt)  # type: ignore[arg-type]


def _field(key: str, zh: str, en: str, fmt: str = "text", *cols: ResultColumn) -> ResultField:
    return ResultField(key=key, label_zh=zh, label_en=en, format=fmt, columns=cols)  # type: ignore[arg-type]


def _service(
    sid: str,
    zh: str,
    en: str,
    category: Category,
    template: str,
    seal: str,
    fields: tuple[ResultField, ...],
) -> Service:
    return Service(
        id=sid,
        name_zh=zh,
        name_en=en,
        category=category,
        agency_zh=SEALS[seal][0],
        agency_en=SEALS[seal][1],
        adapter=category.value,
        operation=sid.split(".")[-1],
        result_fields=fields,
        printable=True,
        template=template,
        seal=seal,
    )


def _months(n: int, base: str, employer: str) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        year, month = 2024 - (i // 12), 12 - (i % 12)
        rows.append(
            {
                "month": f"{year}-{month:02d}",
                "base": base,
                "employer": employer,
                "personal": f"{float(base) * 0.08:.2f}",
                "company": f"{float(base) * 0.16:.2f}",
                "status": "已到账",
            }
        )
    return rows


SERVICES: dict[str, Service] = {
    s.template or "": s
    for s in (
        _service(
            "real_estate.registration_info",
            "不动产登记信息查询",
            "Real estate registration",
            Category.REAL_ESTATE,
            "real_estate",
            "real_estate_registry",
            (
                _field("property_count", "不动产数量", "Number of properties", "number"),
                _field(
                    "properties",
                    "不动产登记信息",
                    "Registered properties",
                    "table",
                    _col("cert_no", "不动产权证号", "Certificate no."),
                    _col("address", "坐落", "Location"),
                    _col("area", "建筑面积", "Floor area", "area"),
                    _col("use", "用途", "Use"),
                    _col("registered", "登记日期", "Registered", "date"),
                    _col("mortgage", "抵押状态", "Mortgage"),
                ),
            ),
        ),
        _service(
            "property.archive",
            "房产档案查询",
            "Property archive",
            Category.PROPERTY,
            "property_archive",
            "real_estate_registry",
            (
                _field(
                    "archives",
                    "房产档案",
                    "Archive records",
                    "table",
                    _col("archive_no", "档案号", "Archive no."),
                    _col("address", "房屋坐落", "Location"),
                    _col("area", "面积", "Area", "area"),
                    _col("date", "登记日期", "Date", "date"),
                ),
            ),
        ),
        _service(
            "social_insurance.payment_details",
            "个人社保参保证明",
            "Social insurance record",
            Category.SOCIAL_INSURANCE,
            "social_insurance",
            "hrss_bureau",
            (
                _field("insured_status", "参保状态", "Status"),
                _field("first_enrolled", "首次参保日期", "First enrolled", "date"),
                _field("total_months", "累计缴费月数", "Months paid", "number"),
                _field(
                    "payments",
                    "缴费明细",
                    "Contributions",
                    "table",
                    _col("month", "费款所属期", "Month", "month"),
                    _col("employer", "缴费单位", "Employer"),
                    _col("base", "缴费基数", "Base", "amount"),
                    _col("personal", "个人缴纳", "Personal", "amount"),
                    _col("company", "单位缴纳", "Employer part", "amount"),
                    _col("status", "到账状态", "Status"),
                ),
            ),
        ),
        _service(
            "pension.payments",
            "养老金发放明细",
            "Pension payments",
            Category.PENSION,
            "pension",
            "hrss_bureau",
            (
                _field("monthly_amount", "月发放金额", "Monthly amount", "amount"),
                _field(
                    "payments",
                    "发放明细",
                    "Payments",
                    "table",
                    _col("month", "发放月份", "Month", "month"),
                    _col("amount", "发放金额", "Amount", "amount"),
                    _col("bank", "发放银行", "Bank"),
                ),
            ),
        ),
        _service(
            "medical_insurance.enrolment",
            "医保参保凭证",
            "Medical insurance enrolment",
            Category.MEDICAL_INSURANCE,
            "medical_insurance",
            "medical_security_bureau",
            (
                _field("scheme", "参保险种", "Scheme"),
                _field("status", "参保状态", "Status"),
                _field("since", "参保日期", "Enrolled since", "date"),
                _field("balance", "个人账户余额", "Account balance", "amount"),
            ),
        ),
        _service(
            "housing_fund.deposit_certificate",
            "住房公积金缴存证明",
            "Housing fund deposits",
            Category.HOUSING_FUND,
            "housing_fund",
            "housing_fund_centre",
            (
                _field("account_no", "个人账号", "Account no."),
                _field("balance", "账户余额", "Balance", "amount"),
                _field("rate", "缴存比例", "Rate", "percent"),
                _field(
                    "deposits",
                    "缴存明细",
                    "Deposits",
                    "table",
                    _col("month", "汇缴月份", "Month", "month"),
                    _col("amount", "缴存金额", "Amount", "amount"),
                ),
            ),
        ),
        _service(
            "electricity.payment_records",
            "电费缴费记录",
            "Electricity payments",
            Category.ELECTRICITY,
            "electricity",
            "state_grid",
            (
                _field("account", "用电户号", "Account no."),
                _field("address", "用电地址", "Address"),
                _field(
                    "payments",
                    "缴费记录",
                    "Payments",
                    "table",
                    _col("date", "缴费日期", "Date", "date"),
                    _col("amount", "缴费金额", "Amount", "amount"),
                    _col("channel", "缴费渠道", "Channel"),
                ),
            ),
        ),
    )
}

_VALUES: dict[str, Mapping[str, Any]] = {
    "real_estate": {"property_count": 2},
    "social_insurance": {
        "insured_status": "正常参保",
        "first_enrolled": "2010-07-01",
        "total_months": 174,
    },
    "pension": {"monthly_amount": "3862.40"},
    "medical_insurance": {
        "scheme": "职工基本医疗保险",
        "status": "正常参保",
        "since": "2010-07-01",
        "balance": "12580.66",
    },
    "housing_fund": {"account_no": "4104020012345678", "balance": "48210.35", "rate": 12},
    "electricity": {
        "account": "4100123456789",
        "address": "平顶山市新华区建设路中段 18 号院 3 号楼 2 单元 401",
    },
}

_TABLES: dict[str, Mapping[str, list[dict[str, Any]]]] = {
    "real_estate": {
        "properties": [
            {
                "cert_no": "豫(2019)平顶山市不动产权第0012345号",
                "address": "平顶山市新华区建设路中段 18 号院 3 号楼 2 单元 401 室",
                "area": "89.50",
                "use": "成套住宅",
                "registered": "2019-06-18",
                "mortgage": "已抵押",
            },
            {
                "cert_no": "豫(2021)平顶山市不动产权第0034567号",
                "address": "平顶山市湛河区开源路 66 号车位 B-112",
                "area": "13.2",
                "use": "车位",
                "registered": "2021-03-02",
                "mortgage": "无",
            },
        ]
    },
    "property_archive": {
        "archives": [
            {
                "archive_no": "PDS-2019-0012345",
                "address": "平顶山市新华区建设路中段 18 号院 3 号楼 2 单元 401 室",
                "area": "89.50",
                "date": "2019-06-18",
            },
        ]
    },
    "social_insurance": {"payments": _months(60, "6500.00", "平顶山市某某科技有限公司")},
    "pension": {
        "payments": [
            {"month": f"2024-{m:02d}", "amount": "3862.40", "bank": "中国工商银行"}
            for m in range(12, 0, -1)
        ]
    },
    "housing_fund": {
        "deposits": [{"month": f"2024-{m:02d}", "amount": "1560.00"} for m in range(12, 0, -1)]
    },
    "electricity": {
        "payments": [
            {"date": f"2024-{m:02d}-05", "amount": f"{80 + m * 7.5:.2f}", "channel": "网上国网"}
            for m in range(12, 0, -1)
        ]
    },
}


def sample_result(family: str, record_found: bool = True, rows: int | None = None) -> QueryResult:
    """A plausible answer for the family's sample service; `rows` resizes its first table."""
    service = SERVICES[family]
    tables = dict(_TABLES.get(family, {}))
    if rows is not None and tables:
        key, existing = next(iter(tables.items()))
        tables[key] = [existing[i % len(existing)] for i in range(rows)]
    if not record_found:
        return QueryResult(service_id=service.id, record_found=False, data_as_of="2025-01-15")
    return QueryResult(
        service_id=service.id,
        values=dict(_VALUES.get(family, {})),
        tables=tables,
        data_as_of="2025-01-15",
        backend_reference="DEMO-REF-1",
    )
