"""The terminal's seals: where the keys are, which services they use, how they are kept up.

`build_seals` turns the config into a keyring (keys in the PKCS#11 token, or PKCS#12 files as
the fallback), the time-stamping address and the trust roots used to fetch revocation data.
In demo mode it starts the demo CA's TSA, OCSP responder and CRL on loopback and, when
SoftHSM2 is installed, keeps the demo seal keys in a SoftHSM2 token in the data dir.
`seal_checks` is what start-up asks before the terminal goes into service: the token is there,
its PIN works, each seal certificate is valid and not about to expire. `ArchiveUpkeep` is the
retry timer that gives every archive copy its document time stamp (B-LTA).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.config import Settings
from printing.errors import CertificateError, SealUnavailable
from printing.signer import LEVEL_LTA, SealKeyring, SealSigner

log = logging.getLogger(__name__)

# Demo only: the SoftHSM2 token of the demo seals (a real PIN comes from [seal_token] pin_env).
DEMO_TOKEN_PIN = "246810"
DEMO_TOKEN_LABEL = "gov-kiosk-demo"


@dataclass(frozen=True)
class SealCheck:
    """One start-up check of a seal (or of the token): ok, warn (serve, but tell staff) or fail."""

    name: str
    outcome: str  # "ok" | "warn" | "fail"
    detail: str
    not_after: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome, "detail": self.detail,
                "not_after": self.not_after.isoformat() if self.not_after else None}


@dataclass
class SealSetup:
    keyring: SealKeyring
    timestamp_url: str
    trust_roots: tuple[asn1_x509.Certificate, ...]
    demo_trust_root: Path | None = None
    store_kind: str = "pkcs12"  # where the keys are: "token" or "pkcs12"
    token_error: str = ""  # why the token could not be used, when it could not
    services: Any = None  # demo mode: the local PkiServices (TSA, OCSP, CRL)
    open_token: Callable[[], Any] | None = None  # logs in to the token (checks presence, PIN)
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    # Seals their CA reported revoked when signing (seal id -> detail): a revocation is not
    # undone, so the checks fail that seal from then on, not just one citizen at a time.
    revoked: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            stop()
        self.stoppers.clear()


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _pem_certs(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in paths:
        try:
            certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise SealUnavailable(f"cannot read certificates from {path}: {exc}") from None
    return certs


def _module(name: str) -> str:
    from printing.token import softhsm_module

    if name == "softhsm":
        module = softhsm_module()
        if module is None:
            raise SealUnavailable("SoftHSM2 is not installed (Debian package softhsm2)")
        return module
    return name


def build_seals(settings: Settings, data_dir: Path) -> SealSetup:
    if settings.demo:
        return _demo_seals(settings, data_dir)
    return _configured_seals(settings)


def _demo_seals(settings: Settings, data_dir: Path) -> SealSetup:
    from pkcs11.exceptions import PKCS11Error

    from printing.demo_pki import SEAL_VALIDITY, make_seal_cert, seal_certificate_is_current
    from printing.pki_services import start_local_pki
    from printing.token import ensure_token_seal, open_token, softhsm_module, softhsm_token
    from services_catalog.catalog import load_seals

    seals = {sid: (info.name_zh, info.name_en) for sid, info in load_seals().items()}
    seals.update({sid: (s.name_zh, s.name_en) for sid, s in settings.seals.items()})
    pki, services = start_local_pki(data_dir / "demo-pki", seals)
    root = _asn1(pki.root_certificate)
    tsa = settings.certificates.timestamp_url or services.timestamp_url
    options: dict[str, Any] = {
        "timestamp_url": tsa,
        "trust_roots": (root,) if settings.certificates.long_term else (),
    }
    setup = SealSetup(SealKeyring.demo(pki, **options), tsa, (root,), pki.root_certificate_path,
                      stoppers=[services.stop], services=services)
    if settings.seal_token.module != "softhsm" or softhsm_module() is None:
        setup.token_error = "SoftHSM2 not installed: demo keys are PKCS#12 files"
        return setup
    try:
        pin = os.environ.get(settings.seal_token.pin_env, "") or DEMO_TOKEN_PIN
        session = open_token(softhsm_token(data_dir / "softhsm", DEMO_TOKEN_LABEL, pin))
        root_key, now = pki.root_key(), datetime.now(UTC)
        for sid, (name_zh, name_en) in seals.items():
            def certify(public_key: Any, zh: str = name_zh, en: str = name_en) -> x509.Certificate:
                return make_seal_cert(root_key, pki.root_certificate, public_key, zh, en,
                                      now - timedelta(days=1), now + SEAL_VALIDITY,
                                      pki.services_url)

            def current(cert: x509.Certificate, zh: str = name_zh) -> bool:
                return seal_certificate_is_current(cert, pki.root_certificate, zh, now,
                                                   pki.services_url)

            ensure_token_seal(session, sid, certify, current)
    except (CertificateError, OSError, PKCS11Error) as exc:
        setup.token_error = (f"demo token not usable ({str(exc) or type(exc).__name__}): demo keys "
                             "are PKCS#12 files")
        log.warning(setup.token_error)
        return setup

    token_lock = threading.Lock()

    def loader(sid: str) -> Callable[[], SealSigner]:
        zh, en = seals[sid]
        return lambda: SealSigner.from_token(sid, zh, en, session, [pki.root_certificate],
                                             lock=token_lock, **options)

    setup.keyring = SealKeyring({sid: loader(sid) for sid in seals})
    setup.store_kind = "token"
    setup.open_token = lambda: _probe(session, list(seals), token_lock)
    setup.stoppers.append(session.close)
    return setup


def _configured_seals(settings: Settings) -> SealSetup:
    from printing.token import TokenSpec, open_token

    roots = tuple(_asn1(c) for c in _pem_certs(settings.certificates.trust_roots))
    tsa = settings.certificates.timestamp_url
    options: dict[str, Any] = {
        "timestamp_url": tsa,
        "trust_roots": roots if settings.certificates.long_term else (),
    }
    token_session: list[Any] = []
    lock = threading.Lock()
    token_lock = threading.Lock()  # one signature at a time on the token's session

    def session() -> Any:
        with lock:
            if not token_session:
                token = settings.seal_token
                pin = os.environ.get(token.pin_env, "")
                if not pin:
                    raise SealUnavailable(f"the seal token PIN is not set ({token.pin_env})")
                token_session.append(open_token(TokenSpec(_module(token.module), token.label,
                                                          pin)))
            return token_session[0]

    token_seals = sorted(sid for sid, s in settings.seals.items() if s.store == "token")

    def probe() -> Any:
        """Log in once, then ask the token every time: a token removed while the terminal
        runs fails the check (and the next check logs in anew, signers reloaded)."""
        current = session()
        try:
            return _probe(current, token_seals, token_lock)
        except SealUnavailable:
            with lock:
                if token_session and token_session[0] is current:
                    token_session.clear()
            setup.keyring.forget()
            raise

    def loader(sid: str) -> Callable[[], SealSigner]:
        seal = settings.seals[sid]
        if seal.store == "token":
            return lambda: SealSigner.from_token(sid, seal.name_zh, seal.name_en, session(),
                                                 _pem_certs(seal.chain), lock=token_lock,
                                                 **options)
        password = os.environ.get(seal.password_env, "").encode() if seal.password_env else None
        return lambda: SealSigner.from_pkcs12(sid, seal.name_zh, seal.name_en,
                                              seal.pkcs12 or "", password, **options)

    kinds = {s.store for s in settings.seals.values()}
    setup = SealSetup(SealKeyring({sid: loader(sid) for sid in settings.seals}), tsa, roots,
                      store_kind="token" if "token" in kinds else "pkcs12",
                      open_token=probe if "token" in kinds else None)
    def close_token_sessions() -> None:
        for session in token_session:
            session.close()

    setup.stoppers.append(close_token_sessions)
    return setup


def _probe(session: Any, seal_ids: list[str], token_lock: threading.Lock) -> Any:
    from printing.token import missing_keys

    with token_lock:
        missing = missing_keys(session, seal_ids)
    if missing:
        raise SealUnavailable(f"the seal token no longer shows the key of {', '.join(missing)} "
                              "(token removed?)")
    return session


def seal_checks(setup: SealSetup, settings: Settings, seal_ids: list[str],
                now: datetime | None = None) -> list[SealCheck]:
    """Before service: each seal's key opens (token present, PIN right) and its certificate
    is valid; one expiring within `expiry_warning_days` is a warning."""
    now = now or datetime.now(UTC)
    warn_days = settings.certificates.expiry_warning_days
    checks: list[SealCheck] = []
    if setup.open_token is not None:
        try:
            setup.open_token()
            checks.append(SealCheck("seal_token", "ok", "token present, PIN accepted"))
        except CertificateError as exc:
            checks.append(SealCheck("seal_token", "fail", exc.detail or exc.message_en))
    elif setup.token_error:
        checks.append(SealCheck("seal_token", "warn", setup.token_error))
    if (not settings.demo and setup.store_kind == "token"
            and settings.seal_token.module == "softhsm"):
        # Serves (as the PKCS#12 fallback does), but never without saying so.
        checks.append(SealCheck("seal_token_kind", "warn",
                                "SoftHSM2 is a software token: the seal keys are files on this "
                                "disk; name the hardware token's module in [seal_token] module"))
    for sid in seal_ids:
        try:
            signer = setup.keyring.get(sid)
        except CertificateError as exc:
            checks.append(SealCheck(f"seal:{sid}", "fail", exc.detail or exc.message_en))
            continue
        if sid in setup.revoked:
            checks.append(SealCheck(f"seal:{sid}", "fail", setup.revoked[sid]))
            continue
        validity = signer.certificate["tbs_certificate"]["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        days = (not_after - now).total_seconds() / 86400
        if now < not_before or days <= 0:
            checks.append(SealCheck(f"seal:{sid}", "fail", "seal certificate not valid now",
                                    not_after))
        elif days <= warn_days:
            checks.append(SealCheck(f"seal:{sid}", "warn",
                                    f"seal certificate expires in {int(days)} days "
                                    f"({not_after:%Y-%m-%d}): renew it", not_after))
        else:
            checks.append(SealCheck(f"seal:{sid}", "ok",
                                    f"valid until {not_after:%Y-%m-%d}, {signer.level}",
                                    not_after))
    if not setup.timestamp_url:
        checks.append(SealCheck("timestamp", "warn",
                                "no time-stamping authority: certificates are sealed B-B"))
    return checks


class ArchiveUpkeep:
    """The retry timer: gives each archive copy below B-LTA its validation data and document
    time stamp, and records the level reached in the registry. A copy whose authority is
    still down stays queued and is tried again on the next round."""

    def __init__(
        self, setup: SealSetup, archive: Any, registry: Any, interval_s: float,
        *, renew_after: timedelta = timedelta(days=5 * 365),
        on_round: Callable[[], None] | None = None, audit: Any = None,
    ) -> None:
        """`renew_after`: a B-LTA copy whose last time stamp is older gets a new one (well
        before the authority's certificate expires). `on_round` runs after every round (the
        runtime re-checks the seals' expiry there)."""
        from printing.signer import AuthorityTimeStamper

        self._setup = setup
        self._archive = archive
        self._registry = registry
        self._interval = interval_s
        self._renew_after = renew_after
        self._on_round = on_round
        self._audit = audit  # the store's AuditLog: each upgrade commits with its line
        self._timestamper = (AuthorityTimeStamper(setup.timestamp_url)
                             if setup.timestamp_url else None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, now: datetime | None = None) -> int:
        """One round; returns how many copies got a document time stamp."""
        from printing.signer import extend_to_lta

        now = now or datetime.now(UTC)
        done = 0
        due = self._archive.waiting() + self._archive.due_for_renewal(now - self._renew_after)
        for code in due:
            document = self._archive.document(code)
            if document is None:
                continue
            try:
                upgraded = extend_to_lta(document, self._timestamper, self._setup.trust_roots)
            except CertificateError as exc:
                self._archive.failed(code, exc.detail or exc.message_en)
                log.info("archive copy %s still waits for its time stamp: %s", code, exc.detail)
                continue
            if self._audit is None:
                self._archive.upgraded(code, LEVEL_LTA, upgraded)
                self._registry.set_seal_level(code, LEVEL_LTA)
            else:
                with self._audit.transaction() as session:
                    self._archive.upgraded_in(session, code, LEVEL_LTA, upgraded)
                    self._registry.set_seal_level_in(session, code, LEVEL_LTA)
                    self._audit.append(session, "seal_level", LEVEL_LTA, actor="system",
                                       detail=f"{code} archive copy time-stamped")
            done += 1
        return done

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self._interval):
                try:
                    self.run_once()
                except Exception:  # noqa: BLE001 - the timer must survive a bad round
                    log.exception("archive upkeep round failed")
                # The seals' re-check does not depend on the archive: a locked or full
                # database must not leave an expiring or pulled seal unseen.
                try:
                    if self._on_round is not None:
                        self._on_round()
                except Exception:  # noqa: BLE001
                    log.exception("seal re-check failed")

        self._thread = threading.Thread(target=loop, name="archive-upkeep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def seal_device_status(checks: list[SealCheck]) -> Any:
    """The seal as one more device on the attendant panel: a failed check keeps the terminal
    out of service; a warning (a certificate about to expire) is said, but it serves."""
    from devices.status import DeviceClass, DeviceState, DeviceStatus

    failed = [c for c in checks if c.outcome == "fail"]
    warned = [c for c in checks if c.outcome == "warn"]
    detail = "; ".join(f"{c.name}: {c.detail}" for c in failed + warned)
    state = DeviceState.HARDWARE_ERROR if failed else DeviceState.ONLINE
    soonest = min((c.not_after for c in checks if c.not_after), default=None)
    info = {"expires": f"{soonest:%Y-%m-%d}"} if soonest else {}
    return DeviceStatus(DeviceClass.SEAL, state, detail, info=info)


def printable_seal_ids(catalog: Any) -> list[str]:
    return sorted({s.seal for s in catalog.enabled() if s.printable and s.seal})


def timestamp_problems(url: str, trust_roots: tuple[asn1_x509.Certificate, ...],
                       timeout_s: float = 5.0) -> list[str]:
    """Ask the time-stamping authority for a token over a test digest and check that the
    token is intact and made by a certificate chaining to the trust roots. Empty when fine."""
    import asyncio
    import hashlib

    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(b"gov-kiosk time-stamp probe").digest()

    async def probe() -> TimestampSignatureStatus:
        token = await HTTPTimeStamper(url, timeout=timeout_s).async_timestamp(digest, "sha256")
        context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=True,
                                    revocation_mode="soft-fail")
        found = await validate_tst_signed_data(token["content"], context,
                                               lambda _algorithm: digest)
        return TimestampSignatureStatus(**found)

    try:
        status = asyncio.run(probe())
    except TimestampRequestError as exc:
        return [f"{url}: no time stamp ({exc}); until it answers, certificates are sealed "
                "B-B with a 'timestamp pending' note"]
    except Exception as exc:  # noqa: BLE001 - any malformed answer is one plain line
        return [f"{url}: the answer is not a usable time stamp ({type(exc).__name__})"]
    if not (status.intact and status.valid):
        return [f"{url}: the time stamp does not match what was asked"]
    if not status.trusted:
        return [f"{url}: the authority's certificate does not chain to the trust roots "
                "([certificates] trust_roots), so no certificate could be checked later"]
    return []
