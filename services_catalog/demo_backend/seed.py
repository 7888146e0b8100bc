"""Sample data of the demo back-end: the four demo persons of the design, in SQLite.

Histories run up to the month before `today`, so the demo always looks current. People are keyed
by `subject_key(id_number)` (a SHA-256), and only masked names are stored, so even a demo
database written to a file holds no ID number or name in clear. The data are invented but
shaped like the real systems' (certificate numbers, contribution rates, tiered tariffs).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

ZHANG_WEI = "410402198805201238"
LI_XIUYING = "410403195608120028"
WANG_JIANGUO = "410425197311034513"
ZHAO_SHULAN = "11010519491231002X"
FAMILIES = (
    "real_estate", "social_insurance", "medical_insurance", "pension", "housing_fund", "electricity",
)  # fmt: skip

SCHEMA = """
CREATE TABLE known (subject TEXT, family TEXT, PRIMARY KEY (subject, family));
CREATE TABLE properties (subject TEXT, scope TEXT, cert_no TEXT, location TEXT, usage TEXT,
  area REAL, right_type TEXT, registered_on TEXT, status TEXT, archive_no TEXT, structure TEXT,
  floor TEXT);
CREATE TABLE encumbrances (subject TEXT, kind TEXT, proof_no TEXT, location TEXT, holder TEXT,
  amount REAL, term TEXT, registered_on TEXT);
CREATE TABLE contracts (subject TEXT, kind TEXT, contract_no TEXT, location TEXT, area REAL,
  price REAL, signed_on TEXT, status TEXT);
CREATE TABLE maintenance (subject TEXT, location TEXT, date TEXT, item TEXT, amount REAL);
CREATE TABLE contributions (subject TEXT, insurance TEXT, month TEXT, base REAL, personal REAL,
  employer REAL, employer_name TEXT, status TEXT);
CREATE TABLE medical_account (subject TEXT, date TEXT, item TEXT, amount REAL);
CREATE TABLE settlements (subject TEXT, date TEXT, hospital TEXT, type TEXT, total REAL,
  fund_paid REAL, self_paid REAL);
CREATE TABLE pension_payments (subject TEXT, scheme TEXT, month TEXT, basic REAL,
  adjustment REAL, paid_on TEXT, bank TEXT);
CREATE TABLE hf_account (subject TEXT PRIMARY KEY, account_no TEXT, employer TEXT, status TEXT,
  base REAL, rate REAL, opened_on TEXT);
CREATE TABLE hf_deposits (subject TEXT, month TEXT, base REAL, personal REAL, employer REAL,
  status TEXT);
CREATE TABLE hf_withdrawals (subject TEXT, date TEXT, reason TEXT, amount REAL, status TEXT);
CREATE TABLE hf_loans (subject TEXT, contract_no TEXT, location TEXT, amount REAL,
  term_months INTEGER, rate REAL, start_on TEXT, status TEXT);
CREATE TABLE elec_accounts (subject TEXT, account_no TEXT PRIMARY KEY, address TEXT,
  category TEXT, pricing TEXT, voltage TEXT, meter_no TEXT, opened_on TEXT, balance REAL);
CREATE TABLE elec_bills (account_no TEXT, month TEXT, usage_kwh INTEGER, peak_kwh INTEGER,
  amount REAL, status TEXT);
CREATE TABLE elec_payments (account_no TEXT, paid_on TEXT, amount REAL, channel TEXT,
  reference TEXT);
CREATE TABLE cases (subject TEXT, business TEXT, case_no TEXT, title TEXT, stage TEXT,
  accepted_on TEXT, expected_on TEXT);
CREATE TABLE records (subject TEXT, family TEXT, topic TEXT, body TEXT,
  PRIMARY KEY (subject, family, topic));
