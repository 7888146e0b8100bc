"""A demo certificate authority and one seal key per department, for demo mode and tests.

Generated once with `cryptography` into a directory (the terminal's data dir, or a test's tmp
dir) and reused on later runs; a department added later gets its key from the same root. The
root's name says it is not valid, and nothing here is ever committed to the repository.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO_ROOT_NAME = "gov-kiosk DEMO Root CA (not valid)"
# Demo keys protect nothing real; a fixed, documented password keeps demo config simple.
DEMO_PKCS12_PASSWORD = b"gov-kiosk-demo"
# A root outlives the time-stamping authority, which outlives every seal certificate: a
# certificate issued today is checked years after its seal certificate has expired.
ROOT_VALIDITY = timedelta(days=25 * 365)
SEAL_VALIDITY = timedelta(days=1095)
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class DemoSeal:
    seal_id: str
    name_zh: str
    name_en: str
    pkcs12_path: Path
    certificate_path: Path
    password: bytes = DEMO_PKCS12_PASSWORD


@dataclass(frozen=True)
class DemoPki:
    directory: Path
    root_certificate_path: Path
    root_certificate: x509.Certificate
    seals: Mapping[str, DemoSeal] = field(default_factory=dict)
    services_url: str = ""  # the local TSA / OCSP / CRL services its certificates point at

    def root_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(
            (self.directory / "root-ca.key.pem").read_bytes(), password=None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        return key


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    # Two processes starting at once (kiosk and kiosk-admin) must not mint two roots.
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _still_good(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now and cert.not_valid_after_utc - RENEW_BEFORE > now


def _make_root(now: datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gov-kiosk DEMO (not valid)"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_ROOT_NAME),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def revocation_pointers(services_url: str) -> list[x509.ExtensionType]:
    """Where a relying party asks whether a certificate of the demo CA was revoked."""
    base = services_url.rstrip("/")
    return [
        x509.AuthorityInformationAccess(
            [x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(f"{base}/ocsp"),
            )]
        ),
        x509.CRLDistributionPoints(
            [x509.DistributionPoint(
                [x509.UniformResourceIdentifier(f"{base}/crl")], None, None, None
            )]
        ),
    ]


def make_seal_cert(
    root_key: rsa.RSAPrivateKey,
    root: x509.Certificate,
    public_key: CertificatePublicKeyTypes,
    name_zh: str,
    name_en: str,
    not_before: datetime,
    not_after: datetime,
    services_url: str = "",
) -> x509.Certificate:
    """A document-signing certificate of the demo CA for `public_key` (which may live in a
    token: only its public half is needed)."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name_zh),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, f"DEMO seal (not valid): {name_en}"[:64]
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, name_zh),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(min(not_after, root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # Signing documents: digitalSignature + nonRepudiation (content commitment).
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    for extension in revocation_pointers(services_url) if services_url else []:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(root_key, hashes.SHA256())


def _make_seal_cert(
    root_key: rsa.RSAPrivateKey, root: x509.Certificate, name_zh: str, name_en: str, now: datetime,
    services_url: str = "",
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _new_key()
    cert = make_seal_cert(
        root_key, root, key.public_key(), name_zh, name_en,
        now - timedelta(days=1), now + SEAL_VALIDITY, services_url,
    )
    return key, cert


def _load_or_make_root(
    directory: Path, now: datetime
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, bool]:
    cert_path, key_path = directory / "root-ca.pem", directory / "root-ca.key.pem"
    if cert_path.is_file() and key_path.is_file():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey) and _still_good(cert, now):
            return key, cert, False
    key, cert = _make_root(now)
    _write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        private=True,
    )
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, True


def ocsp_url_of(cert: x509.Certificate) -> str:
    """The OCSP address a certificate names, or "" when it names none."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return ""
    for access in aia:
        if access.access_method == x509.oid.AuthorityInformationAccessOID.OCSP:
            return str(access.access_location.value)
    return ""


def seal_certificate_is_current(
    cert: x509.Certificate, root: x509.Certificate, name_zh: str, now: datetime,
    services_url: str = "",
) -> bool:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    wanted_ocsp = f"{services_url.rstrip('/')}/ocsp" if services_url else ""
    return (
        cert.issuer == root.subject
        and _still_good(cert, now)
        and bool(names)
        and names[0].value == name_zh
        and ocsp_url_of(cert) == wanted_ocsp
    )


def _seal_is_current(
    cert_path: Path, p12_path: Path, root: x509.Certificate, name_zh: str, now: datetime,
    services_url: str,
) -> bool:
    if not (cert_path.is_file() and p12_path.is_file()):
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return seal_certificate_is_current(cert, root, name_zh, now, services_url)


def ensure_demo_pki(
    directory: Path, seals: Mapping[str, tuple[str, str]], *, services_url: str = ""
) -> DemoPki:
    """Create (once) or reuse the demo root CA and a PKCS#12 per seal id -> (name_zh, name_en).

    With `services_url` the seal certificates name the local OCSP responder and CRL there
    (`printing.pki_services`); a certificate naming another address is issued anew."""
    directory = Path(directory)
    (directory / "seals").mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    result: dict[str, DemoSeal] = {}
    with _locked(directory):
        root_key, root, renewed = _load_or_make_root(directory, now)
        for seal_id, (name_zh, name_en) in seals.items():
            cert_path = directory / "seals" / f"{seal_id}.pem"
            p12_path = directory / "seals" / f"{seal_id}.p12"
            current = _seal_is_current(cert_path, p12_path, root, name_zh, now, services_url)
            if renewed or not current:
                key, cert = _make_seal_cert(root_key, root, name_zh, name_en, now, services_url)
                blob = pkcs12.serialize_key_and_certificates(
                    name=seal_id.encode(),
                    key=key,
                    cert=cert,
                    cas=[root],
                    encryption_algorithm=serialization.BestAvailableEncryption(
                        DEMO_PKCS12_PASSWORD
                    ),
                )
                _write(p12_path, blob, private=True)
                _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
            result[seal_id] = DemoSeal(seal_id, name_zh, name_en, p12_path, cert_path)
    return DemoPki(directory, directory / "root-ca.pem", root, result, services_url)
