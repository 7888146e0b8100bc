"""Building the terminal's parts from its settings: camera, face verifier, document printer,
certificate issuer, and the address the paper's QR code sends its reader to. The runtime
assembles them; preflight and kiosk-admin build single parts the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import Settings

if TYPE_CHECKING:  # SQLAlchemy and Alembic load behind the attract screen, not before it
    from kiosk.seals import SealSetup
    from kiosk.store import Store


def require_backends(settings: Settings, catalog: Any) -> None:
    """Every back-end family and seal an enabled service uses needs configuring in service."""
    from kiosk.config import ConfigError
    from kiosk.preflight import service_requirements

    problems = list(service_requirements(settings, catalog))
    if problems:
        raise ConfigError("; ".join(problems))


def build_camera(settings: Settings, simulate: bool) -> tuple[Any, Any]:
    from devices.camera.detector import FaceDetector

    detector = FaceDetector()
    source = settings.camera.source
    camera: Any
    if simulate or source == "simulator":
        import cv2

        from devices.camera.simulator import SimulatedCamera
        from services_catalog.face_verify.demo import DEMO_FACES_DIR

        portrait = cv2.imread(str(DEMO_FACES_DIR / "astronaut.png"), cv2.IMREAD_COLOR)
        if portrait is None:  # the package is incomplete
            raise FileNotFoundError(f"{DEMO_FACES_DIR / 'astronaut.png'}: cannot be read")
        camera = SimulatedCamera.demo(
            portrait, detector, width=settings.camera.width, height=settings.camera.height
        )
    else:
        from devices.camera.capture import Camera

        index_or_path: int | str = int(source) if source.isdigit() else source
        camera = Camera(index_or_path, width=settings.camera.width, height=settings.camera.height)
    return camera, detector


def build_face_verifier(settings: Settings, detector: Any) -> Any:
    if settings.demo or settings.face_verifier.base_url == "demo":
        from services_catalog.face_verify.demo import DemoFaceVerifier

        def locate(image: Any) -> Any:
            faces = detector.detect(image)
            return faces[0].landmarks if faces else None

        return DemoFaceVerifier.with_demo_enrolment(locate)
    from services_catalog.face_verify.http import HttpFaceVerifier

    fv = settings.face_verifier
    return HttpFaceVerifier(fv.base_url, timeout_s=fv.timeout_s)


def build_printer(settings: Settings, data_dir: Path) -> Any:
    from devices.printer.factory import open_document_printer

    p = settings.printer
    return open_document_printer(
        p.kind, queue=p.queue, pdf_dir=p.pdf_dir or data_dir / "printed",
        server=p.server or None,
    )


def paper_verify_url(settings: Settings) -> str:
    """The page a certificate's QR code and printed line send its reader to."""
    if settings.fleet is None:
        return settings.certificates.verify_url
    from kiosk.fleet_link.credential import public_verify_url

    return public_verify_url(settings)


def build_issuer(
    settings: Settings, store: Store, data_dir: Path, seals: SealSetup | None = None,
    on_seal_failure: Callable[[], None] | None = None,
) -> tuple[Any, Path | None]:
    """The issue function and the demo trust root. `seals` (kiosk.seals.build_seals) is made
    here when not given; its services then run until the process ends. `on_seal_failure`
    runs when a seal could not sign (token gone, seal revoked or expired), so the terminal
    stops taking citizens at once rather than at the next scheduled check."""
    from printing.errors import SealRevoked, SealUnavailable
    from printing.issue import CertificateIssuer, CertificateRequest

    if seals is None:
        from kiosk.seals import build_seals

        seals = build_seals(settings, data_dir)
    keyring, trust_root = seals.keyring, seals.demo_trust_root
    issuer = CertificateIssuer(keyring, holder_id_key=store.keys.derive("id-hash"))

    # The department's archive copy goes into the same transaction as the registry entry (a
    # hook of the issuance); a copy sealed B-B waits there for its time stamp.
    waiting_copies: dict[str, tuple[str, bytes]] = {}

    def keep_archive_copy(session: Any, record: Any) -> None:
        copy = waiting_copies.pop(record.entry.verification_code, None)
        if copy is not None:
            store.archive.add_in(session, record.entry.verification_code, *copy)

    store.issuance.hooks.append(keep_archive_copy)

    def issue(service: Any, person: Any, result: Any) -> Any:
        request = CertificateRequest(
            service=service, person=person, result=result,
            terminal_id=settings.terminal_id, verify_url=paper_verify_url(settings),
            demo=settings.demo, hall_name_zh=settings.hall_name_zh,
        )
        try:
            prepared = issuer.prepare(request)  # the desk records it with its job and audit
        except SealUnavailable as exc:
            if isinstance(exc, SealRevoked) and service.seal:
                seals.revoked[service.seal] = exc.detail or "seal certificate revoked"
            if on_seal_failure is not None:
                on_seal_failure()
            raise
        while len(waiting_copies) >= 8:  # one never recorded (a failed desk) is not kept
            waiting_copies.pop(next(iter(waiting_copies)))
        waiting_copies[prepared.verification_code] = (prepared.seal_level, prepared.pdf)
        return prepared

    return issue, trust_root
