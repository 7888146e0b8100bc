"""The digital half of the electronic seal: a PAdES signature by the department's key.

A `SealSigner` holds one department's key (in a PKCS#11 token, or a PKCS#12 file as the
fallback) and signs any number of certificates; `SealKeyring` keeps one signer per seal id,
loading each lazily on first use. The signature is a certification signature that allows no
later changes (DocMDP level 1; PAdES still allows validation data and document time stamps),
carries the whole certificate chain, and its field sits over the visible seal.

Levels (PAdES baseline): with a time-stamping authority configured and revocation data wanted,
a signature is B-LT (an RFC 3161 signature time stamp, OCSP responses and CRLs for the whole
chain in the document's DSS); `archive_copy` adds a document time stamp (B-LTA). When the
authority does not answer, `sign` raises TimestampUnavailable and the issuer signs B-B with a
visible note instead; when only the OCSP responder or the CRL does not answer, it raises
ValidationDataUnavailable and the issuer signs B-T (`validation_data=False`). Either way
`extend_to_lta` later adds validation data and a document time stamp to the archive copy.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pkcs11.exceptions import PKCS11Error
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp.noop import NoOpStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from printing.demo_pki import DemoPki
from printing.errors import (
    SealRevoked,
    SealUnavailable,
    SigningFailed,
    TimestampUnavailable,
    ValidationDataUnavailable,
)
from printing.layout import SealPlacement

FIELD_NAME = "ElectronicSeal"
# Room for a time-stamp token in the signature container (token + TSA chain), in bytes.
TIMESTAMP_RESERVE = 12288
# Room for the revocation data pyHanko also puts in the signed attributes (Adobe style).
REVINFO_RESERVE = 16384

# What a signed document reached, lowest first (PAdES baseline levels).
LEVEL_B = "B-B"  # signature only: its time is the signer's word
LEVEL_T = "B-T"  # + a trusted time stamp
LEVEL_LT = "B-LT"  # + the OCSP responses and CRLs needed to check it without the network
LEVEL_LTA = "B-LTA"  # + a document time stamp over all of it (renewable before it ages)
LEVELS = (LEVEL_B, LEVEL_T, LEVEL_LT, LEVEL_LTA)


@runtime_checkable
class DocumentSeal(Protocol):
    """What issuing needs of a department's seal. `SealSigner` (PAdES with pyHanko) is the one
    built here; a seal of another format, e.g. GB/T 38540 with SM2/SM3 in a compliant token,
    would implement the same few members."""

    seal_id: str
    name_zh: str
    name_en: str

    @property
    def level(self) -> str: ...

    @property
    def certificate(self) -> asn1_x509.Certificate: ...

    def sign(self, pdf: bytes, placement: SealPlacement | None = None,
             reason: str = ..., *, timestamp: bool = True,
             validation_data: bool = True) -> bytes: ...

    def archive_copy(self, signed: bytes) -> bytes: ...


class _KeptKeySigner(signers.SimpleSigner):
    """SimpleSigner that parses its private key once instead of on every signature.

    pyHanko re-imports the key for each `sign_raw`; with current `cryptography` an RSA import
    re-checks the key, which costs about as much as the whole rest of a signature.
    """

    _kept_key: Any = None

    def warm(self) -> None:
        """Parse the key now, so the first certificate is not slower than the others."""
        if self._kept_key is None:
            self._kept_key = serialization.load_der_private_key(self.signing_key.dump(), None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism not in ("rsassa_pkcs1v15", "ecdsa"):
            return super().sign_raw(data, digest_algorithm)
        self.warm()
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "ecdsa":
            return self._kept_key.sign(data, ECDSA(hash_algo))  # type: ignore[no-any-return]
        return self._kept_key.sign(data, PKCS1v15(), hash_algo)  # type: ignore[no-any-return]


class AuthorityTimeStamper(timestamps.HTTPTimeStamper):
    """pyHanko's HTTP time stamper, with an answer that is not a time-stamp response (an HTML
    error page, a truncated body) reported as the authority being unavailable, as a refusal
    is: the citizen then gets the B-B certificate instead of nothing."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        try:
            return await super().async_timestamp(message_digest, md_algorithm)
        except TimestampRequestError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TimestampRequestError(
                f"the authority's answer is not a time stamp ({type(exc).__name__})") from exc


