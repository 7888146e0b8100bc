"""Issuing a certificate: code and hash, layout, seal, signature, registry entry.

`issue_certificate` is the whole pipeline for one document; `CertificateIssuer` keeps what is
expensive to load (the font, one signer per department). Neither records anything: the
certificate's registry entry is written by the caller, together with what must exist beside
it (the terminal's kept job and audit line, kiosk.store.issuance, in one transaction).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from printing.codes import content_object, content_sha256, holder_id_hash, new_verification_code
from printing.codes import qr_payload as make_qr_payload
from printing.errors import (
    NotPrintable,
    SealUnavailable,
    TimestampUnavailable,
    UnreadableResult,
    ValidationDataUnavailable,
)
from printing.fonts import CjkFont, find_cjk_font, register_reportlab_font
from printing.layout import CertificateContent, RenderedCertificate, render_certificate
from printing.registry import RegistryEntry
from printing.signer import LEVEL_B, LEVEL_T, DocumentSeal, SealKeyring
from services_catalog.model import AuthenticatedPerson, QueryResult, Service, mask_name
from services_catalog.presentation import ValueFormatError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateRequest:
    """What the kiosk asks to be certified: a printable service's answer for one citizen."""

    service: Service
    person: AuthenticatedPerson
    result: QueryResult
    terminal_id: str
    verify_url: str
    demo: bool
    hall_name_zh: str = ""
    mask_id_number: bool = False  # print 4104**********1238 instead of the full number

    def __repr__(self) -> str:
        return f"CertificateRequest(service={self.service.id!r}, person={self.person!r})"


@dataclass(frozen=True)
class IssuedCertificate:
    pdf: bytes = field(repr=False)
    verification_code: str
    content_sha256: str
    issued_at: datetime
    registry_entry: RegistryEntry
    page_count: int
    # PAdES level the document reached: B-LT normally, B-T when the OCSP responder or CRL did
    # not answer, B-B with the "timestamp pending" note when the time-stamping authority did
    # not (a retry upgrades the archive copy to B-LTA).
    seal_level: str = LEVEL_B


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def issue_certificate(
    request: CertificateRequest,
    signer: DocumentSeal,
    *,
    holder_id_key: bytes,
    font: CjkFont | None = None,
    now: datetime | None = None,
    verification_code: str | None = None,
) -> IssuedCertificate:
    """Render, seal and sign one certificate. Nothing is written anywhere.

    Raises NotPrintable, SealUnavailable (the signer is not the service's seal),
    UnreadableResult, FontNotFound or SigningFailed, each with a plain-language message.
    """
    service, result = request.service, request.result
    if not service.printable or not service.template or not service.seal:
        raise NotPrintable(f"service {service.id} has no certificate")
    if service.seal != signer.seal_id:
        raise SealUnavailable(
            f"service {service.id} needs seal {service.seal}, got {signer.seal_id}"
        )
    if result.service_id != service.id:
        raise ValueError(f"result of {result.service_id} given for service {service.id}")
    issued_at = (now or _now()).replace(microsecond=0)
    if issued_at.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    code = verification_code or new_verification_code()
    digest = content_sha256(
        content_object(
            service_id=service.id,
            template=service.template,
            person=request.person,
            result=result,
            issued_at=issued_at,
            terminal_id=request.terminal_id,
            seal_id=signer.seal_id,
            verification_code=code,
        )
    )
    content = CertificateContent(
        service=service,
        person=request.person,
        result=result,
        issuer_name_zh=signer.name_zh,
        issuer_name_en=signer.name_en,
        terminal_id=request.terminal_id,
        issued_at=issued_at,
        verification_code=code,
        content_sha256=digest,
        qr_payload=make_qr_payload(request.verify_url, code, digest),
        verify_url=request.verify_url,
        demo=request.demo,
        hall_name_zh=request.hall_name_zh,
        mask_id_number=request.mask_id_number,
    )
    font_name = register_reportlab_font(font or find_cjk_font())
    try:
        rendered, pdf, level = _seal(signer, content, font_name)
    except ValueFormatError as exc:
        raise UnreadableResult(f"service {service.id}: {exc}") from None
    entry = RegistryEntry(
        verification_code=code,
        content_sha256=digest,
        service_id=service.id,
        service_name_zh=service.name_zh,
        holder_masked_name=mask_name(request.person.name),
        holder_id_hash=holder_id_hash(holder_id_key, request.person.id_number),
        issued_at=issued_at,
        terminal_id=request.terminal_id,
        seal_id=signer.seal_id,
        demo=request.demo,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        issuer_name_zh=signer.name_zh,
        seal_level=level,
    )
    return IssuedCertificate(
        pdf=pdf,
        verification_code=code,
        content_sha256=digest,
        issued_at=issued_at,
        registry_entry=entry,
        page_count=rendered.page_count,
        seal_level=level,
    )


def _seal(
    signer: DocumentSeal, content: CertificateContent, font_name: str
) -> tuple[RenderedCertificate, bytes, str]:
    """Render and sign at the best level the services allow: the signer's own (B-LT), B-T
    when only the OCSP responder or CRL is down, B-B with a printed note when the
    time-stamping authority is down. The archive upkeep brings the lower ones to B-LTA."""
    rendered = render_certificate(content, font_name)
    try:
        return rendered, signer.sign(rendered.pdf, rendered.seal), signer.level
    except ValidationDataUnavailable as exc:
        # The signature can still carry its trusted time: nothing to say on the paper, the
        # validation data is for the archive copy.
        log.warning("certificate sealed without validation data (%s)", exc)
        try:
            pdf = signer.sign(rendered.pdf, rendered.seal, validation_data=False)
            return rendered, pdf, LEVEL_T
        except TimestampUnavailable as again:
            log.warning("certificate sealed without a time stamp (%s)", again)
    except TimestampUnavailable as exc:
        log.warning("certificate sealed without a time stamp (%s)", exc)
    # A citizen is not sent away because the time-stamping authority is down: the paper says
    # the time stamp is pending, the seal is B-B, and a retry adds it.
    rendered = render_certificate(dataclasses.replace(content, timestamp_pending=True),
                                  font_name)
    return rendered, signer.sign(rendered.pdf, rendered.seal, timestamp=False), LEVEL_B


class CertificateIssuer:
    """Makes certificates with long-lived resources loaded once.

    Example::

        issuer = CertificateIssuer(SealKeyring.demo(pki), holder_id_key=key)
        issued = issuer.prepare(request)  # the caller records issued.registry_entry
    """

    def __init__(
        self,
        keyring: SealKeyring,
        *,
        holder_id_key: bytes,
        font: CjkFont | None = None,
    ) -> None:
        if not holder_id_key:
            raise ValueError("holder_id_key must not be empty")
        self.keyring = keyring
        self._holder_id_key = holder_id_key
        self._font = font or find_cjk_font()
        register_reportlab_font(self._font)  # fail at start-up, not in front of a citizen

    def prepare(
        self, request: CertificateRequest, now: datetime | None = None
    ) -> IssuedCertificate:
        """Render, seal and sign without recording: for a caller that records the entry in a
        transaction of its own, together with what must exist beside it."""
        if not request.service.seal:
            raise NotPrintable(f"service {request.service.id} has no seal")
        signer = self.keyring.get(request.service.seal)
        return issue_certificate(
            request, signer, holder_id_key=self._holder_id_key, font=self._font, now=now
        )
