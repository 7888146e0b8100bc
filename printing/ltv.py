"""Is a certificate still valid years later? Long-term validation from what the file carries.

`verify_at(pdf, roots, at)` never uses the network. It reads the evidence the file holds:
the seal's signature time stamp, the document time stamps added after it (B-LTA) and the OCSP
responses, CRLs and certificates in its Document Security Store (DSS). Then, as PAdES does:

1. the newest document time stamp is checked as of `at` (its authority's certificate must
   still be valid then, chaining to a root); each older time stamp as of the next newer one;
2. the earliest trusted time stamp over the seal fixes the *proven time* T;
3. the seal's certificate chain is checked as of T with the embedded revocation data only:
   a certificate that expired after T is fine, one revoked after T is fine (the revocation
   says so: "revoked at R"), one revoked at or before T is not.

A file without a time stamp, or without embedded revocation data for the seal, cannot be
checked this way: there is no proof of when it was sealed, or of the seal's status then.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from printing.signer import LEVEL_B, LEVEL_LT, LEVEL_LTA, LEVEL_T

# A failed check is reported in the result; pyHanko's own tracebacks stay out of stderr.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())

PROBLEMS: dict[str, tuple[str, str]] = {
    "unreadable": ("文件无法读取。", "The file cannot be read as a PDF."),
    "no_seal": ("文件没有电子签章或有多个签章。",
                "The file has no electronic seal, or more than one."),
    "modified": ("文件在签章后被修改过。", "The document was changed after it was sealed."),
    "no_timestamp": ("没有可信时间戳，无法证明签章时间。",
                     "No trusted time stamp: when it was sealed cannot be proven."),
    "timestamp_untrusted": ("时间戳在核验日期不可信。",
                            "A time stamp cannot be trusted as of the checking date."),
    "no_revocation_data": ("文件未内嵌签章证书的吊销信息，无法离线核验。",
                           "The file does not carry the seal certificate's revocation data, "
                           "so it cannot be checked offline."),
    "not_yet_sealed": ("核验日期早于盖章时间：该日期时文件尚未盖章。",
                       "The checking date is before the document was sealed."),
    "revoked": ("签章证书在盖章前已被吊销。",
                "The seal's certificate was revoked before the document was sealed."),
    "untrusted": ("签章证书在盖章时不可信。",
                  "The seal's certificate was not valid or trusted when it was sealed."),
}


@dataclass(frozen=True)
class LongTermReport:
    valid: bool
    at: datetime
    level: str  # what the file carries: B-B, B-T, B-LT, B-LTA
    proven_time: datetime | None  # earliest trusted time stamp over the seal
    problem: str | None = None
    detail: str = ""
    signer_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        zh, en = PROBLEMS[self.problem] if self.problem else ("有效。", "Valid.")
        return {
            "valid": self.valid, "at": self.at.isoformat(), "level": self.level,
            "proven_time": self.proven_time.isoformat() if self.proven_time else None,
            "signer": self.signer_name, "problem": self.problem,
            "message_zh": zh, "message_en": en, "detail": self.detail,
        }


# Offline, no revocation data can be "fresh" years later: a time stamp's authority is judged
# by the newest data the file carries (a revocation in it still counts), not by its age.
_ANY_AGE = CertRevTrustPolicy(
    RevocationCheckingPolicy(RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
                             RevocationCheckingRule.CHECK_IF_DECLARED_SOFT),
    freshness=timedelta(days=100 * 365),
    freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
)


def _context(
    roots: list[asn1_x509.Certificate], dss: DocumentSecurityStore | None, moment: datetime,
    mode: str,
) -> ValidationContext:
    """mode "seal": revocation data required for the chain; "stamp": any age accepted."""
    kwargs: dict[str, Any] = {
        "trust_roots": roots, "moment": moment, "allow_fetching": False,
        # Revocation data fetched after `moment` still says whether the certificate was revoked
        # at `moment` ("revoked at R"): a CRL from a later refresh is evidence too.
        "retroactive_revinfo": True,
    }
    if mode == "seal":
        kwargs["revocation_mode"] = "hard-fail"
    else:
        kwargs["revinfo_policy"] = _ANY_AGE
    if dss is not None:
        return dss.as_validation_context(kwargs)
    return ValidationContext(crls=[], ocsps=[], **kwargs)


def _has_signature_timestamp(seal: EmbeddedPdfSignature) -> bool:
    return any(extract_tst_data_iter(seal.signer_info, signed=False))


def _signature_timestamp_time(seal: EmbeddedPdfSignature) -> datetime | None:
    """The time the seal's own time-stamp token states (checked afterwards)."""
    for signed_data in extract_tst_data_iter(seal.signer_info, signed=False):
        tst_info = signed_data["encap_content_info"]["content"].parsed
        moment: datetime = tst_info["gen_time"].native
        return moment
    return None