class SealSigner:
    """Signs PDFs as one issuing department. Construct once per department and reuse."""

    def __init__(
        self,
        seal_id: str,
        name_zh: str,
        name_en: str,
        signer: signers.Signer,
        *,
        timestamp_url: str = "",
        location: str = "",
        trust_roots: tuple[asn1_x509.Certificate, ...] = (),
        timestamp_timeout_s: float = 5.0,
        lock: threading.Lock | None = None,
    ) -> None:
        """`trust_roots` (with `timestamp_url`) turns on long-term validation data: the
        signer fetches OCSP responses and CRLs for the chain and embeds them (B-LT)."""
        self.seal_id = seal_id
        self.name_zh = name_zh
        self.name_en = name_en
        self.location = location
        self._signer = signer
        self._timestamper = (
            AuthorityTimeStamper(timestamp_url, timeout=timestamp_timeout_s)
            if timestamp_url else None
        )
        self._trust_roots = tuple(trust_roots)
        # A PKCS#11 session serves one operation at a time: the signers of one token session
        # share its lock.
        self._lock = lock or threading.Lock()
        # Reserving the signature's space up front spares pyHanko a trial signature that it
        # would otherwise make to measure the container.
        chain = [signer.signing_cert, *signer.cert_registry]
        self._reserve = 4096 + 2 * (sum(len(c.dump()) for c in chain if c is not None) // 2 + 1)

    @property
    def level(self) -> str:
        """The level `sign` reaches while every service answers."""
        if self._timestamper is None:
            return LEVEL_B
        return LEVEL_LT if self._trust_roots else LEVEL_T

    def _validation_context(self) -> ValidationContext:
        # Fetching is on at signing time only: the OCSP and CRL addresses are the ones the
        # certificates name. Verifying later never fetches.
        return ValidationContext(
            trust_roots=list(self._trust_roots), allow_fetching=True,
            revocation_mode="hard-fail",
        )

    @classmethod
    def from_pkcs12(
        cls,
        seal_id: str,
        name_zh: str,
        name_en: str,
        pkcs12_path: Path | str,
        password: bytes | None,
        **options: Any,
    ) -> SealSigner:
        """Load the department's key and certificate chain; SealUnavailable when unusable."""
        path = Path(pkcs12_path)
        if not path.is_file():
            raise SealUnavailable(f"seal {seal_id}: PKCS#12 file {path} not found")
        try:
            loaded = signers.SimpleSigner.load_pkcs12_data(path.read_bytes(), (), password)
        except (ValueError, OSError) as exc:
            raise SealUnavailable(
                f"seal {seal_id}: cannot open {path} ({exc}; wrong password?)"
            ) from None
        signer = _KeptKeySigner(
            signing_key=loaded.signing_key,
            signing_cert=loaded.signing_cert,
            cert_registry=loaded.cert_registry,
        )
        signer.warm()
        return cls(seal_id, name_zh, name_en, signer, **options)

    @classmethod
    def from_token(
        cls, seal_id: str, name_zh: str, name_en: str, session: Any,
        chain: list[Any], **options: Any,
    ) -> SealSigner:
        """The seal key in a PKCS#11 token session (see printing.token)."""
        from printing.token import token_signer

        return cls(seal_id, name_zh, name_en, token_signer(session, seal_id, chain), **options)

    @classmethod
    def from_demo(cls, pki: DemoPki, seal_id: str, **options: Any) -> SealSigner:
        try:
            seal = pki.seals[seal_id]
        except KeyError:
            raise SealUnavailable(f"seal {seal_id}: not in the demo PKI") from None
        return cls.from_pkcs12(
            seal_id,
            seal.name_zh,
            seal.name_en,
            seal.pkcs12_path,
            seal.password,
            **options,
        )

    @property
    def certificate(self) -> asn1_x509.Certificate:
        cert = self._signer.signing_cert
        if cert is None:
            raise SealUnavailable(f"seal {self.seal_id}: no signing certificate")
        return cert

    def sign(
        self,
        pdf: bytes,
        placement: SealPlacement | None = None,
        reason: str = "电子印章 / Electronic seal",
        *,
        timestamp: bool = True,
        validation_data: bool = True,
    ) -> bytes:
        """Return `pdf` with an incremental-update PAdES signature appended, at `self.level`
        (B-B with `timestamp` False, at most B-T with `validation_data` False).
        TimestampUnavailable when the TSA does not answer, ValidationDataUnavailable when
        the OCSP responder or CRL does not, SealRevoked when the seal's own certificate is
        reported revoked."""
        self._check_valid_now()
        spec = None
        if placement is not None:
            x1, y1, x2, y2 = (round(v) for v in placement.box)
            spec = fields.SigFieldSpec(
                FIELD_NAME, on_page=placement.page_index, box=(x1, y1, x2, y2)
            )
        timestamper = self._timestamper if timestamp else None
        ltv = timestamper is not None and bool(self._trust_roots) and validation_data
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=self.location or None,
            name=self.name_zh,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            embed_validation_info=ltv,
            validation_context=self._validation_context() if ltv else None,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=timestamper,
            # The visible seal is already drawn by the layout; the widget only marks its place.
            stamp_style=NoOpStampStyle(),
            new_field_spec=spec,
        )
        reserve = self._reserve + (TIMESTAMP_RESERVE if timestamper else 0) + (
            REVINFO_RESERVE if ltv else 0)
        try:
            with self._lock:
                writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
                out = pdf_signer.sign_pdf(writer, bytes_reserved=reserve)
        except PKCS11Error as exc:  # the token went away, or its session did
            raise SealUnavailable(
                f"seal {self.seal_id}: the token refused to sign ({type(exc).__name__})"
            ) from None
        except (TimestampRequestError, PathValidationError, SigningError, OSError,
                ValueError) as exc:
            raise _signing_error(exc, f"seal {self.seal_id}") from None
        signed: bytes = out.getvalue()
        return signed

    def _check_valid_now(self) -> None:
        """An expired (or not yet valid) seal signs nothing, at any level: without a time
        stamp and revocation data nobody else would notice."""
        validity = self.certificate["tbs_certificate"]["validity"]
        now = datetime.now(UTC)
        not_after = validity["not_after"].native
        if now > not_after:
            raise SealUnavailable(f"seal {self.seal_id}: its certificate expired on "
                                  f"{not_after:%Y-%m-%d}")
        if now < validity["not_before"].native:
            raise SealUnavailable(f"seal {self.seal_id}: its certificate is not valid yet")

    def archive_copy(self, signed: bytes) -> bytes:
        """`signed` (B-LT) with a document time stamp over it (B-LTA): the copy a department
        keeps, whose time stamp is renewed before the authority's certificate ages."""
        return extend_to_lta(signed, self._timestamper, self._trust_roots)

    def __repr__(self) -> str:
        return f"SealSigner({self.seal_id!r}, {self.name_zh!r})"


