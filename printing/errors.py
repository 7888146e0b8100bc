"""Typed errors of the certificate package.

Each class carries a plain-language sentence in Chinese and English for the citizen or the
attendant; `detail` is for the operator log and never holds a name or an ID number.
"""

from __future__ import annotations


class CertificateError(Exception):
    """Base of every error raised while issuing a certificate."""

    message_zh = "证明暂时无法出具，请稍后再试或联系工作人员。"
    message_en = "The certificate cannot be issued right now. Please try later or ask staff."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or type(self).__name__)
        self.detail = detail


class FontNotFound(CertificateError):
    """No usable CJK TrueType font; the detail names the path tried and the Debian package."""


class UnknownTemplate(CertificateError):
    """The service names a certificate template family this package does not draw."""


class SealUnavailable(CertificateError):
    """The seal key of a department is missing, unreadable, or not configured."""

    message_zh = "电子印章暂不可用，无法出具证明，请联系工作人员。"
    message_en = (
        "The electronic seal is not available, so no certificate can be issued. Please ask staff."
    )


class SigningFailed(CertificateError):
    """pyHanko could not sign (e.g. the time-stamping server did not answer)."""

    message_zh = "证明签章失败，请稍后再试或联系工作人员。"
    message_en = "Sealing the certificate failed. Please try later or ask staff."


class NotPrintable(CertificateError):
    """The service has no certificate (not printable, no template or no seal)."""

    message_zh = "该业务不提供打印证明。"
    message_en = "This service does not provide a printed certificate."


class UnreadableResult(CertificateError):
    """A back-end value does not fit its declared format, so it cannot be certified."""

    message_zh = "查询结果中有无法识别的数据，暂不能出具证明，请联系工作人员。"
    message_en = (
        "The answer contains data we cannot read, so no certificate can be issued. "
        "Please ask staff."
    )


class TimestampUnavailable(SigningFailed):
    """The time-stamping authority did not answer; the issuer falls back to a B-B seal."""


class ValidationDataUnavailable(TimestampUnavailable):
    """The OCSP responder or the CRL did not answer, so no B-LT can be made: the issuer seals
    B-T (the time stamp alone) and the archive upkeep adds the validation data later. A
    TimestampUnavailable, so a caller that only knows that one still falls back to B-B."""


class SealRevoked(SealUnavailable):
    """The seal certificate's issuer says it is revoked: nothing may be sealed with it."""
