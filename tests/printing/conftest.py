"""Shared fixtures: one demo PKI, keyring and registry per test session (keys are slow to make)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from printing.demo_pki import DemoPki, ensure_demo_pki
from printing.issue import CertificateIssuer, CertificateRequest, IssuedCertificate
from printing.registry import InMemoryRegistry
from printing.samples import DEMO_PERSON, SEALS, SERVICES, sample_result
from printing.signer import SealKeyring

VERIFY_URL = "http://127.0.0.1:8780/verify"
HOLDER_KEY = b"test-holder-key"
ISSUED_AT = datetime(2025, 1, 15, 21, 30, 5, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return ensure_demo_pki(tmp_path_factory.mktemp("pki"), SEALS)


@pytest.fixture(scope="session")
def registry() -> InMemoryRegistry:
    return InMemoryRegistry()


@pytest.fixture(scope="session")
def issuer(pki: DemoPki) -> CertificateIssuer:
    return CertificateIssuer(SealKeyring.demo(pki), holder_id_key=HOLDER_KEY)


def make_request(
    family: str, *, found: bool = True, rows: int | None = None, demo: bool = True
) -> CertificateRequest:
    return CertificateRequest(
        service=SERVICES[family],
        person=DEMO_PERSON,
        result=sample_result(family, record_found=found, rows=rows),
        terminal_id="DEMO-0001",
        verify_url=VERIFY_URL,
        demo=demo,
        hall_name_zh="平顶山市政务服务中心 24小时自助服务区",
    )


@pytest.fixture(scope="session")
def social_cert(issuer: CertificateIssuer, registry: InMemoryRegistry) -> IssuedCertificate:
    """A three-page certificate (60 monthly rows) issued once for the session."""
    issued = issuer.prepare(make_request("social_insurance"), now=ISSUED_AT)
    registry.record(issued.registry_entry)
    return issued


@pytest.fixture(scope="session")
def social_pdf(social_cert: IssuedCertificate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("out") / "social.pdf"
    path.write_bytes(social_cert.pdf)
    return path
