"""What the attendant panel says, in Chinese and English words, never raw codes.

Pure: no Qt, no I/O. Device states, paper states, kept jobs' states and the reasons a job did
not print all become short sentences; anything unknown becomes a plain "unknown" rather than
its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from devices.status import DeviceState, DeviceStatus, Paper

Pair = tuple[str, str]

DEVICE_NAMES: dict[str, Pair] = {
    "idcard_reader": ("身份证阅读器", "ID-card reader"),
    "camera": ("摄像头", "Camera"),
    "printer": ("证明打印机", "Certificate printer"),
    "receipt_printer": ("凭条打印机", "Receipt printer"),
    "seal": ("电子印章", "Electronic seal"),
}

STATES: dict[DeviceState, Pair] = {
    DeviceState.ONLINE: ("正常", "working"),
    DeviceState.OFFLINE: ("未连接", "not connected"),
    DeviceState.POWER_OFF: ("电源关闭", "switched off"),
    DeviceState.NO_DEVICE: ("未找到设备", "not found"),
    DeviceState.HARDWARE_ERROR: ("硬件故障", "hardware fault"),
    DeviceState.USER_ERROR: ("需要人工处理（如卡纸、缺纸、盖板未关）",
                             "needs a hand (e.g. paper jam, no paper, cover open)"),
    DeviceState.BUSY: ("忙", "busy"),
    DeviceState.STARTING: ("正在启动", "starting"),
}

PAPER: dict[Paper, Pair] = {
    Paper.FULL: ("纸张充足", "paper OK"),
    Paper.LOW: ("纸张不多，请及时补纸", "paper low: refill soon"),
    Paper.OUT: ("缺纸，请补纸", "out of paper: refill"),
    Paper.JAMMED: ("卡纸，请打开盖板取出", "paper jam: open the cover and clear it"),
    Paper.UNKNOWN: ("纸张情况未知", "paper level unknown"),
}

# Why a kept job did not print, from the reason the desk wrote (exception names, IPP words).
_REASONS: tuple[tuple[str, Pair], ...] = (
    ("in-doubt", ("可能已打出，请先查看出纸口", "may have printed: check the tray first")),
    ("PaperJam", ("卡纸", "paper jam")),
    ("jam", ("卡纸", "paper jam")),
    ("PaperOut", ("缺纸", "out of paper")),
    ("media-empty", ("缺纸", "out of paper")),
    ("PrinterOffline", ("打印机未连接", "printer not connected")),
    ("offline", ("打印机未连接", "printer not connected")),
    ("timeout", ("打印超时，已取消", "timed out, cancelled")),
    ("PrinterHung", ("打印机无响应", "printer did not answer")),
)


def pick(pair: Pair, language: str) -> str:
    return pair[0] if language == "zh" else pair[1]


def device_line(status: DeviceStatus, language: str) -> str:
    """One line per device: its name, its state in words, and paper for printers."""
    cls = status.device_class.value
    name = pick(DEVICE_NAMES.get(cls, ("设备", "Device")), language)
    state = pick(STATES.get(status.state, ("状态未知", "state unknown")), language)
    parts = [f"{name}：{state}" if language == "zh" else f"{name}: {state}"]
    if status.printer is not None:
        parts.append(pick(PAPER[status.printer.paper], language))
    if cls == "seal":
        # The seal's checks speak in sentences (kiosk.seals), not codes: they are kept.
        expires = status.info.get("expires")
        if expires:
            parts.append(pick((f"有效期至 {expires}", f"valid until {expires}"), language))
        if status.detail:
            parts.append(status.detail)
    return ("，" if language == "zh" else ", ").join(parts)


def paper_line(statuses: Sequence[DeviceStatus], language: str) -> str:
    """The certificate printer's paper, for the panel's headline ("" when there is none)."""
    for status in statuses:
        if status.device_class.value == "printer" and status.printer is not None:
            label = pick(("证明打印机纸张", "Certificate printer paper"), language)
            sep = "：" if language == "zh" else ": "
            return f"{label}{sep}{pick(PAPER[status.printer.paper], language)}"
    return ""


def job_state(status: str, reason: str, language: str) -> str:
    if status == "pending":
        return pick(("等待打印", "waiting to print"), language)
    for needle, words in _REASONS:
        if needle.lower() in reason.lower():
            return pick(("未打出：", "not printed: "), language) + pick(words, language)
    return pick(("未打出", "not printed"), language)


# Why the terminal cannot serve: the runtime's reasons are "source: detail" lines for logs and
# the heartbeat; the panel names the source in words and keeps an English detail for English.
_SOURCES: dict[str, Pair] = {
    **{cls: (f"{zh}不能使用", f"{en} cannot be used") for cls, (zh, en) in DEVICE_NAMES.items()},
    "reader": ("身份证阅读器不能使用", "ID-card reader cannot be used"),
    "seals": ("电子印章不能使用", "Electronic seal cannot be used"),
    "timestamp": ("时间戳服务不能使用", "Time-stamping service cannot be used"),
    "trust_roots": ("信任根证书有误", "Trust roots are wrong"),
    "storage": ("数据无法写入", "Data cannot be written"),
    "database": ("数据库不能使用", "Database cannot be used"),
    "data_dir": ("数据目录空间不足或不可用", "Data directory is full or unusable"),
    "config": ("配置文件有误", "Config file is wrong"),
    "switches": ("业务开关文件有误", "Service switch file is wrong"),
    "audit_key": ("审计密钥不能使用", "Audit key cannot be used"),
    "terminal_key": ("终端密钥不能使用", "Terminal key cannot be used"),
    "start": ("启动未完成，正在自动重试", "Start-up did not finish; retrying by itself"),
}
_WHOLE_REASONS: dict[str, Pair] = {
    "outside opening hours": ("不在开放时间", "outside opening hours"),
    "starting": ("正在启动", "starting"),
}
_OTHER_REASON: Pair = ("其他原因，请运行 kiosk-admin preflight 查看",
                       "another reason: run kiosk-admin preflight")


def reason_line(reason: str, language: str) -> str:
    """One reason the terminal cannot serve, in words (never a source code such as
    `idcard_reader`); in English the detail follows, for the staff who fix it."""
    if reason in _WHOLE_REASONS:
        return pick(_WHOLE_REASONS[reason], language)
    source, _, detail = reason.partition(": ")
    words = _SOURCES.get(source)
    if words is None:
        return pick(_OTHER_REASON, language)
    if language == "zh" or not detail or "_" in detail or "=" in detail:
        return pick(words, language)
    return f"{words[1]} ({detail})"


class KeptJob(Protocol):
    """The shape of kiosk.store.jobs.WaitingJob that the list needs."""

    id: int
    created_at: datetime
    verification_code: str
    service_name_zh: str
    holder_masked_name: str
    status: str
    reason: str


@dataclass(frozen=True)
class JobRow:
    """A kept job as one line of the staff's list."""

    job_id: int
    text: str
    in_doubt: bool


