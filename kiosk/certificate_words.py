"""What the certificate desk tells a citizen or an attendant, in both languages (pure).

A print that did not finish says what happened to the certificate (kept, may still come out,
printing now) and what to do next; kiosk.certificates picks the sentence."""

from __future__ import annotations

from devices.printer.base import JobFailed, PrinterError
from kiosk.flow import Message

ISSUE_FAILED = Message(
    "证明暂时无法生成，请稍后再试或联系工作人员。",
    "The certificate could not be made just now. Please try again later or ask staff.",
    can_retry=True,
    offer_attendant=True,
)
STILL_PRINTING = Message(
    "打印时间过长，本次打印已取消。您的证明已保存，可以重新打印或联系工作人员。",
    "Printing took too long and was stopped. Your certificate is kept: print it again "
    "or ask staff.",
    can_retry=True,
    offer_attendant=True,
)
MAY_HAVE_PRINTED = Message(
    "打印时间过长，无法确认证明是否已经打出。请先查看出纸口；如果没有，请联系工作人员，"
    "您的证明已保存。",
    "Printing took too long and we cannot tell whether your certificate came out. Please "
    "look in the output tray; if it is not there, ask staff: your certificate is kept.",
    can_retry=False,
    offer_attendant=True,
)
STILL_IN_PROGRESS = Message(
    "您的证明仍在打印中，请稍候并留意出纸口；如长时间没有出纸，请联系工作人员。",
    "Your certificate is still being printed. Please wait and watch the output tray; if "
    "nothing comes out, ask staff.",
    can_retry=False,
    offer_attendant=True,
)
ALREADY_PRINTING = Message(
    "这份证明正在打印，请留意出纸口，不要重复打印。",
    "This certificate is being printed right now: watch the output tray; it is not sent twice.",
    can_retry=False,
    offer_attendant=True,
)
CHECK_TRAY_FIRST = Message(
    "这份证明之前的打印可能已经打出。请先查看出纸口和打印机；确认没有打出后再确认重新打印。",
    "An earlier attempt at this certificate may already have printed. Check the output tray "
    "and the printer first; reprint only after confirming it did not come out.",
    can_retry=False,
    offer_attendant=True,
)


def kept_note(days: int) -> Message:
    """How a citizen gets a certificate that did not print (added to the printer's message)."""
    return Message(
        f"证明保存 {days} 天：可在首页点“领取证明”，刷同一张身份证并通过人脸核验后打印，"
        "也可请工作人员帮您打印。",
        f"It is kept for {days} days: tap Collect my certificate on the first screen and "
        "place the same ID card (with a face check), or ask staff to print it.",
    )


def nothing_kept(days: int) -> Message:
    return Message(
        f"本机没有为您保存的待领取证明（未打印的证明保存 {days} 天）。如有疑问，请联系工作人员"
        "或拨打 12345 政务服务热线。",
        f"No certificate is waiting for you on this terminal (unprinted ones are kept for "
        f"{days} days). If you think this is wrong, ask staff or call the 12345 hotline.",
        offer_attendant=True,
    )


def joined(first: Message, second: Message) -> Message:
    return Message(f"{first.zh}{second.zh}", f"{first.en} {second.en}",
                   can_retry=first.can_retry, offer_attendant=first.offer_attendant)


def printer_message(exc: PrinterError | None) -> Message:
    if exc is None:  # ended without a reason: it did not print, so trying again is safe
        exc = JobFailed("job ended without printing")
    return Message(exc.message_zh, exc.message_en, can_retry=True, offer_attendant=True)
