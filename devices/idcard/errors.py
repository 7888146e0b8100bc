"""Typed errors of the ID-card reader, each with a plain-language message in Chinese and English.

The tree lets a caller catch at the level it cares about:

    IdCardError (a devices.status.DeviceError)
    ├── ProtocolError          bytes on the line that are not a valid frame or reply
    ├── ReaderStatusError      the reader answered with a non-success SW3 code (one class per code)
    ├── UnreadableCard         the card's text block disagrees with itself
    ├── ReaderUnavailable      the serial port is missing or went away
    ├── ReaderTimeout          no reply in time (also a CommandTimeout)
    └── ReadCancelled          cancel() or stop() interrupted a command (also a CommandCancelled)
"""

from __future__ import annotations

from devices.status import CommandCancelled, CommandTimeout, CompletionCode, DeviceError

_LIFT_AND_REPLACE_ZH = "请拿起身份证，稍后重新平放在读卡区。"
_LIFT_AND_REPLACE_EN = "Please lift your ID card and place it flat on the reader again."


class IdCardError(DeviceError):
    """Anything that went wrong talking to the ID-card reader."""

    message_zh = "身份证读卡器暂时无法使用，请联系工作人员。"
    message_en = "The ID card reader is not available. Please ask staff for help."


# --- framing and decoding ------------------------------------------------------------------


class ProtocolError(IdCardError):
    """The bytes received are not a valid frame or reply (noise, a lost byte, a bad reader)."""

    message_zh = "读卡器通信异常，请稍后重试。"
    message_en = "The card reader sent garbled data. Please try again."


class BadFrameChecksum(ProtocolError):
    """A frame arrived whose XOR checksum does not match its bytes."""


class BadFrameLength(ProtocolError):
    """A frame's LEN field is too small to hold a status or command."""


class FrameTooLarge(ProtocolError):
    """A frame's LEN field exceeds the decoder's bound (a corrupted length)."""


class MalformedReply(ProtocolError):
    """A frame is valid but its data does not have the shape its command promises."""


# --- reader status codes (SW3) -------------------------------------------------------------


class ReaderStatusError(IdCardError):
    """The reader answered with a status byte (SW3) other than success."""

    sw3: int = 0x24

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or f"reader status 0x{self.sw3:02X}: {self.message_en}")


class _CardProblem(ReaderStatusError):
    """A problem with the card as placed: the citizen can fix it by placing it again."""

    code = CompletionCode.USER_ERROR
    message_zh = "未能读取身份证。" + _LIFT_AND_REPLACE_ZH
    message_en = "The ID card could not be read. " + _LIFT_AND_REPLACE_EN


class NoContent(ReaderStatusError):
    sw3 = 0x91
    code = CompletionCode.SUCCESS
    message_zh = "证件上没有这项信息。"
    message_en = "The card holds no data for this item."


class ChecksumError(ReaderStatusError):
    """The reader received our command with a bad checksum (line noise)."""

    sw3 = 0x10
    message_zh = "读卡器通信校验错误，请稍后重试。"
    message_en = "The card reader received a damaged command. Please try again."


class LengthError(ReaderStatusError):
    sw3 = 0x11
    message_zh = "读卡器通信长度错误，请稍后重试。"
    message_en = "The card reader received a command of the wrong length. Please try again."


class CommandError(ReaderStatusError):
    sw3 = 0x21
    message_zh = "读卡器不支持该指令，请联系工作人员。"
    message_en = "The card reader does not understand the command. Please ask staff for help."


class Unauthorised(ReaderStatusError):
    sw3 = 0x23
    message_zh = "读卡器拒绝了该操作，请联系工作人员。"
    message_en = "The card reader refused the operation. Please ask staff for help."


class UnrecognisedError(ReaderStatusError):
    sw3 = 0x24
    message_zh = "读卡器发生未知错误，请联系工作人员。"
    message_en = "The card reader reported an unknown error. Please ask staff for help."


