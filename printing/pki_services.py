"""The demo CA's online services: a time-stamping authority, an OCSP responder and a CRL.

`LocalAuthority` answers the three protocols from the demo root (RFC 3161 time stamps signed by
a TSA certificate, RFC 6960 responses signed by a delegated responder, an RFC 5280 CRL signed
by the root) and keeps its revocations in `revocations.json` beside the root, so a revocation
made by one process is answered by another. `PkiServices` serves it over HTTP on loopback,
the way a department's PKI serves a terminal: the signer asks these addresses exactly as it
would ask real ones, and nothing here is reachable from outside the machine.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko_certvalidator.registry import SimpleCertificateStore

from printing.demo_pki import DemoPki, revocation_pointers

log = logging.getLogger(__name__)

TSA_VALIDITY = timedelta(days=12 * 365)
# The responder outlives the seal certificates too: its answers are checked years later.
OCSP_VALIDITY = TSA_VALIDITY
# How long an answer stays fresh: a relying party fetches again after this.
ANSWER_VALIDITY = timedelta(days=1)
REASONS = {r.name: r for r in x509.ReasonFlags}


@dataclass(frozen=True)
class Revocation:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


ServiceKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _service_cert(
    root_key: rsa.RSAPrivateKey, root: x509.Certificate, name: str, key: ServiceKey,
    usage: x509.ObjectIdentifier, validity: timedelta, now: datetime, services_url: str,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gov-kiosk DEMO (not valid)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(min(now + validity, root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                       critical=True)
        # RFC 3161 wants the time-stamping purpose alone and critical.
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                       critical=False)
    )
    if usage == ExtendedKeyUsageOID.OCSP_SIGNING:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    else:
        for extension in revocation_pointers(services_url):
            builder = builder.add_extension(extension, critical=False)
    return builder.sign(root_key, hashes.SHA256())


def _private_pem(key: ServiceKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class LocalAuthority:
    """TSA, OCSP responder and CRL issuer of one demo PKI directory."""

    def __init__(self, pki: DemoPki) -> None:
        if not pki.services_url:
            raise ValueError("the demo PKI was made without a services address")
        self.pki = pki
        self.root = pki.root_certificate
        self._root_key = pki.root_key()
        self._revocations_path = pki.directory / "revocations.json"
        self._lock = threading.Lock()
        now = datetime.now(UTC)
        self.tsa_key, self.tsa_cert = self._service("tsa", "gov-kiosk DEMO Time-Stamping Authority",
                                                    ExtendedKeyUsageOID.TIME_STAMPING,
                                                    TSA_VALIDITY, now)
        self.ocsp_key, self.ocsp_cert = self._service("ocsp", "gov-kiosk DEMO OCSP Responder",
                                                      ExtendedKeyUsageOID.OCSP_SIGNING,
                                                      OCSP_VALIDITY, now)
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        self._stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(_der(self.tsa_cert)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(self.tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [asn1_x509.Certificate.load(_der(self.root))]),
        )

    def _service(
        self, stem: str, name: str, usage: x509.ObjectIdentifier, validity: timedelta,
        now: datetime,
    ) -> tuple[ServiceKey, x509.Certificate]:
        key_path = self.pki.directory / f"{stem}.key.pem"
        cert_path = self.pki.directory / f"{stem}.pem"
        if key_path.is_file() and cert_path.is_file():
            kept = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if (isinstance(kept, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
                    and cert.issuer == self.root.subject
                    and cert.not_valid_after_utc - timedelta(days=30) > now):
                return kept, cert
        # pyHanko's time-stamp signer signs with RSA only; the responder's key is EC (quick).
        key: ServiceKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if usage == ExtendedKeyUsageOID.TIME_STAMPING
            else ec.generate_private_key(ec.SECP256R1())
        )
        cert = _service_cert(self._root_key, self.root, name, key, usage, validity, now,
                             self.pki.services_url)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_private_pem(key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return key, cert

    # ---- revocation ------------------------------------------------------------------------
    def revocations(self) -> dict[int, Revocation]:
        try:
            raw = json.loads(self._revocations_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {
            int(serial): Revocation(int(serial), datetime.fromisoformat(entry["revoked_at"]),
                                    REASONS[entry["reason"]])
            for serial, entry in raw.items()
        }

    def revoke(
        self, serial: int, revoked_at: datetime | None = None,
        reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise,
    ) -> Revocation:
        """Record a revocation (effective `revoked_at`, default now); returns it."""
        when = (revoked_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        with self._lock:
            raw = {str(r.serial): {"revoked_at": r.revoked_at.isoformat(), "reason": r.reason.name}
                   for r in self.revocations().values()}
            raw[str(serial)] = {"revoked_at": when.isoformat(), "reason": reason.name}
            tmp = self._revocations_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(raw, indent=1), encoding="utf-8")
            os.replace(tmp, self._revocations_path)
        return Revocation(serial, when, reason)

    # ---- the three protocols ---------------------------------------------------------------
    def crl(self, now: datetime | None = None) -> bytes:
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(now)
            .next_update(now + ANSWER_VALIDITY)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self._root_key.public_key()), critical=False)
        )
        for revocation in self.revocations().values():
            if revocation.revoked_at > now:
                continue  # not yet in force
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(revocation.serial)
                .revocation_date(revocation.revoked_at)
                .add_extension(x509.CRLReason(revocation.reason), critical=False)
                .build()
            )
        return builder.sign(self._root_key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    def ocsp(self, request_der: bytes, now: datetime | None = None) -> bytes:
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(serialization.Encoding.DER)
        probe = ocsp.OCSPRequestBuilder().add_certificate(
            self.ocsp_cert, self.root, request.hash_algorithm).build()
        if (request.issuer_name_hash, request.issuer_key_hash) != (
                probe.issuer_name_hash, probe.issuer_key_hash):
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        revocation = self.revocations().get(request.serial_number)
        if revocation is not None and revocation.revoked_at > now:
            revocation = None
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revocation else ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + ANSWER_VALIDITY,
            revocation_time=revocation.revoked_at if revocation else None,
            revocation_reason=revocation.reason if revocation else None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, self.ocsp_cert).certificates(
            [self.ocsp_cert])
        for extension in request.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                builder = builder.add_extension(extension.value, critical=False)
        return builder.sign(self.ocsp_key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    def timestamp(self, request_der: bytes) -> bytes:
        request = tsp.TimeStampReq.load(request_der)
        return self._stamper.request_tsa_response(request).dump()  # type: ignore[no-any-return]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        log.debug("pki services: " + format, *args)

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        authority = self.server.authority
        if self.path == "/crl":
            if not self.server.revocation_up:
                self._answer(503, "text/plain", b"CRL unavailable")
                return
            self._answer(200, "application/pkix-crl", authority.crl())
        elif self.path == "/health":
            fingerprint = authority.root.fingerprint(hashes.SHA256()).hex()
            self._answer(200, "text/plain", fingerprint.encode())
        else:
            self._answer(404, "text/plain", b"not found")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 65536))
        if self.path == "/ocsp":
            if not self.server.revocation_up:
                self._answer(503, "text/plain", b"OCSP responder unavailable")
                return
            self._answer(200, "application/ocsp-response", self.server.authority.ocsp(body))
        elif self.path == "/tsa":
            if not self.server.tsa_up:
                self._answer(503, "text/plain", b"time-stamping authority unavailable")
                return
            try:
                answer = self.server.authority.timestamp(body)
            except ValueError:
                self._answer(400, "text/plain", b"not a time-stamp request")
                return
            self._answer(200, "application/timestamp-reply", answer)
        else:
            self._answer(404, "text/plain", b"not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    authority: LocalAuthority
    tsa_up: bool = True
    revocation_up: bool = True


class PkiServices:
    """The local TSA, OCSP responder and CRL over HTTP on 127.0.0.1 (a daemon thread).

    Example::

        with PkiServices(LocalAuthority(pki), port=pki_port) as services:
            services.timestamp_url  # http://127.0.0.1:PORT/tsa
    """

    def __init__(self, authority: LocalAuthority, port: int) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.authority = authority
        self._thread: threading.Thread | None = None
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def timestamp_url(self) -> str:
        return f"{self.base_url}/tsa"

    def set_tsa_up(self, up: bool) -> None:
        """Simulate the time-stamping authority going down (503) and coming back."""
        self._server.tsa_up = up

    def set_revocation_up(self, up: bool) -> None:
        """Simulate the OCSP responder and the CRL going down (503) and coming back."""
        self._server.revocation_up = up

    def start(self) -> PkiServices:
        self._thread = threading.Thread(target=self._server.serve_forever, name="pki-services",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> PkiServices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def reserve_port() -> int:
    """A free loopback port, for a PKI whose certificates must name its address up front."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def services_url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def start_local_pki(directory: Path, seals: dict[str, tuple[str, str]], port: int = 0
                    ) -> tuple[DemoPki, PkiServices]:
    """The demo PKI in `directory` with its services running; reuses the address it was made
    with when that port is free (the certificates name it), else starts on a new one."""
    from printing.demo_pki import ensure_demo_pki

    recorded = directory / "services-port"
    if not port and recorded.is_file():
        port = int(recorded.read_text() or 0)
    try:
        probe = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
        probe.server_close()
    except OSError:
        port = 0
    port = port or reserve_port()
    directory.mkdir(parents=True, exist_ok=True)
    recorded.write_text(str(port))
    pki = ensure_demo_pki(directory, seals, services_url=services_url_for(port))
    services = PkiServices(LocalAuthority(pki), port).start()
    return pki, services
