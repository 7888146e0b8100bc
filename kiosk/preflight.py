"""Start-up checks: can this terminal serve a citizen tonight?

Each check is a small named function that takes a `Preflight` context and yields one line per
problem (nothing when it passes). `kiosk-admin preflight` runs them all; the terminal runs the
same ones at start (all but the device probes: its drivers hold the devices and report their
health live) and stays out of service, naming the reason, until they pass. A new check is one
function appended to `CHECKS` (or given to `register`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import Settings

MB = 1024 * 1024


@dataclass
class Preflight:
    """What the checks look at, and what they load for the terminal to keep (seal keys)."""

    settings: Settings
    catalog: Any = None  # services_catalog.catalog.Catalog; loaded on first use
    environ: dict[str, str] | os._Environ[str] = field(default_factory=lambda: os.environ)
    seal_signers: dict[str, bool] = field(default_factory=dict)  # opened by the seals check

    def enabled_catalog(self) -> Any:
        """The catalog as the terminal will offer it: the admin's switches and a fleet's kept
        configuration over the config file's."""
        if self.catalog is None:
            from kiosk.service_switches import layered_settings
            from kiosk.switch_file import BrokenSwitchFile
            from services_catalog.catalog import load_catalog

            s = self.settings
            try:
                s = layered_settings(s)
            except (BrokenSwitchFile, OSError):
                pass  # the switches or data_dir check says so; the file's switches apply
            self.catalog = load_catalog(s.services.extra_catalog_dirs, s.service_enabled_override)
        return self.catalog

    def needed_seals(self) -> list[str]:
        """Seal ids an enabled printable service of this terminal signs with."""
        return sorted({s.seal for s in self.enabled_catalog().enabled() if s.printable and s.seal})


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Preflight], Iterable[str]]
    device: bool = False  # probes hardware: the running terminal watches these live instead
    # False: worth an admin's attention, but the terminal serves anyway (never taken out of
    # service for it at night).
    blocking: bool = True


@dataclass(frozen=True)
class Finding:
    check: str
    problem: str
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.check}: {self.problem}"


def run_checks(ctx: Preflight, checks: Iterable[Check] | None = None, *,
               devices: bool = True, blocking_only: bool = False) -> list[Finding]:
    """Every failure of every check; no blocking finding means the terminal can serve. A
    check that crashes is a failure of that check, never a crash of the caller."""
    findings: list[Finding] = []
    for check in CHECKS if checks is None else checks:
        if (check.device and not devices) or (blocking_only and not check.blocking):
            continue
        try:
            findings.extend(Finding(check.name, p, check.blocking) for p in check.run(ctx))
        except Exception as exc:  # noqa: BLE001 - reported as that check's failure
            findings.append(Finding(check.name, f"check failed: {type(exc).__name__}: {exc}",
                                    check.blocking))
    return findings


# ---- the checks ------------------------------------------------------------------------------
def check_config(ctx: Preflight) -> Iterator[str]:
    """What the file alone cannot say: every enabled service has a back-end and a seal."""
    yield from service_requirements(ctx.settings, ctx.enabled_catalog())


def service_requirements(settings: Settings, catalog: Any) -> Iterator[str]:
    if settings.demo:
        return
    backends = sorted({s.adapter for s in catalog.enabled()
                       if settings.backend(s.adapter).base_url == "demo"})
    for family in backends:
        yield (f"backends.{family}.base_url: not set, but enabled services use it (set it, or "
               "switch them off: kiosk-admin services disable ID)")
    needed = {s.seal for s in catalog.enabled() if s.printable and s.seal}
    for seal in sorted(needed - set(settings.seals)):
        yield (f"seals.{seal}: not configured, but enabled printable services are sealed with it "
               "(add [seals." + seal + "], or switch them off: kiosk-admin services disable ID)")


def check_switches(ctx: Preflight) -> Iterator[str]:
    """The admin's switch file (kiosk.switch_file) can be read; if not, the terminal serves
    on the config file's switches alone (not blocking) until someone repairs it."""
    from kiosk.config import ConfigError
    from kiosk.switch_file import read_switches, switch_file_path

    path = switch_file_path(ctx.settings)
    if not path.parent.is_dir():
        return  # no data dir yet (or not a folder: the data_dir check says so)
    try:
        read_switches(path)
    except ConfigError as exc:
        yield str(exc)


