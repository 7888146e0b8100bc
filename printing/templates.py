"""The certificate template families: titles and the sentences that frame the result (pure).

A service names its family in `Service.template`; the result fields themselves come from the
service record, so a template only says what kind of document it is and what "no record"
certifies (for real estate that is the no-property proof, 无房证明).
"""

from __future__ import annotations

from dataclasses import dataclass

from printing.errors import UnknownTemplate


@dataclass(frozen=True)
class TemplateSpec:
    family: str
    title_zh: str
    title_en: str
    # {name}, {id_number}, {service}, {agency} and {as_of} are filled in by the layout.
    statement_zh: str
    no_record_title_zh: str
    no_record_title_en: str
    no_record_statement_zh: str
    usage_note_zh: str = "本证明仅证明查询时点的登记情况，供办理相关业务使用。"


_DEFAULT_NO_RECORD = (
    "经查询，截至{as_of}，未查询到{name}（公民身份号码：{id_number}）的{service}记录。"
)

TEMPLATES: dict[str, TemplateSpec] = {
    spec.family: spec
    for spec in (
        TemplateSpec(
            family="real_estate",
            title_zh="不动产登记信息查询结果证明",
            title_en="Certificate of Real Estate Registration Information",
            statement_zh="经查询不动产登记簿，截至{as_of}，{name}（公民身份号码：{id_number}）"
            "名下的不动产登记信息如下：",
            no_record_title_zh="无房证明",
            no_record_title_en="Certificate of No Registered Real Estate",
            no_record_statement_zh="经查询不动产登记簿，截至{as_of}，{name}（公民身份号码："
            "{id_number}）在本登记机构辖区内无不动产（房屋）登记记录。",
            usage_note_zh="本证明仅反映查询时点本登记机构辖区内的登记情况。",
        ),
        TemplateSpec(
            family="property_archive",
            title_zh="房产档案查询证明",
            title_en="Certificate of Property Archive Records",
            statement_zh="经查询房产档案，截至{as_of}，{name}（公民身份号码：{id_number}）"
            "的房产档案信息如下：",
            no_record_title_zh="房产档案查询证明（无记录）",
            no_record_title_en="Certificate of Property Archive Records (none found)",
            no_record_statement_zh="经查询房产档案，截至{as_of}，未查询到{name}（公民身份号码："
            "{id_number}）的房产档案记录。",
        ),
        TemplateSpec(
            family="social_insurance",
            title_zh="社会保险个人参保证明",
            title_en="Certificate of Social Insurance Enrolment and Contributions",
            statement_zh="兹证明{name}（公民身份号码：{id_number}）的社会保险参保及缴费情况如下"
            "（数据截至{as_of}）：",
            no_record_title_zh="社会保险参保查询证明（无记录）",
            no_record_title_en="Social Insurance Enquiry (no record)",
            no_record_statement_zh=_DEFAULT_NO_RECORD,
        ),
        TemplateSpec(
            family="pension",
            title_zh="养老金发放明细证明",
            title_en="Certificate of Pension Payments",
            statement_zh="兹证明{name}（公民身份号码：{id_number}）的基本养老金发放情况如下"
            "（数据截至{as_of}）：",
            no_record_title_zh="养老金发放查询证明（无记录）",
            no_record_title_en="Pension Payment Enquiry (no record)",
            no_record_statement_zh=_DEFAULT_NO_RECORD,
        ),
        TemplateSpec(
            family="medical_insurance",
            title_zh="基本医疗保险参保凭证",
            title_en="Certificate of Basic Medical Insurance Enrolment",
            statement_zh="兹证明{name}（公民身份号码：{id_number}）的基本医疗保险参保情况如下"
            "（数据截至{as_of}）：",
            no_record_title_zh="医疗保险参保查询证明（无记录）",
            no_record_title_en="Medical Insurance Enquiry (no record)",
            no_record_statement_zh=_DEFAULT_NO_RECORD,
        ),
        TemplateSpec(
            family="housing_fund",
            title_zh="住房公积金缴存证明",
            title_en="Certificate of Housing Provident Fund Deposits",
            statement_zh="兹证明{name}（公民身份号码：{id_number}）的住房公积金缴存情况如下"
            "（数据截至{as_of}）：",
            no_record_title_zh="住房公积金查询证明（无记录）",
            no_record_title_en="Housing Provident Fund Enquiry (no record)",
            no_record_statement_zh=_DEFAULT_NO_RECORD,
        ),
        TemplateSpec(
            family="electricity",
            title_zh="电费缴费记录单",
            title_en="Electricity Payment Record",
            statement_zh="{name}（公民身份号码：{id_number}）名下用电户的缴费记录如下"
            "（数据截至{as_of}）：",
            no_record_title_zh="电费缴费查询结果（无记录）",
            no_record_title_en="Electricity Payment Enquiry (no record)",
            no_record_statement_zh=_DEFAULT_NO_RECORD,
            usage_note_zh="本记录单根据供电企业营销系统数据生成，仅供参考和办理相关业务使用。",
        ),
    )
}


def template_for(family: str | None) -> TemplateSpec:
    if family is None or family not in TEMPLATES:
        raise UnknownTemplate(f"no certificate template family {family!r}")
    return TEMPLATES[family]
