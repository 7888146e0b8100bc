"""The terminal's settings: one TOML file, validated by pydantic, with every default here.

A broken file never starts a half-configured terminal: `load_settings` raises `ConfigError`
with one sentence naming the file, the line (when TOML itself is broken) and the field.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import tomllib
from collections.abc import Iterable, Iterator
from datetime import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

APP_NAME = "gov-kiosk"


class ConfigError(Exception):
    """The config file cannot be used; the message says where and why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReaderSettings(_Section):
    # "simulator" wires the bundled reader simulator on a pseudo-terminal (demo mode).
    port: str = "simulator"
    baud: int = Field(default=115200, description="serial speed of the SAM module")
    poll_interval_s: float = Field(default=0.3, ge=0.3, le=5.0)
    required: bool = True

    @field_validator("baud")
    @classmethod
    def _known_baud(cls, value: int) -> int:
        if value not in (9600, 19200, 38400, 57600, 115200):
            raise ValueError("must be one of 9600, 19200, 38400, 57600, 115200")
        return value


class CameraSettings(_Section):
    # A device index ("0"), a V4L2 path ("/dev/video0"), or "simulator".
    source: str = "simulator"
    width: int = Field(default=640, ge=160, le=3840)
    height: int = Field(default=480, ge=120, le=2160)
    required: bool = True


class PrinterSettings(_Section):
    kind: Literal["pdf_dir", "cups"] = "pdf_dir"
    queue: str = ""  # CUPS queue name (kind = "cups")
    server: str = ""  # CUPS server "host[:port]" or socket path; empty: the system default
    pdf_dir: Path | None = None  # development sink; default: <data_dir>/printed
    required: bool = True


class ReceiptSettings(_Section):
    enabled: bool = False
    # python-escpos connection: "usb:0x0416:0x5011", "serial:/dev/ttyS1", or "file:/dev/usb/lp0"
    device: str = ""


class BackendSettings(_Section):
    # "demo" points at the bundled demo back-end started with the terminal.
    base_url: str = "demo"
    timeout_s: float = Field(default=8.0, gt=0, le=60)
    retries: int = Field(default=2, ge=0, le=5)
    breaker_failures: int = Field(default=5, ge=1, le=100)
    breaker_reset_s: float = Field(default=30.0, gt=0, le=3600)


class SealSettings(_Section):
    name_zh: str
    name_en: str
    # Where the key is: "token" (the [seal_token] PKCS#11 token, key and certificate labelled
    # with the seal id) or "pkcs12" (the fallback for a terminal without a token).
    store: Literal["token", "pkcs12"] = "pkcs12"
    # PKCS#12 file of the department's seal key; None in demo mode (the demo CA issues one).
    pkcs12: Path | None = None
    password_env: str = ""  # name of the environment variable holding the PKCS#12 password
    chain: tuple[Path, ...] = ()  # PEM files of the issuing CAs of a token's certificate


class SealTokenSettings(_Section):
    """The PKCS#11 token holding the seal keys (they are made in it and never leave it)."""

    # The vendor's PKCS#11 module; "softhsm" = Debian's SoftHSM2 (demo mode uses it when it is
    # installed, with a token of its own in the data dir).
    module: str = "softhsm"
    label: str = "gov-kiosk-seals"
    pin_env: str = "GOV_KIOSK_TOKEN_PIN"  # the environment variable holding the user PIN


class CertificateSettings(_Section):
    verify_url: str = "http://127.0.0.1:8780/verify"
    # RFC 3161 time-stamping authority; empty in demo mode means the local demo services.
    timestamp_url: str = ""
    trust_roots: tuple[Path, ...] = ()  # PEM files; demo mode adds the demo CA
    # A certificate that did not print is kept (encrypted) this long for its holder to collect
    # or staff to reprint; then it is purged.
    keep_unprinted_days: int = Field(default=7, ge=1, le=30)
    # Embed OCSP responses and CRLs (PAdES B-LT) when a time-stamping authority is set.
    long_term: bool = True
    # A certificate sealed while the authority was down is time-stamped by a retry this often.
    timestamp_retry_s: float = Field(default=300.0, ge=10, le=86400)
    # Seal certificates expiring within this many days are reported at start-up.
    expiry_warning_days: int = Field(default=30, ge=1, le=365)


class SessionSettings(_Section):
    # At least 45 s: the "need more time?" warning comes 30 s before the wipe (WCAG 2.2.1 asks
    # for 20 s to answer it), and a screen should not open with the warning already up.
    idle_timeout_s: float = Field(default=60.0, ge=45, le=600)
    elderly_idle_timeout_s: float = Field(default=120.0, ge=10, le=900)
    result_timeout_s: float = Field(default=90.0, ge=45, le=900)
    language: Literal["zh", "en"] = "zh"