def check_data_dir(ctx: Preflight) -> Iterator[str]:
    directory = ctx.settings.resolved_data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".preflight-{os.getpid()}"
        with open(probe, "wb") as out:
            out.write(b"x")
            out.flush()
            os.fsync(out.fileno())
        probe.unlink()
    except OSError as exc:
        yield f"{directory} is not writable ({exc.strerror or exc})"
        return
    yield from free_space_problem(directory, ctx.settings.health.min_free_mb)


def free_space_problem(directory: Path, floor_mb: int) -> Iterator[str]:
    try:
        free = shutil.disk_usage(directory).free
    except OSError as exc:
        yield f"cannot read the free space of {directory} ({exc.strerror or exc})"
        return
    if free < floor_mb * MB:
        yield (f"{directory} has {free // MB} MB free, below the floor of {floor_mb} MB "
               "(health.min_free_mb)")


def check_database(ctx: Preflight) -> Iterator[str]:
    url = ctx.settings.resolved_database_url()
    if url.startswith("sqlite:///"):
        yield from _sqlite_integrity(Path(url.removeprefix("sqlite:///")))
        return
    from sqlalchemy import text

    from kiosk.store.db import make_engine

    engine = make_engine(url, ctx.settings.database_connect_timeout_s)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means no database
        yield f"cannot reach the database ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    finally:
        engine.dispose()


def _sqlite_integrity(path: Path) -> Iterator[str]:
    if not path.exists():
        return  # a new terminal: the store creates it
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        yield f"{path} is not a usable database ({exc})"
        return
    if rows != [("ok",)]:
        yield f"{path} failed its integrity check ({rows[0][0]})"


def check_audit_key(ctx: Preflight) -> Iterator[str]:
    name = ctx.settings.audit_key_env
    if not name:
        return  # the terminal key file serves (checked by terminal_key)
    value = ctx.environ.get(name, "")
    if not value:
        yield f"environment variable {name} (audit_key_env) is not set"
    elif len(value) < 16:
        yield f"environment variable {name} (audit_key_env) holds fewer than 16 characters"


def check_terminal_key(ctx: Preflight) -> Iterator[str]:
    from kiosk.store.keys import KEY_FILE, TerminalKeyError, TerminalKeys

    settings = ctx.settings
    if settings.demo or settings.audit_key_env:
        return  # demo creates its own; otherwise the key comes from the environment
    directory = settings.resolved_data_dir()
    from kiosk.data_mode import has_demo_leftovers

    if has_demo_leftovers(settings):
        yield (f"{directory} was used by the demo: its key and data are dropped when the "
               "terminal starts in service; create a key with: kiosk-admin keys init")
        return
    try:
        TerminalKeys.load(directory)
    except TerminalKeyError as exc:
        yield str(exc)
    except OSError as exc:
        yield f"cannot read {directory / KEY_FILE} ({exc.strerror or exc})"


def check_seals(ctx: Preflight) -> Iterator[str]:
    """Open every seal key an enabled printable service needs, for real (token present, PIN
    or password right, certificate valid): a wrong password shows here, not after a
    citizen's card, face and query."""
    settings = ctx.settings
    if settings.demo:
        return  # the demo makes its own seals; the running terminal checks them as a device
    from kiosk.seals import build_seals, seal_checks

    needed = [sid for sid in ctx.needed_seals() if sid in settings.seals]  # config names others
    try:
        read_trust_roots(settings.certificates.trust_roots)  # the seals' chains are built on them
    except TrustRootError:
        return  # the trust_roots check names it
    setup = build_seals(settings, settings.resolved_data_dir())
    try:
        for check in seal_checks(setup, settings, needed):
            if check.outcome == "fail":
                yield f"{check.name}: {check.detail}"
            elif check.name.startswith("seal:"):
                ctx.seal_signers[check.name.removeprefix("seal:")] = True
    finally:
        setup.stop()


