"""The terminal's seals: demo token and local PKI, a TSA that is down, the retry timer, the
start-up checks, and `kiosk-admin certificate verify --at`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devices.status import DeviceState
from kiosk.config import Settings
from kiosk.parts import build_issuer
from kiosk.seals import (
    ArchiveUpkeep,
    SealSetup,
    build_seals,
    seal_checks,
    seal_device_status,
)
from kiosk.store import Store
from printing.ltv import verify_at
from printing.page import TIMESTAMP_PENDING_NOTE
from printing.samples import DEMO_PERSON, SERVICES, sample_result

SEAL_ID = SERVICES["social_insurance"].seal
YEARS_LATER = timedelta(days=5 * 365)


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("seals-terminal")
    settings = Settings(data_dir=data)
    store = Store.open(f"sqlite:///{data / 'kiosk.sqlite3'}", data, settings.terminal_id)
    seals = build_seals(settings, data)
    issue, _root = build_issuer(settings, store, data, seals)
    yield settings, store, seals, issue
    seals.stop()
    store.close()


def _issue(issue, store=None):
    """Issue as the desk does: prepared, then registered, kept and audited in one go."""
    service = SERVICES["social_insurance"]
    issued = issue(service, DEMO_PERSON, sample_result("social_insurance"))
    if store is not None:
        store.issuance.record_issue(issued.registry_entry, service.name_zh, issued.pdf,
                                    DEMO_PERSON)
    return issued


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_demo_seals_live_in_the_token_and_issue_b_lt(terminal):
    settings, store, seals, issue = terminal
    if shutil.which("softhsm2-util"):
        assert seals.store_kind == "token", seals.token_error
    issued = _issue(issue, store)
    assert issued.seal_level == "B-LT"
    assert store.certificates.lookup(issued.verification_code).seal_level == "B-LT"
    report = verify_at(issued.pdf, list(seals.trust_roots), datetime.now(UTC) + YEARS_LATER)
    assert report.valid, report


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_a_tsa_that_is_down_still_gives_the_citizen_a_certificate_then_the_retry_upgrades_it(
    terminal, tmp_path
):
    settings, store, seals, issue = terminal
    seals.services.set_tsa_up(False)
    try:
        issued = _issue(issue, store)
    finally:
        seals.services.set_tsa_up(True)
    assert issued.seal_level == "B-B"
    assert "时间戳待补" in _pdf_text(issued.pdf, tmp_path)
    code = issued.verification_code
    assert store.certificates.lookup(code).seal_level == "B-B"
    assert code in store.archive.waiting()
    # No proof of time yet: not verifiable years later...
    assert verify_at(issued.pdf, list(seals.trust_roots),
                     datetime.now(UTC) + YEARS_LATER).problem == "no_timestamp"

    upkeep = ArchiveUpkeep(seals, store.archive, store.certificates, interval_s=3600,
                           audit=store.audit)
    seals.services.set_tsa_up(False)
    try:
        assert upkeep.run_once() == 0  # still down: stays queued, the failure noted
    finally:
        seals.services.set_tsa_up(True)
    assert store.archive.view(code).attempts == 1
    assert upkeep.run_once() >= 1
    assert code not in store.archive.waiting()
    assert store.certificates.lookup(code).seal_level == "B-LTA"
    (line,) = store.audit.entries(1)  # the new level committed with its audit line
    assert line.action == "seal_level" and line.detail.startswith(code)
    archive_copy = store.archive.document(code)
    later = verify_at(archive_copy, list(seals.trust_roots), datetime.now(UTC) + YEARS_LATER)
    assert later.valid and later.level == "B-LTA", later

    # Years on, before the authority's certificate ages, the copy gets its next time stamp.
    assert upkeep.run_once() == 0  # nothing is due yet
    renewed_at = datetime.now(UTC) + timedelta(days=6 * 365)
    assert code in store.archive.due_for_renewal(renewed_at - timedelta(days=5 * 365))
    assert upkeep.run_once(now=renewed_at) >= 1
    renewed = store.archive.document(code)
    assert renewed.count(b"/DocTimeStamp") > archive_copy.count(b"/DocTimeStamp")
    assert verify_at(renewed, list(seals.trust_roots),
                     datetime.now(UTC) + timedelta(days=10 * 365)).valid


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_ocsp_and_crl_down_with_the_tsa_up_seal_b_t_without_a_note_then_the_retry_upgrades(
    terminal, tmp_path
):
    _settings, store, seals, issue = terminal
    seals.services.set_revocation_up(False)
    try:
        issued = _issue(issue, store)
        upkeep = ArchiveUpkeep(seals, store.archive, store.certificates, interval_s=3600,
                               audit=store.audit)
        assert upkeep.run_once() == 0  # no validation data yet: the copy stays queued
    finally:
        seals.services.set_revocation_up(True)
    code = issued.verification_code
    assert issued.seal_level == "B-T"
    assert store.certificates.lookup(code).seal_level == "B-T"
    assert TIMESTAMP_PENDING_NOTE[0][:5] not in _pdf_text(issued.pdf, tmp_path)
    now = verify_at(issued.pdf, list(seals.trust_roots), datetime.now(UTC))
    assert now.level == "B-T" and now.proven_time is not None  # it carries its time stamp
    assert code in store.archive.waiting()
    assert upkeep.run_once() >= 1
    assert store.certificates.lookup(code).seal_level == "B-LTA"
    later = verify_at(store.archive.document(code), list(seals.trust_roots),
                      datetime.now(UTC) + YEARS_LATER)
    assert later.valid and later.level == "B-LTA" and later.proven_time == now.proven_time


def test_a_normal_certificate_has_no_pending_note(terminal, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    _settings, _store, _seals, issue = terminal
    assert TIMESTAMP_PENDING_NOTE[0][:5] not in _pdf_text(_issue(issue).pdf, tmp_path)


def test_start_up_checks_warn_thirty_days_ahead_and_fail_an_expired_seal(terminal):
    settings, _store, seals, _issue_fn = terminal
    cert = seals.keyring.get(SEAL_ID).certificate
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    fine = seal_checks(seals, settings, [SEAL_ID], now=not_after - timedelta(days=31))
    assert {c.outcome for c in fine if c.name == f"seal:{SEAL_ID}"} == {"ok"}
    soon = seal_checks(seals, settings, [SEAL_ID], now=not_after - timedelta(days=20))
    warned = [c for c in soon if c.name == f"seal:{SEAL_ID}"]
    assert warned[0].outcome == "warn" and "expires in 20 days" in warned[0].detail
    status = seal_device_status(soon)
    assert status.state is DeviceState.ONLINE and "expires" in status.detail  # serves, says so
    gone = seal_checks(seals, settings, [SEAL_ID], now=not_after + timedelta(days=1))
    assert seal_device_status(gone).state is DeviceState.HARDWARE_ERROR  # out of service


def test_a_seal_that_will_not_open_fails_the_start_up_check(terminal):
    from printing.signer import SealKeyring

    settings, _store, seals, _issue_fn = terminal
    broken = SealSetup(SealKeyring({}), seals.timestamp_url, seals.trust_roots)
    checks = seal_checks(broken, settings, [SEAL_ID])
    assert [c.outcome for c in checks if c.name == f"seal:{SEAL_ID}"] == ["fail"]


def test_a_token_pin_that_is_not_set_is_a_plain_failure(tmp_path):
    settings = Settings(
        demo=False, reader={"port": "/dev/ttyS9"}, camera={"source": "0"},
        face_verifier={"base_url": "https://face.example"},
        printer={"kind": "cups", "queue": "certificates"},
        certificates={"verify_url": "https://verify.example.gov.cn/verify"},
        seals={"a": {"name_zh": "甲局", "name_en": "A", "store": "token"}},
        seal_token={"module": "softhsm", "label": "nothing-here", "pin_env": "NO_SUCH_PIN_VAR"},
    )
    setup = build_seals(settings, tmp_path)
    checks = seal_checks(setup, settings, ["a"])
    assert checks[0].outcome == "fail" and "PIN is not set" in checks[0].detail


def test_a_real_configuration_on_softhsm_says_it_is_a_software_token(tmp_path):
    """SoftHSM2 is the demo's token; a terminal in service left on it (the module's default)
    serves, as the PKCS#12 fallback does, but the panel says the keys are files on disk."""
    settings = Settings(
        demo=False, reader={"port": "/dev/ttyS9"}, camera={"source": "0"},
        face_verifier={"base_url": "https://face.example"},
        printer={"kind": "cups", "queue": "certificates"},
        certificates={"verify_url": "https://verify.example.gov.cn/verify"},
        seals={"a": {"name_zh": "甲局", "name_en": "A", "store": "token"}},
    )
    checks = seal_checks(build_seals(settings, tmp_path), settings, [])
    kind = [c for c in checks if c.name == "seal_token_kind"]
    assert kind and kind[0].outcome == "warn" and "software token" in kind[0].detail
    assert "software token" in seal_device_status(checks).detail