class CardAuthenticationFailed(_CardProblem):
    """The card failed to authenticate the reader's security module."""

    sw3 = 0x31


class SamAuthenticationFailed(_CardProblem):
    """The security module failed to authenticate the card (not a genuine card, or damaged)."""

    sw3 = 0x32
    message_zh = "身份证验证未通过。如多次失败，请联系工作人员。"
    message_en = "The ID card could not be verified. If this keeps happening, please ask staff."


class VerificationError(_CardProblem):
    sw3 = 0x33


class UnknownCardType(_CardProblem):
    sw3 = 0x40
    message_zh = "无法识别此证件，请放置居民身份证或居住证、永久居留身份证。"
    message_en = (
        "This card is not recognised. Please use a resident ID card, "
        "a residence permit or a permanent residence ID card."
    )


class ReadFailed(_CardProblem):
    sw3 = 0x41


class RandomNumberFailed(_CardProblem):
    sw3 = 0x47


class SamSelfTestFailed(ReaderStatusError):
    sw3 = 0x60
    message_zh = "读卡器安全模块自检失败，请联系工作人员。"
    message_en = "The card reader's security module failed its self-test. Please ask staff."


class SamNotAuthorised(ReaderStatusError):
    sw3 = 0x66
    message_zh = "读卡器安全模块未授权，请联系工作人员。"
    message_en = "The card reader's security module is not authorised. Please ask staff."


class NoCard(ReaderStatusError):
    """No card on the reader (find card failed)."""

    sw3 = 0x80
    code = CompletionCode.USER_ERROR
    message_zh = "未检测到身份证，请将身份证平放在读卡区。"
    message_en = "No ID card found. Please place your ID card flat on the reader."


class SelectFailed(_CardProblem):
    sw3 = 0x81


class UnknownStatus(ReaderStatusError):
    """A status byte not in the reference table."""

    message_zh = UnrecognisedError.message_zh
    message_en = UnrecognisedError.message_en

    def __init__(self, sw3: int) -> None:
        self.sw3 = sw3
        super().__init__(f"unknown reader status 0x{sw3:02X}")


STATUS_ERRORS: dict[int, type[ReaderStatusError]] = {
    cls.sw3: cls
    for cls in (
        NoContent,
        ChecksumError,
        LengthError,
        CommandError,
        Unauthorised,
        UnrecognisedError,
        CardAuthenticationFailed,
        SamAuthenticationFailed,
        VerificationError,
        UnknownCardType,
        ReadFailed,
        RandomNumberFailed,
        SamSelfTestFailed,
        SamNotAuthorised,
        NoCard,
        SelectFailed,
    )
}


def status_error(sw3: int) -> ReaderStatusError:
    """The typed error for a non-success status byte."""
    cls = STATUS_ERRORS.get(sw3)
    return cls() if cls is not None else UnknownStatus(sw3)


# --- above the protocol --------------------------------------------------------------------


class UnreadableCard(IdCardError):
    """The card answered, but its fields are missing or disagree (e.g. birth date vs number)."""

    code = CompletionCode.USER_ERROR
    message_zh = "身份证信息读取不完整。" + _LIFT_AND_REPLACE_ZH
    message_en = "The ID card data could not be read completely. " + _LIFT_AND_REPLACE_EN


class ReaderUnavailable(IdCardError):
    """The serial port cannot be opened or went away (USB unplugged)."""

    message_zh = "身份证读卡器未连接，请联系工作人员。"
    message_en = "The ID card reader is not connected. Please ask staff for help."


class ReaderTimeout(IdCardError, CommandTimeout):
    code = CompletionCode.TIMEOUT
    message_zh = "身份证读卡器响应超时，请稍后再试。"
    message_en = "The ID card reader did not answer in time. Please try again."


class ReadCancelled(IdCardError, CommandCancelled):
    code = CompletionCode.CANCELLED
    message_zh = CommandCancelled.message_zh
    message_en = CommandCancelled.message_en