def _level(seal: EmbeddedPdfSignature, dss: DocumentSecurityStore | None, stamps: int) -> str:
    if not _has_signature_timestamp(seal) and not stamps:
        return LEVEL_B
    if dss is None or not (dss.ocsps or dss.crls):
        return LEVEL_T
    return LEVEL_LTA if stamps else LEVEL_LT


def verify_at(pdf: bytes, trust_roots: Sequence[asn1_x509.Certificate], at: datetime
              ) -> LongTermReport:
    """Whether the sealed `pdf` is valid as of `at` (timezone-aware), offline."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    roots = list(trust_roots)

    def report(problem: str | None, level: str = LEVEL_B, proven: datetime | None = None,
               detail: str = "", signer: str | None = None) -> LongTermReport:
        return LongTermReport(problem is None, at, level, proven, problem, detail, signer)

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        return report("unreadable")
    seals = [s for s in signatures if s.sig_object_type == "/Sig"]
    stamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    if len(seals) != 1:
        return report("no_seal")
    seal = seals[0]
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
    level = _level(seal, dss, len(stamps))

    # 1. Document time stamps, newest first: each is checked as of the next newer one's time.
    check_time = at
    stamp_times: list[datetime] = []
    for stamp in sorted(stamps, key=lambda s: s.signed_revision, reverse=True):
        if stamp.signed_revision < seal.signed_revision:
            continue  # older than the seal: proves nothing about it
        stamp_status = validate_pdf_timestamp(stamp, _context(roots, dss, check_time, "stamp"))
        if not stamp_status.intact:
            return report("modified", level, detail="a document time stamp no longer matches")
        if not (stamp_status.valid and stamp_status.trusted):
            return report("timestamp_untrusted", level, detail=stamp_status.summary())
        check_time = stamp_status.timestamp
        stamp_times.append(stamp_status.timestamp)

    # 2. The seal: chain as of the proven time, its own time stamp as of `check_time`. The
    # time its token claims is only believed once the token itself is found trustworthy.
    claimed = _signature_timestamp_time(seal)
    if claimed is not None:
        proven = claimed
    elif stamp_times:
        proven = min(stamp_times)
    else:
        return report("no_timestamp", level)
    status = validate_pdf_signature(
        seal,
        signer_validation_context=_context(roots, dss, proven, "seal"),
        ts_validation_context=_context(roots, dss, check_time, "stamp"),
    )
    if claimed is not None:
        tsv = status.timestamp_validity
        if tsv is None or not (tsv.intact and tsv.valid and tsv.trusted):
            return report("timestamp_untrusted", level)
    if proven > at:
        # Nothing can be valid as of a date before it existed.
        return report("not_yet_sealed", level, proven)
    signer_cn = status.signing_cert.subject.native.get("common_name")
    signer = str(signer_cn) if signer_cn else None
    if not status.intact or not status.valid:
        return report("modified", level, proven, signer=signer)
    if (status.modification_level is None
            or status.modification_level > ModificationLevel.LTA_UPDATES
            or not status.docmdp_ok):
        return report("modified", level, proven, status.summary(), signer)
    if status.revoked:
        return report("revoked", level, proven, status.summary(), signer)
    if not status.trusted:
        detail = status.summary()
        missing = dss is None or not (dss.ocsps or dss.crls)
        return report("no_revocation_data" if missing else "untrusted", level, proven, detail,
                      signer)
    return report(None, level, proven, signer=signer)


def parse_moment(text: str) -> datetime:
    """An ISO date or date-time; a date means the end of that day (UTC), a naive time UTC."""
    if len(text) == 10:
        moment = datetime.fromisoformat(text).replace(hour=23, minute=59, second=59)
    else:
        moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