def _admin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=180)


def test_kiosk_admin_verify_at_a_later_date_offline(terminal, tmp_path):
    settings, _store, seals, issue = terminal
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(_issue(issue).pdf)
    env = {"GOV_KIOSK_DATA_DIR": str(settings.data_dir),
           "GOV_KIOSK_CONFIG": str(tmp_path / "none.toml")}
    later = (datetime.now(UTC) + YEARS_LATER).date().isoformat()
    done = _admin("certificate", "verify", "--at", later, str(pdf), "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    assert answer["valid"] and answer["level"] == "B-LT"
    beyond_root = _admin(
        "certificate", "verify", "--at", "2099-01-01", str(pdf), env=env)
    assert beyond_root.returncode == 1
    assert "Traceback" not in beyond_root.stderr
    bad = _admin("certificate", "verify", "--at", "someday", str(pdf), env=env)
    assert bad.returncode != 0 and "not an ISO date" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_registry_level_column_is_migrated_with_one_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2] / "kiosk" / "store" / "migrations"
    config = Config()
    config.set_main_option("script_location", str(root))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1


def test_issued_entry_level_round_trips(terminal):
    _settings, store, _seals, issue = terminal
    issued = _issue(issue, store)
    entry = store.certificates.lookup(issued.verification_code)
    assert entry == replace(issued.registry_entry, seal_level=entry.seal_level)