class ServicesSettings(_Section):
    """Per-terminal switches over the catalog's own `enabled` flags."""

    disabled: tuple[str, ...] = ()
    enabled: tuple[str, ...] = ()
    extra_catalog_dirs: tuple[Path, ...] = ()

    def switched(self, on: Iterable[str], off: Iterable[str]) -> ServicesSettings:
        """These switches with another layer's over them (the terminal's admin over the file,
        the centre over both): a service the layer names takes the layer's state."""
        on, off = set(on), set(off)
        return self.model_copy(update={
            "enabled": tuple(sorted((set(self.enabled) - off) | on)),
            "disabled": tuple(sorted((set(self.disabled) - on) | off)),
        })


class HealthSettings(_Section):
    """When the terminal takes itself out of service, and how it comes back."""

    # Below this much free space in the data dir the terminal goes out of service before the
    # next session, rather than failing in the middle of one.
    min_free_mb: int = Field(default=200, ge=1, le=1_000_000)
    check_interval_s: float = Field(default=5.0, ge=0.1, le=300)
    # A failed start is tried again after retry_min_s, doubling up to retry_max_s.
    retry_min_s: float = Field(default=2.0, ge=0.1, le=600)
    retry_max_s: float = Field(default=60.0, ge=0.1, le=3600)


class AttendantSettings(_Section):
    # argon2 hash of the attendant PIN; the demo PIN (246810) is used when empty in demo mode.
    pin_hash: str = ""
    max_failures: int = Field(default=5, ge=1, le=20)
    lockout_s: float = Field(default=300.0, ge=10, le=86400)
    weekday_hours: tuple[time, time] = (time(9, 0), time(17, 0))


class FleetSettings(_Section):
    """The central service this terminal reports to; no [fleet] section, no reporting."""

    url: str = Field(pattern=r"^https?://\S+$")  # the centre's base URL
    # The centre knows the terminal by the top-level terminal_id, the one its certificates
    # carry: the centre accepts a terminal's registry entries only under its own id.
    enrol_token_env: str = "GOV_KIOSK_FLEET_TOKEN"  # env var with the one-time token
    heartbeat_interval_s: float = Field(default=30.0, ge=1, le=3600)
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    batch_size: int = Field(default=100, ge=1, le=1000)  # outbox items per request
    # The public verification page printed in the QR code; default: <url>/verify.
    verify_url: str = ""
    ca_file: Path | None = None  # PEM bundle to trust for the centre's TLS certificate

    def public_verify_url(self) -> str:
        return self.verify_url or self.url.rstrip("/") + "/verify"


class Settings(_Section):
    terminal_id: str = Field(default="DEMO-0001", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    hall_name_zh: str = "政务服务中心 24小时自助服务区"
    hall_name_en: str = "Government Service Centre, 24-hour self-service area"
    hall_phone: str = "12345"
    demo: bool = True
    data_dir: Path | None = None  # default: the user's data dir for gov-kiosk
    database_url: str = ""  # default: SQLite in data_dir; a PostgreSQL URL works too
    # How long a PostgreSQL server may take to answer a new connection before the start or
    # the request fails (a `connect_timeout` in the URL wins).
    database_connect_timeout_s: float = Field(default=10.0, ge=1, le=300)
    audit_key_env: str = ""  # env var with the key that hashes ID numbers in the audit log
    reader: ReaderSettings = ReaderSettings()
    camera: CameraSettings = CameraSettings()
    printer: PrinterSettings = PrinterSettings()
    receipt: ReceiptSettings = ReceiptSettings()
    backends: dict[str, BackendSettings] = Field(default_factory=dict)
    face_verifier: BackendSettings = BackendSettings()
    seals: dict[str, SealSettings] = Field(default_factory=dict)
    seal_token: SealTokenSettings = SealTokenSettings()
    certificates: CertificateSettings = CertificateSettings()
    session: SessionSettings = SessionSettings()
    services: ServicesSettings = ServicesSettings()
    attendant: AttendantSettings = AttendantSettings()
    fleet: FleetSettings | None = None
    health: HealthSettings = HealthSettings()

    @model_validator(mode="after")
    def _no_stand_ins_in_service(self) -> Settings:
        """A terminal in service must never fall back on the demo's stand-ins (a simulated
        reader would authenticate everyone as the demo person), nor send ID numbers and faces
        unencrypted, nor print a verification address no citizen can reach."""
        if self.demo:
            return self
        problems = list(in_service_problems(self))
        if problems:  # every offending key at once: one fix-and-retry round, not one per key
            raise ValueError("; ".join(problems))
        return self

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        env = os.environ.get("GOV_KIOSK_DATA_DIR")
        if env:
            return Path(env)
        import platformdirs

        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'kiosk.sqlite3'}"

    def certificate_verify_url(self) -> str:
        """What the QR code points at: the centre's public page when there is a fleet, since
        a bank or a landlord cannot reach a terminal's loopback page."""
        if self.fleet is not None:
            return self.fleet.public_verify_url()
        return self.certificates.verify_url

    def backend(self, family: str) -> BackendSettings:
        return self.backends.get(family, BackendSettings())

    def service_enabled_override(self, service_id: str) -> bool | None:
        """True/False when this terminal's config switches the service; None to keep the
        catalog's own flag."""
        if service_id in self.services.disabled:
            return False
        if service_id in self.services.enabled:
            return True
        return None