def check_timestamp(ctx: Preflight) -> Iterator[str]:
    """The time-stamping authority answers with a token its trust roots vouch for. Probed
    like a device: a running terminal does not stop for it (it seals B-B with a note and a
    retry adds the time stamp), but a wrong address or root should be seen before service."""
    settings = ctx.settings
    if settings.demo:
        return  # the demo starts its own authority
    url = settings.certificates.timestamp_url
    if not url:
        yield ("certificates.timestamp_url: not set; certificates would carry no trusted time "
               "and could not be checked once the seal certificate expires")
        return
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from kiosk.seals import timestamp_problems

    try:
        roots = read_trust_roots(settings.certificates.trust_roots)
    except TrustRootError:
        return  # the trust_roots check names it
    yield from timestamp_problems(
        url, tuple(asn1_x509.Certificate.load(r.public_bytes(Encoding.DER)) for r in roots))


def check_trust_roots(ctx: Preflight) -> Iterator[str]:
    for path in ctx.settings.certificates.trust_roots:
        try:
            read_trust_roots([path])
        except TrustRootError as exc:
            yield str(exc)


class TrustRootError(ValueError):
    """A configured trust root cannot be used; the message names the file."""


def read_trust_roots(paths: Iterable[Path]) -> list[Any]:
    """The certificates of PEM trust-root files (cryptography x509 objects), or one line
    saying which file is missing or not a certificate."""
    from cryptography import x509

    roots: list[Any] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise TrustRootError(f"trust root {path}: {exc.strerror or exc}") from None
        try:
            roots.extend(x509.load_pem_x509_certificates(data))
        except ValueError:
            raise TrustRootError(f"trust root {path}: not a PEM certificate file") from None
    return roots


def check_printer(ctx: Preflight) -> Iterator[str]:
    p = ctx.settings.printer
    if not p.required:
        return
    if p.kind == "pdf_dir":
        directory = p.pdf_dir or ctx.settings.resolved_data_dir() / "printed"
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            yield f"printer.pdf_dir {directory} cannot be created ({exc.strerror or exc})"
            return
        if not os.access(directory, os.W_OK):
            yield f"printer.pdf_dir {directory} is not writable"
        return
    yield from _device_problem("printer", _open_printer(ctx.settings))


def check_reader(ctx: Preflight) -> Iterator[str]:
    settings = ctx.settings
    if settings.reader.port == "simulator" or not settings.reader.required:
        return
    from devices.idcard.reader import IdCardReader

    reader = IdCardReader(settings.reader.port, settings.reader.baud, armed=False)
    yield from _device_problem("reader", reader, publisher=reader.status_publisher)


def check_camera(ctx: Preflight) -> Iterator[str]:
    settings = ctx.settings
    if settings.camera.source == "simulator" or not settings.camera.required:
        return
    import cv2

    from kiosk.parts import build_camera

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    camera, _detector = build_camera(settings, simulate=False)
    yield from _device_problem("camera", camera, publisher=camera.publisher)


def _open_printer(settings: Settings) -> Any:
    from kiosk.parts import build_printer

    return build_printer(settings, settings.resolved_data_dir())


def _device_problem(name: str, device: Any, publisher: Any = None,
                    settle_s: float = 5.0) -> Iterator[str]:
    """Start a device's driver, let it settle, and say what is wrong if it is not ready."""
    import time

    from devices.status import DeviceState

    publisher = publisher or device.status_publisher
    try:
        if hasattr(device, "start"):
            device.start()
        if hasattr(device, "status") and callable(device.status):
            device.status()
        end = time.monotonic() + settle_s
        while publisher.status.state is DeviceState.STARTING and time.monotonic() < end:
            time.sleep(0.1)
        status = publisher.status
    finally:
        if hasattr(device, "stop"):
            device.stop()
    if not status.ready:
        detail = f": {status.detail}" if status.detail else ""
        yield f"{status.state.value}{detail}"


CHECKS: list[Check] = [
    Check("config", check_config),
    Check("switches", check_switches, blocking=False),
    Check("data_dir", check_data_dir),
    Check("database", check_database),
    Check("audit_key", check_audit_key),
    Check("terminal_key", check_terminal_key),
    Check("seals", check_seals),
    Check("trust_roots", check_trust_roots),
    Check("timestamp", check_timestamp, device=True),
    Check("printer", check_printer, device=True),
    Check("reader", check_reader, device=True),
    Check("camera", check_camera, device=True),
]


def register(check: Check) -> None:
    """Add a check (e.g. a token or timestamp server check) after the built-in ones."""
    if any(c.name == check.name for c in CHECKS):
        raise ValueError(f"a preflight check named {check.name!r} exists")
    CHECKS.append(check)