"""

EMPLOYER = "平顶山市鹰城信息科技有限公司"
HOME = "新华区建设路中段锦绣花园3号楼2单元1402室"
# Rates (personal, employer) by insurance type, as the city's 2020s schedule.
RATES = {
    "pension": (0.08, 0.16),
    "medical": (0.02, 0.08),
    "unemployment": (0.003, 0.007),
    "work_injury": (0.0, 0.004),
    "maternity": (0.0, 0.008),
}


def subject_key(id_number: str) -> str:
    return hashlib.sha256(id_number.strip().upper().encode("ascii")).hexdigest()


def months(start: str, end: str) -> Iterator[str]:
    """'2019-08' .. '2020-02' inclusive."""
    year, month = map(int, start.split("-"))
    while f"{year:04d}-{month:02d}" <= end:
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def last_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def create(conn: sqlite3.Connection, today: date) -> None:
    conn.executescript(SCHEMA)
    rng = random.Random(20240520)  # fixed: the demo data are the same on every start
    _zhang_wei(conn, today, rng)
    _li_xiuying(conn, today, rng)
    _wang_jianguo(conn, today, rng)
    _zhao_shulan(conn, today, rng)
    conn.commit()


def _insert(conn: sqlite3.Connection, table: str, *rows: tuple[Any, ...]) -> None:
    if rows:
        marks = ",".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def _record(conn: sqlite3.Connection, subject: str, family: str, topic: str, **body: Any) -> None:
    _insert(conn, "records", (subject, family, topic, json.dumps(body, ensure_ascii=False)))


def _known(conn: sqlite3.Connection, subject: str, *families: str) -> None:
    _insert(conn, "known", *[(subject, f) for f in families])


def _contributions(
    conn: sqlite3.Connection, subject: str, start: str, end: str, base0: float, growth: float,
    employer: str, insurances: tuple[str, ...], rates: dict[str, tuple[float, float]] = RATES,
) -> None:  # fmt: skip
    rows = []
    for month in months(start, end):
        base = round(base0 * (1 + growth) ** (int(month[:4]) - int(start[:4])), -1)
        for ins in insurances:
            personal, emp = rates[ins]
            rows.append(
                (subject, ins, month, base, round(base * personal, 2), round(base * emp, 2),
                 employer, "已到账")
            )  # fmt: skip
    _insert(conn, "contributions", *rows)


def _zhang_wei(conn: sqlite3.Connection, today: date, rng: random.Random) -> None:
    s = subject_key(ZHANG_WEI)
    end = last_month(today)
    _known(conn, s, *FAMILIES)
    cert = "豫(2019)平顶山市不动产权第0012345号"
    _insert(
        conn, "properties",
        (s, "current", cert, HOME, "成套住宅", 118.56, "国有建设用地使用权/房屋所有权",
         "2019-08-16", "现势", "PDS-XH-2019-004512", "钢筋混凝土", "14/26"),
        (s, "current", "豫(2021)平顶山市不动产权第0034567号", "新华区建设路中段锦绣花园地下车库B-086",
         "车位", 13.20, "国有建设用地使用权/房屋所有权", "2021-03-09", "现势",
         "PDS-XH-2021-001877", "钢筋混凝土", "-1/-2"),
        (s, "history", "豫(2016)平顶山市不动产权第0003021号", "卫东区优越路锦江苑5号楼601室",
         "成套住宅", 86.40, "国有建设用地使用权/房屋所有权", "2016-05-20", "已注销(转移)",
         "PDS-WD-2016-000932", "砖混", "6/6"),
        (s, "land", cert, "新华区建设路中段锦绣花园(宗地号410402005003GB00021)", "城镇住宅用地",
         28.31, "国有建设用地使用权(分摊)", "2019-08-16", "现势,2084-03-31止", "", "", ""),
    )  # fmt: skip
    _insert(
        conn, "encumbrances",
        (s, "mortgage", "豫(2019)平顶山市不动产证明第0023456号", HOME, "平顶山市住房公积金管理中心",
         400000.0, "2019-09-10至2044-09-09", "2019-09-06"),
        (s, "mortgage", "豫(2019)平顶山市不动产证明第0023457号", HOME,
         "中国建设银行股份有限公司平顶山分行", 180000.0, "2019-09-10至2039-09-09", "2019-09-06"),
    )  # fmt: skip
    _insert(
        conn, "contracts",
        (s, "presale", "YS2018041102389", HOME, 118.56, 786500.0, "2018-04-11", "已办理不动产登记"),
        (s, "online", "WQ2018041100517", HOME, 118.56, 786500.0, "2018-04-11", "已备案"),
        (s, "online", "WQ2021030200884", "锦绣花园地下车库B-086", 13.20, 98000.0, "2021-03-02",
         "已备案"),
        (s, "resale", "CL2019061500213", "卫东区优越路锦江苑5号楼601室", 86.40, 452000.0,
         "2019-06-15", "已过户(出卖方)"),
    )  # fmt: skip
    _insert(
        conn, "maintenance",
        (s, HOME, "2019-08-02", "首次交存", 9484.80),
        (s, HOME, "2020-12-31", "年度增值分配", 142.27),
        (s, HOME, "2022-12-31", "年度增值分配", 139.80),
        (s, HOME, "2023-06-18", "3号楼电梯维修分摊", -356.20),
        (s, HOME, "2024-12-31", "年度增值分配", 131.05),
    )  # fmt: skip
    _contributions(conn, s, "2010-07", end, 2400.0, 0.075, EMPLOYER, tuple(RATES))
    # Medical account: the personal 2% is credited monthly; pharmacy and clinic spending.
    entries = []
    for month in months("2016-01", end):
        base = conn.execute(
            "SELECT base FROM contributions WHERE subject=? AND insurance='medical' AND month=?",
            (s, month),
        ).fetchone()[0]
        entries.append((s, f"{month}-15", "个人缴费划入", round(base * 0.02, 2)))
        if rng.random() < 0.3:
            entries.append((s, f"{month}-2{rng.randint(0, 8)}", "定点药店购药",
                            -round(rng.uniform(18, 160), 2)))  # fmt: skip
    _insert(conn, "medical_account", *entries)
    hospitals = ["平顶山市第一人民医院", "平煤神马医疗集团总医院", "平顶山市中医医院"]
    visits = []
    for year in range(2018, today.year + 1):
        for n in range(3):
            day = date(year, 1 + 4 * n, 3 + 7 * n)
            if day >= today:
                break
            total = round(rng.uniform(120, 900), 2)
            fund = round(total * 0.62, 2)
            visits.append((s, day.isoformat(), hospitals[n], "普通门诊", total, fund,
                           round(total - fund, 2)))  # fmt: skip
    _insert(conn, "settlements", *visits)
    # Housing fund: 12% + 12% since August 2010; a loan since 2019.
    _insert(
        conn, "hf_account", (s, "410400100012345", EMPLOYER, "正常缴存", 0.0, 0.12, "2010-08-05")
    )
    deposits = []
    for month in months("2010-08", end):
        base = round(2400.0 * 1.075 ** (int(month[:4]) - 2010), -1)
        deposits.append((s, month, base, round(base * 0.12, 2), round(base * 0.12, 2), "已入账"))
    _insert(conn, "hf_deposits", *deposits)
    conn.execute("UPDATE hf_account SET base=? WHERE subject=?", (deposits[-1][2], s))
    withdrawals = [(s, "2019-07-22", "购买自住住房", 68000.0, "已到账")]
    for year in range(2020, today.year):
        withdrawals.append((s, f"{year}-10-12", "偿还住房公积金贷款", 14000.0, "已到账"))
    _insert(conn, "hf_withdrawals", *withdrawals)
    _insert(conn, "hf_loans", (s, "平公积金贷字2019第01234号", HOME, 400000.0, 300, 2.85,
                                "2019-09-10", "正常还款"))  # fmt: skip
    # Electricity: one household account, monthly bills with summer and winter peaks.
    acct = "4110203344"
    _insert(conn, "elec_accounts", (s, acct, "平顶山市" + HOME, "居民生活用电", "阶梯电价+峰谷分时",
                                    "交流220V", "4130001286452", "2019-09-02", 86.45))  # fmt: skip
    _bills(conn, acct, "2019-10", end, rng, base_kwh=190)
    _cases(conn, s, today, [
        ("real_estate_registration", "抵押权注销登记", "登簿", 12),
        ("ss_card", "第三代社会保障卡换领", "制卡中", 9),
        ("hf_loan", "住房公积金个人住房贷款", "已放款", 2640),
        ("power_application", "居民峰谷分时电价变更", "已归档", 40),
    ])  # fmt: skip
    _record(conn, s, "real_estate", "registry_book", unit_no="410402005003GB00021F00031402",
            location=HOME, co_ownership="单独所有", right_nature="市场化商品房",
            land_area=28.31, land_term="2014-04-01起2084-03-31止")  # fmt: skip
    _record(conn, s, "real_estate", "registration_fee", total=630.0, fees=[
        {"date": "2019-08-16", "item": "住宅类不动产登记费", "amount": 80.0, "receipt_no": "0041873301"},
        {"date": "2019-09-06", "item": "抵押权登记费", "amount": 80.0, "receipt_no": "0041902255"},
        {"date": "2021-03-09", "item": "非住宅类不动产登记费", "amount": 550.0 - 80.0,
         "receipt_no": "0052201437"},
    ])  # fmt: skip
    _record(conn, s, "real_estate", "e_certificate", licence_count=2, licences=[
        {"licence_no": "41040020190816000451", "cert_no": cert, "issued_on": "2019-08-16",
         "status": "有效"},
        {"licence_no": "41040020210309001876", "cert_no": "豫(2021)平顶山市不动产权第0034567号",
         "issued_on": "2021-03-09", "status": "有效"},
    ])  # fmt: skip
    _record(conn, s, "real_estate", "survey_report", survey_no="PDSCH-2017-03-0412",
            location=HOME, building_area=118.56, inner_area=96.12, shared_area=22.44,
            surveyed_on="2017-11-20")  # fmt: skip
    bases = conn.execute(
        "SELECT substr(month,1,4), max(base) FROM contributions WHERE subject=? AND "
        "insurance='pension' GROUP BY 1 ORDER BY 1 DESC", (s,)).fetchall()  # fmt: skip
    _record(
        conn,
        s,
        "social_insurance",
        "contribution_base",
        current_base=bases[0][1],
        bases=[{"year": y, "base": b, "employer": EMPLOYER} for y, b in bases],
    )
    _record(
        conn,
        s,
        "social_insurance",
        "card_status",
        card_no="D4104****2871",
        status="正常",
        bank="中国工商银行平顶山分行",
        issued_on="2017-06-12",
        valid_to="2027-06-11",
    )
    _record(conn, s, "social_insurance", "employment_registration", employer=EMPLOYER,
            job="软件工程师", contract_type="无固定期限劳动合同", registered_on="2010-07-05",
            status="就业")  # fmt: skip
    _record(conn, s, "social_insurance", "arrears", status="无欠费", months=0, amount=0)
    _record(conn, s, "social_insurance", "skill_subsidy", total=1500.0, claims=[
        {"claimed_on": "2021-11-03", "certificate": "计算机技术与软件专业技术资格(中级)",
         "amount": 1500.0, "status": "已发放"},
    ])  # fmt: skip
    _record(conn, s, "social_insurance", "employer_info", employer=EMPLOYER,
            credit_code="91410400MA3X5K2B7N", address="平顶山市新华区光明路与中兴路交叉口创业大厦12层",
            enrolled_since="2010-07-01")  # fmt: skip
    _record(conn, s, "medical_insurance", "enrollment", medical_no="41040019880520****",
            insured_type="职工基本医疗保险(在职)", status="参保缴费", since="2010-07-01",
            region="平顶山市本级", employer=EMPLOYER)  # fmt: skip
    _record(conn, s, "medical_insurance", "family_mutual_aid", count=1, members=[
        {"relation": "配偶", "name": "刘*", "bound_on": "2023-03-14"},
    ])  # fmt: skip
    _record(
        conn,
        s,
        "medical_insurance",
        "e_voucher",
        status="已激活",
        activated_on="2020-05-08",
        channel="微信",
    )
    _record(
        conn,
        s,
        "pension",
        "enterprise_annuity",
        plan="鹰城信息科技企业年金计划",
        balance=38215.46,
        personal_total=12600.0,
        employer_total=23400.0,
        since="2018-01-01",
    )
    _record(
        conn,
        s,
        "housing_fund",
        "employer",
        employer=EMPLOYER,
        unit_account="410400200008821",
        deposit_rate=12,
        status="正常缴存",
    )
    _record(conn, s, "housing_fund", "withdrawal_eligibility", rows=[
        {"reason": "偿还本市住房公积金贷款", "eligible": "符合", "note": "每年可提取一次"},
        {"reason": "租赁住房", "eligible": "不符合", "note": "名下有住房"},
        {"reason": "购买自住住房", "eligible": "不符合", "note": "已于2019年提取"},
    ])  # fmt: skip
    interest, running = [], 0.0
    for year in range(2011, today.year):
        running += sum(d[3] + d[4] for d in deposits if d[1].startswith(str(year)))
        running -= sum(w[3] for w in withdrawals if w[1].startswith(str(year)))
        earned = round(running * 0.015, 2)  # 1.5% a year on the fund balance
        running += earned
        interest.append({"date": f"{year}-06-30", "interest": earned,
                         "balance_after": round(running, 2)})  # fmt: skip
    _record(conn, s, "housing_fund", "interest", rows=interest[::-1])
    _record(
        conn,
        s,
        "medical_insurance",
        "remote_filing",
        filing_type="异地长期居住(工作派驻)",
        place="河南省郑州市",
        valid_from="2025-03-01",
        valid_to="2026-02-28",
        status="已到期",
    )
    _record(conn, s, "housing_fund", "overdue", status="无逾期", overdue_count=0, overdue_amount=0)
    _record(conn, s, "electricity", "outage", rows=[
        {"date": (today + timedelta(days=6)).isoformat(), "time": "08:00-17:30",
         "area": "建设路中段锦绣花园、建设路小区", "reason": "10kV线路检修"},
    ])  # fmt: skip
    _record(conn, s, "electricity", "meter", meter_no="4130001286452",
            meter_type="智能电能表(单相费控)", installed_on="2019-09-02", last_reading=16472,
            read_on=f"{last_month(today)}-28")  # fmt: skip


def _bills(
    conn: sqlite3.Connection, acct: str, start: str, end: str, rng: random.Random, base_kwh: int
) -> None:
    season = {1: 1.5, 2: 1.3, 7: 1.8, 8: 1.9, 12: 1.4}
    bills, pays = [], []
    for n, month in enumerate(months(start, end)):
        kwh = int(base_kwh * season.get(int(month[5:]), 1.0) * rng.uniform(0.85, 1.15))
        amount = round(kwh * 0.56, 2)
        bills.append((acct, month, kwh, int(kwh * 0.55), amount, "已结清"))
        channel = ("网上国网", "支付宝", "微信支付", "银行代扣")[n % 4]
        pays.append((acct, f"{month}-0{3 + n % 6}", round(amount + 20, 0), channel,
                     f"{month.replace('-', '')}{rng.randint(10**9, 10**10 - 1)}"))  # fmt: skip
    _insert(conn, "elec_bills", *bills)
    _insert(conn, "elec_payments", *pays)


def _cases(
    conn: sqlite3.Connection, s: str, today: date, cases: list[tuple[str, str, str, int]]
) -> None:
    rows = []
    for i, (business, title, stage, days_ago) in enumerate(cases):
        accepted = today - timedelta(days=days_ago)
        rows.append((s, business, f"{accepted:%Y%m%d}{4100 + i:04d}", title, stage,
                     accepted.isoformat(), (accepted + timedelta(days=15)).isoformat()))  # fmt: skip
    _insert(conn, "cases", *rows)


def _li_xiuying(conn: sqlite3.Connection, today: date, rng: random.Random) -> None:
    """Retired in 2011 from a textile mill; lives alone in an old flat."""
    s = subject_key(LI_XIUYING)
    _known(
        conn, s, "real_estate", "social_insurance", "medical_insurance", "pension", "electricity"
    )
    addr = "卫东区建设路东段纺织厂家属院7号楼3单元201室"
    _insert(conn, "properties", (s, "current", "豫(2015)平顶山市不动产权第0005678号", addr,
            "成套住宅", 76.30, "国有建设用地使用权/房屋所有权", "2015-11-02", "现势",
            "PDS-WD-1998-000211", "砖混", "2/6"))  # fmt: skip
    _contributions(conn, s, "2001-01", "2011-07", 900.0, 0.08, "平顶山市棉纺织厂",
                   ("pension", "medical"))  # fmt: skip
    payments = []
    for month in months("2011-09", last_month(today)):
        years = int(month[:4]) - 2011
        basic = 1480.0
        payments.append((s, "employee", month, basic, round(basic * (1.05**years - 1), 2),
                         f"{month}-10", "中国邮政储蓄银行"))  # fmt: skip
    _insert(conn, "pension_payments", *payments)
    monthly = payments[-1][3] + payments[-1][4]
    _insert(
        conn,
        "medical_account",
        *[(s, f"{m}-15", "退休人员定额划入", 120.0) for m in months("2021-01", last_month(today))],
    )
    _insert(conn, "settlements", (s, f"{today.year}-03-11", "平顶山市第二人民医院", "门诊慢特病",
                                  642.5, 546.13, 96.37))  # fmt: skip
    _record(
        conn,
        s,
        "pension",
        "retiree",
        pension_type="企业职工基本养老金",
        retired_on="2011-08-31",
        monthly_amount=round(monthly, 2),
        status="正常发放",
        bank="中国邮政储蓄银行",
    )
    _record(
        conn,
        s,
        "pension",
        "qualification",
        status="已认证",
        method="人脸识别(自助终端)",
        last_checked_on=f"{today.year}-03-02",
        next_due=f"{today.year + 1}-03-01",
    )
    _record(conn, s, "medical_insurance", "chronic_disease", diseases=[
        {"disease": "高血压(Ⅱ级)", "approved_on": "2019-05-14", "valid_to": "2029-05-13",
         "hospital": "平顶山市第二人民医院"}])  # fmt: skip
    _record(conn, s, "medical_insurance", "enrollment", medical_no="41040319560812****",
            insured_type="职工基本医疗保险(退休)", status="享受待遇", since="2001-01-01",
            region="平顶山市本级", employer="平顶山市棉纺织厂")  # fmt: skip
    _insert(conn, "elec_accounts", (s, "4110207781", "平顶山市" + addr, "居民生活用电", "阶梯电价",
                                    "交流220V", "4130000913377", "1998-06-20", 152.30))  # fmt: skip
    _bills(conn, "4110207781", "2023-01", last_month(today), rng, base_kwh=95)


def _wang_jianguo(conn: sqlite3.Connection, today: date, rng: random.Random) -> None:
    """Self-employed since 2015, two homes (one frozen by a court), arrears on electricity."""
    s = subject_key(WANG_JIANGUO)
    _known(
        conn, s, "real_estate", "social_insurance", "medical_insurance", "pension", "electricity"
    )
    home = "湛河区开源路南段湛河人家2号楼1单元502室"
    _insert(
        conn, "properties",
        (s, "current", "豫(2017)平顶山市不动产权第0009876号", home, "成套住宅", 132.75,
         "国有建设用地使用权/房屋所有权", "2017-10-23", "现势", "PDS-ZH-2017-002231", "框架", "5/18"),
        (s, "current", "豫(2020)平顶山市不动产权第0027711号", "湛河区南环路临街商铺12号", "商业服务",
         64.10, "国有建设用地使用权/房屋所有权", "2020-06-30", "现势(查封)", "PDS-ZH-2020-000814",
         "框架", "1/2"),
    )  # fmt: skip
    _insert(conn, "encumbrances", (s, "seizure", "(2025)豫0411执保1234号", "湛河区南环路临街商铺12号",
            "平顶山市湛河区人民法院", 260000.0, "三年", "2025-04-17"))  # fmt: skip
    flexible = {"pension": (0.20, 0.0), "medical": (0.08, 0.0)}  # self-employed pay it all
    _contributions(conn, s, "2015-01", last_month(today), 3300.0, 0.05, "个人(灵活就业)",
                   ("pension", "medical"), flexible)  # fmt: skip
    _insert(conn, "elec_accounts", (s, "4110215509", "平顶山市" + home, "居民生活用电", "阶梯电价",
                                    "交流220V", "4130002231009", "2017-11-01", -213.60))  # fmt: skip
    _bills(conn, "4110215509", "2024-01", last_month(today), rng, base_kwh=260)


def _zhao_shulan(conn: sqlite3.Connection, today: date, rng: random.Random) -> None:
    """A rural resident: resident pension and resident medical insurance, no home of her own."""
    s = subject_key(ZHAO_SHULAN)
    _known(conn, s, "real_estate", "social_insurance", "medical_insurance", "pension")
    _insert(conn, "pension_payments", *[
        (s, "resident", m, 118.0, round(5.0 * (int(m[:4]) - 2014), 2), f"{m}-20",
         "平顶山农村商业银行") for m in months("2014-01", last_month(today))
    ])  # fmt: skip
    _insert(conn, "contributions", *[
        (s, "resident_medical", f"{y}-01", 0.0, fee, 0.0, "个人(城乡居民)", "已到账")
        for y, fee in ((2021, 280.0), (2022, 320.0), (2023, 350.0), (2024, 380.0), (2025, 400.0))
    ])  # fmt: skip