def _signing_error(exc: BaseException, where: str) -> SigningFailed | SealUnavailable:
    """The typed error for a failed signature: pyHanko wraps the cause, so look through."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, RevokedError) for c in chain):
        return SealRevoked(f"{where}: the seal certificate is revoked")
    if any(isinstance(c, TimestampRequestError) for c in chain):
        return TimestampUnavailable(f"{where}: time-stamping authority: {exc}")
    if any(isinstance(c, InsufficientRevinfoError) for c in chain):
        # No answer from the OCSP responder or the CRL: no B-LT now, but the authority may
        # still give the signature its time stamp (B-T).
        return ValidationDataUnavailable(f"{where}: revocation data: {exc}")
    if any(isinstance(c, PathValidationError) for c in chain):
        return SealUnavailable(f"{where}: the seal certificate is not valid: {exc}")
    return SigningFailed(f"{where}: {exc}")


def extend_to_lta(
    signed: bytes, timestamper: timestamps.TimeStamper | None,
    trust_roots: tuple[asn1_x509.Certificate, ...],
) -> bytes:
    """Add the validation data of every signature and time stamp in `signed` to its DSS and a
    document time stamp over the whole file. Works on a B-B, B-T, B-LT or B-LTA document; the
    result's earliest proven time is that of its first time stamp."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import add_validation_info

    if timestamper is None or not trust_roots:
        raise TimestampUnavailable("no time-stamping authority or trust roots configured")

    def context() -> ValidationContext:
        return ValidationContext(trust_roots=list(trust_roots), allow_fetching=True,
                                 revocation_mode="hard-fail")

    try:
        reader = PdfFileReader(io.BytesIO(signed), strict=False)
        seal = next(s for s in reader.embedded_signatures if s.field_name == FIELD_NAME)
        with_dss = add_validation_info(seal, context(), in_place=False)
        writer = IncrementalPdfFileWriter(with_dss, strict=False)
        out = signers.PdfTimeStamper(timestamper).timestamp_pdf(
            writer, "sha256", validation_context=context(), bytes_reserved=TIMESTAMP_RESERVE,
        )
    except StopIteration:
        raise SigningFailed("the document carries no electronic seal") from None
    except (TimestampRequestError, PathValidationError, SigningError, OSError,
            ValueError) as exc:
        raise _signing_error(exc, "archive time stamp") from None
    result: bytes = out.getvalue()
    return result


class SealKeyring:
    """One SealSigner per seal id, each loaded on first use and then kept (thread-safe)."""

    def __init__(self, loaders: Mapping[str, Callable[[], SealSigner]]) -> None:
        self._loaders = dict(loaders)
        self._loaded: dict[str, SealSigner] = {}
        self._lock = threading.Lock()

    @classmethod
    def demo(cls, pki: DemoPki, **options: Any) -> SealKeyring:
        """PKCS#12 demo keys; `options` as for SealSigner (timestamp_url, trust_roots)."""

        def loader(seal_id: str) -> Callable[[], SealSigner]:
            return lambda: SealSigner.from_demo(pki, seal_id, **options)

        return cls({seal_id: loader(seal_id) for seal_id in pki.seals})

    def __contains__(self, seal_id: object) -> bool:
        return seal_id in self._loaders

    def forget(self) -> None:
        """Drop the loaded signers (their token session is gone): the next use reloads."""
        with self._lock:
            self._loaded.clear()

    def get(self, seal_id: str) -> SealSigner:
        with self._lock:
            signer = self._loaded.get(seal_id)
            if signer is None:
                loader = self._loaders.get(seal_id)
                if loader is None:
                    raise SealUnavailable(f"seal {seal_id!r} is not configured")
                signer = self._loaded[seal_id] = loader()
            return signer