def in_service_problems(settings: Settings) -> Iterator[str]:
    """Each setting a terminal in service may not have, as '<key>: why' (one per key)."""
    stand_ins = [
        ("reader.port", settings.reader.port == "simulator"),
        ("camera.source", settings.camera.source == "simulator"),
        ("face_verifier.base_url", settings.face_verifier.base_url == "demo"),
        *((f"backends.{name}.base_url", b.base_url == "demo")
          for name, b in settings.backends.items()),
    ]
    for where, bad in stand_ins:
        if bad:
            yield f"{where} names a demo stand-in but demo = false"
    if settings.printer.kind == "pdf_dir":
        yield ("printer.kind: 'pdf_dir' writes certificates in clear to disk and prints "
               "nothing; a terminal in service prints through CUPS (kind = 'cups')")
    urls = [("face_verifier.base_url", settings.face_verifier.base_url),
            *((f"backends.{n}.base_url", b.base_url) for n, b in settings.backends.items())]
    if settings.fleet is not None:
        urls.append(("fleet.url", settings.fleet.url))
    for where, url in urls:
        parts = urlsplit(url)
        # Plain HTTP only to this machine itself (a local TLS proxy); never across a network.
        loopback = parts.scheme == "http" and _is_loopback(parts.hostname or "")
        if url != "demo" and parts.scheme != "https" and not loopback:
            yield f"{where}: {url!r} is not https (ID numbers and faces would travel in clear)"
    verify_url = settings.certificate_verify_url()
    where = "certificates.verify_url"
    if settings.fleet is not None:
        where = "fleet.verify_url" if settings.fleet.verify_url else "fleet.url"
    verify = urlsplit(verify_url)
    if verify.scheme not in ("https", "http") or not verify.hostname:
        yield f"{where}: {verify_url!r} is not a web address"
    elif _is_local_host(verify.hostname):
        yield (f"{where}: {verify.hostname} is a loopback or private address that no citizen "
               "can open from the QR code")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: the central verification service
    return address.is_loopback or address.is_private or address.is_link_local \
        or address.is_unspecified


def default_config_path() -> Path:
    env = os.environ.get("GOV_KIOSK_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "kiosk.toml"


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate the config file; a missing default file means the demo defaults."""
    explicit = path is not None
    config_path = Path(path) if path is not None else default_config_path()
    if not config_path.exists():
        if explicit:
            raise ConfigError(f"{config_path}: no such config file")
        return Settings()
    if config_path.is_dir():
        raise ConfigError(f"{config_path}: is a directory, not a config file")
    try:
        text = read_bounded_file(config_path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{config_path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read it ({exc.strerror or exc})") from None
    return settings_from_mapping(parse_toml(text, str(config_path)), source=str(config_path))


# A real config is a few kilobytes; the cap keeps a runaway file from stalling every start.
MAX_CONFIG_BYTES = 1024 * 1024


def read_bounded_file(config_path: Path, *, follow_symlinks: bool = True) -> bytes:
    """Read a regular file of bounded size. A FIFO, a device (/dev/zero) or a huge file would
    otherwise block or exhaust memory at start-up, where systemd would only see a hang."""
    # O_NONBLOCK: opening a FIFO with no writer must not wait; a regular file ignores it.
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | (0 if follow_symlinks else os.O_NOFOLLOW)
    fd = os.open(config_path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{config_path}: not a regular file")
        if st.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{config_path}: too large ({st.st_size} bytes; "
                              f"at most {MAX_CONFIG_BYTES})")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:  # it grew while we read
        raise ConfigError(f"{config_path}: too large (at most {MAX_CONFIG_BYTES} bytes)")
    return data


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line L, column C)".
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: nested too deeply") from None


def settings_from_mapping(raw: dict[str, Any], source: str = "<config>") -> Settings:
    try:
        return Settings.model_validate(raw)
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply") from None
    except ValidationError as exc:
        raise ConfigError(f"{source}: {validation_problem(exc)}") from None


def validation_problem(exc: ValidationError) -> str:
    """The first problem pydantic found, as one line naming the field."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = len(exc.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"field '{where}': {first['msg']}{tail}"