def test_the_attendant_panel_line_says_the_seal_expires_soon(terminal):
    from kiosk.ui.attendant import device_line

    settings, _store, seals, _issue_fn = terminal
    cert = seals.keyring.get(SEAL_ID).certificate
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    status = seal_device_status(
        seal_checks(seals, settings, [SEAL_ID], now=not_after - timedelta(days=10)))
    line = device_line(status, "zh")
    assert line.startswith("电子印章") and "expires in 10 days" in line
    assert device_line(status, "en").startswith("Electronic seal")


def test_two_seals_of_one_token_sign_at_the_same_time(terminal):
    """Seals share the token's session and may be used from several threads at once
    (SoftHSM copes either way; the shared lock is for tokens that do not)."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    from reportlab.pdfgen import canvas

    _settings, _store, seals, _issue_fn = terminal
    if seals.store_kind != "token":
        pytest.skip("no SoftHSM2 token")
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, "two at once")
    page.save()
    pdf = buf.getvalue()
    signers = [seals.keyring.get(SEAL_ID), seals.keyring.get(SERVICES["real_estate"].seal)]
    assert signers[0] is not signers[1]
    with ThreadPoolExecutor(4) as pool:
        signed = list(pool.map(lambda i: signers[i % 2].sign(pdf, timestamp=False), range(8)))
    assert all(s.startswith(b"%PDF") and len(s) > len(pdf) for s in signed)


def test_preflight_asks_the_time_stamping_authority(terminal, tmp_path):
    """The probe gets a real token from the local authority and checks who made it."""
    from kiosk.seals import timestamp_problems
    from printing.demo_pki import ensure_demo_pki

    _settings, _store, seals, _issue_fn = terminal
    assert timestamp_problems(seals.timestamp_url, seals.trust_roots) == []
    stranger = ensure_demo_pki(tmp_path / "other", {})
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    other_root = asn1_x509.Certificate.load(stranger.root_certificate.public_bytes(Encoding.DER))
    problems = timestamp_problems(seals.timestamp_url, (other_root,))
    assert len(problems) == 1 and "does not chain to the trust roots" in problems[0]
    seals.services.set_tsa_up(False)
    try:
        problems = timestamp_problems(seals.timestamp_url, seals.trust_roots)
    finally:
        seals.services.set_tsa_up(True)
    assert len(problems) == 1 and "sealed B-B" in problems[0]


_PULLED = """
import json, os, subprocess, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from devices.status import DeviceState
from kiosk.config import Settings
from kiosk.seals import build_seals, seal_checks, seal_device_status
from printing.demo_pki import ensure_demo_pki, make_seal_cert
from printing.token import ensure_token_seal, open_token, softhsm_token

tmp, label, pin = Path(sys.argv[1]), "gov-kiosk-pulled", "271828"
spec = softhsm_token(tmp / "softhsm", label, pin)
pki = ensure_demo_pki(tmp / "pki", {})
now = datetime.now(UTC)
ensure_token_seal(open_token(spec), "a", lambda public: make_seal_cert(
    pki.root_key(), pki.root_certificate, public, "甲局", "A", now - timedelta(days=1),
    now + timedelta(days=365)), lambda _cert: True)
