"""The digital half of the electronic seal: a PAdES signature by the department's key.

A `SealSigner` loads one department's PKCS#12 once and then signs any number of certificates;
`SealKeyring` keeps one signer per seal id, loading each lazily on first use. The signature is
a certification signature that allows no later changes (DocMDP level 1), carries the whole
certificate chain, and gets an RFC 3161 time stamp when a time-stamping URL is configured. Its
field sits over the visible seal, so a viewer shows the signature where the seal is.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.stamp.noop import NoOpStampStyle
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from printing.demo_pki import DemoPki
from printing.errors import SealUnavailable, SigningFailed
from printing.layout import SealPlacement

FIELD_NAME = "ElectronicSeal"
# Room for a time-stamp token in the signature container (token + TSA chain), in bytes.
TIMESTAMP_RESERVE = 12288


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
    ) -> None:
        self.seal_id = seal_id
        self.name_zh = name_zh
        self.name_en = name_en
        self.location = location
        self._signer = signer
        self._timestamper = timestamps.HTTPTimeStamper(timestamp_url) if timestamp_url else None
        # Reserving the signature's space up front spares pyHanko a trial signature that it
        # would otherwise make to measure the container.
        chain = [signer.signing_cert, *signer.cert_registry]
        self._reserve = 4096 + 2 * (sum(len(c.dump()) for c in chain if c is not None) // 2 + 1)
        if self._timestamper is not None:
            self._reserve += TIMESTAMP_RESERVE

    @classmethod
    def from_pkcs12(
        cls,
        seal_id: str,
        name_zh: str,
        name_en: str,
        pkcs12_path: Path | str,
        password: bytes | None,
        *,
        timestamp_url: str = "",
        location: str = "",
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
        return cls(
            seal_id, name_zh, name_en, signer, timestamp_url=timestamp_url, location=location
        )

    @classmethod
    def from_demo(cls, pki: DemoPki, seal_id: str, *, timestamp_url: str = "") -> SealSigner:
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
            timestamp_url=timestamp_url,
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
    ) -> bytes:
        """Return `pdf` with an incremental-update PAdES signature appended."""
        spec = None
        if placement is not None:
            x1, y1, x2, y2 = (round(v) for v in placement.box)
            spec = fields.SigFieldSpec(
                FIELD_NAME, on_page=placement.page_index, box=(x1, y1, x2, y2)
            )
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=self.location or None,
            name=self.name_zh,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=self._timestamper,
            # The visible seal is already drawn by the layout; the widget only marks its place.
            stamp_style=NoOpStampStyle(),
            new_field_spec=spec,
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            out = pdf_signer.sign_pdf(writer, bytes_reserved=self._reserve)
        except (SigningError, OSError, ValueError) as exc:
            raise SigningFailed(f"seal {self.seal_id}: {exc}") from None
        signed: bytes = out.getvalue()
        return signed

    def __repr__(self) -> str:
        return f"SealSigner({self.seal_id!r}, {self.name_zh!r})"


class SealKeyring:
    """One SealSigner per seal id, each loaded on first use and then kept (thread-safe)."""

    def __init__(self, loaders: Mapping[str, Callable[[], SealSigner]]) -> None:
        self._loaders = dict(loaders)
        self._loaded: dict[str, SealSigner] = {}
        self._lock = threading.Lock()

    @classmethod
    def demo(cls, pki: DemoPki, *, timestamp_url: str = "") -> SealKeyring:
        def loader(seal_id: str) -> Callable[[], SealSigner]:
            return lambda: SealSigner.from_demo(pki, seal_id, timestamp_url=timestamp_url)

        return cls({seal_id: loader(seal_id) for seal_id in pki.seals})

    def __contains__(self, seal_id: object) -> bool:
        return seal_id in self._loaders

    def get(self, seal_id: str) -> SealSigner:
        with self._lock:
            signer = self._loaded.get(seal_id)
            if signer is None:
                loader = self._loaders.get(seal_id)
                if loader is None:
                    raise SealUnavailable(f"seal {seal_id!r} is not configured")
                signer = self._loaded[seal_id] = loader()
            return signer