def job_rows(jobs: Sequence[KeptJob], language: str, zone: tzinfo | None = None) -> list[JobRow]:
    """Time (local), masked name, service, verification code and state of each kept job, in
    the given order. The code is the one on the citizen's claim slip (not personal data)."""
    unknown = pick(("（未知）", "(unknown)"), language)
    return [
        JobRow(job.id,
               f"{job.created_at.astimezone(zone):%m-%d %H:%M} · "
               f"{job.holder_masked_name or unknown} · {job.service_name_zh} · "
               f"{job.verification_code} · {job_state(job.status, job.reason, language)}",
               "in-doubt" in job.reason)
        for job in jobs
    ]


SCREEN_NAMES: dict[str, Pair] = {
    "home": ("业务类别", "the categories"),
    "service_list": ("业务列表", "a service list"),
    "all_services": ("服务清单", "the list of services"),
    "place_card": ("刷身份证", "the ID-card step"),
    "face": ("人脸核验", "the face check"),
    "inputs": ("填写信息", "the form"),
    "result": ("查询结果", "a result"),
    "print_kept": ("打印失败（证明已保存）", "a failed print (kept)"),
    "error": ("出错提示", "an error"),
    "done": ("办理完成", "the done screen"),
}


def screen_name(screen: str, language: str) -> str:
    return pick(SCREEN_NAMES.get(screen, ("自助终端", "the terminal")), language)