os.environ["PULLED_TOKEN_PIN"] = pin
settings = Settings(
    demo=False, reader={"port": "/dev/ttyS9"}, camera={"source": "0"},
    face_verifier={"base_url": "https://face.example"},
    printer={"kind": "cups", "queue": "certificates"},
    certificates={"verify_url": "https://verify.example.gov.cn/verify"},
    seals={"a": {"name_zh": "甲局", "name_en": "A", "store": "token"}},
    seal_token={"module": "softhsm", "label": label, "pin_env": "PULLED_TOKEN_PIN"},
)
setup = build_seals(settings, tmp)
first = [c.to_json() for c in seal_checks(setup, settings, [])]
subprocess.run(["softhsm2-util", "--delete-token", "--token", label], check=True,
               capture_output=True)
checks = seal_checks(setup, settings, [])
print(json.dumps({"first": first, "after": [c.to_json() for c in checks],
                  "out": seal_device_status(checks).state is DeviceState.HARDWARE_ERROR}))
"""


def test_a_token_removed_while_running_fails_the_next_check(tmp_path):
    """The check asks the token, not the session kept from start-up: a token pulled out (here
    deleted, as SoftHSM2 allows) since the login takes the terminal out of service. In a
    process of its own: SoftHSM2 keeps its slot list per process."""
    import os

    from printing.token import softhsm_module

    if softhsm_module() is None or not shutil.which("softhsm2-util"):
        pytest.skip("softhsm2 not installed")
    env = {k: v for k, v in os.environ.items() if k != "SOFTHSM2_CONF"}
    done = subprocess.run([sys.executable, "-c", _PULLED, str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=120, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert [c["outcome"] for c in answer["first"] if c["name"] == "seal_token"] == ["ok"]
    token = [c for c in answer["after"] if c["name"] == "seal_token"]
    assert token[0]["outcome"] == "fail", answer
    assert "Traceback" not in token[0]["detail"]
    assert answer["out"]


def test_a_seal_refused_as_revoked_while_issuing_fails_the_checks_at_once(
    terminal, monkeypatch
):
    """The citizen whose certificate met the revocation cannot be helped; the next one must
    not be sent through card, face and query for nothing: the checks run at once, and a
    revoked seal stays failed (the scheduled re-check alone would find it valid again)."""
    from printing.errors import SealRevoked

    settings, store, seals, _issue_fn = terminal
    setup = SealSetup(seals.keyring, seals.timestamp_url, seals.trust_roots)
    signer = seals.keyring.get(SEAL_ID)

    def revoked(*_args: object, **_kwargs: object) -> bytes:
        raise SealRevoked(f"seal {SEAL_ID}: the seal certificate is revoked")

    monkeypatch.setattr(signer, "sign", revoked)
    rechecked: list[list] = []
    issue, _root = build_issuer(settings, store, settings.data_dir, setup,
                                on_seal_failure=lambda: rechecked.append(
                                    seal_checks(setup, settings, [SEAL_ID])))
    with pytest.raises(SealRevoked):
        _issue(issue)
    assert rechecked, "no check after the seal failed"
    assert seal_device_status(rechecked[0]).state is DeviceState.HARDWARE_ERROR
    later = seal_checks(setup, settings, [SEAL_ID])
    assert [c.outcome for c in later if c.name == f"seal:{SEAL_ID}"] == ["fail"]


def test_a_demo_token_that_fails_inside_falls_back_to_pkcs12_files(tmp_path, monkeypatch):
    """A PKCS#11 error while the demo token makes its keys (a full or damaged token store) is
    said and the demo goes on with PKCS#12 keys, rather than a traceback at start-up."""
    from pkcs11.exceptions import GeneralError

    import printing.token

    if printing.token.softhsm_module() is None:
        pytest.skip("softhsm2 not installed")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise GeneralError()

    monkeypatch.setattr(printing.token, "ensure_token_seal", broken)
    setup = build_seals(Settings(data_dir=tmp_path), tmp_path)
    try:
        assert setup.store_kind == "pkcs12" and "GeneralError" in setup.token_error
        assert setup.keyring.get(SEAL_ID).certificate is not None
    finally:
        setup.stop()


def test_the_seal_re_check_runs_even_when_the_archive_cannot_be_read(terminal):
    """A locked or full database fails the archive's round, not the seals' re-check."""
    import sqlite3
    import threading

    _settings, store, seals, _issue_fn = terminal

    class LockedArchive:
        def waiting(self) -> list[str]:
            raise sqlite3.OperationalError("database is locked")

    rechecked = threading.Event()
    upkeep = ArchiveUpkeep(seals, LockedArchive(), store.certificates, interval_s=0.01,
                           on_round=rechecked.set)
    upkeep.start()
    try:
        assert rechecked.wait(30), "the seal re-check never ran"
    finally:
        upkeep.stop()
