"""Seal keys in a PKCS#11 token (SoftHSM2): made inside, used to sign, never read out."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from reportlab.pdfgen import canvas

from printing.demo_pki import ensure_demo_pki, make_seal_cert
from printing.errors import SealUnavailable
from printing.ltv import verify_at
from printing.token import (
    TokenSpec,
    ensure_token_seal,
    open_token,
    softhsm_module,
    softhsm_token,
    token_certificate,
)

pytestmark = pytest.mark.skipif(softhsm_module() is None, reason="softhsm2 not installed")
PIN = "314159"


@pytest.fixture(scope="session")
def token_spec(tmp_path_factory: pytest.TempPathFactory) -> TokenSpec:
    return softhsm_token(tmp_path_factory.mktemp("softhsm"), "gov-kiosk-test", PIN)


@pytest.fixture(scope="session")
def token_pki(tmp_path_factory: pytest.TempPathFactory):
    return ensure_demo_pki(tmp_path_factory.mktemp("token-pki"), {})


@pytest.fixture(scope="session")
def session(token_spec: TokenSpec, token_pki):
    opened = open_token(token_spec)
    now = datetime.now(UTC)

    def certify(public_key):
        return make_seal_cert(token_pki.root_key(), token_pki.root_certificate, public_key,
                              "令牌局", "Token Bureau", now - timedelta(days=1),
                              now + timedelta(days=365))

    ensure_token_seal(opened, "token_bureau", certify, lambda cert: True)
    yield opened
    opened.close()


def _private_key(session):
    from pkcs11 import Attribute, ObjectClass

    return next(iter(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                          Attribute.LABEL: "token_bureau"})))


def test_the_key_is_made_inside_the_token_marked_non_extractable_and_sensitive(session):
    from pkcs11 import Attribute

    key = _private_key(session)
    assert key[Attribute.EXTRACTABLE] is False
    assert key[Attribute.SENSITIVE] is True
    assert key[Attribute.LOCAL] is True  # generated on the token, not imported
    assert key[Attribute.NEVER_EXTRACTABLE] is True


def test_the_private_value_cannot_be_read_out(session):
    from pkcs11 import Attribute
    from pkcs11.exceptions import AttributeSensitive

    with pytest.raises(AttributeSensitive):
        _private_key(session)[Attribute.VALUE]


def test_the_key_cannot_be_wrapped_out_either(session):
    from pkcs11 import Attribute, KeyType
    from pkcs11.exceptions import KeyUnextractable

    wrapper = session.generate_key(KeyType.AES, 256, store=False,
                                   template={Attribute.WRAP: True})
    with pytest.raises(KeyUnextractable):
        wrapper.wrap_key(_private_key(session))


def test_a_certificate_sealed_with_the_token_key_validates(session, token_pki):
    from printing.signer import SealSigner

    signer = SealSigner.from_token("token_bureau", "令牌局", "Token Bureau", session,
                                   [token_pki.root_certificate])
    from printing.signer import DocumentSeal

    assert isinstance(signer, DocumentSeal)  # what issuing asks of any seal
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, "token")
    page.save()
    signed = signer.sign(buf.getvalue())
    root = asn1_x509.Certificate.load(
        token_pki.root_certificate.public_bytes(serialization.Encoding.DER))
    from printing.verify import verify_certificate

    report = verify_certificate(signed, [root], None)
    assert not any(p.code in ("signature_invalid", "untrusted", "modified")
                   for p in report.problems), report.problems
    assert report.signer_name == "令牌局"
    # No time stamp configured: the file cannot prove its time later.
    assert verify_at(signed, [root], datetime.now(UTC)).problem == "no_timestamp"


def test_the_certificate_is_stored_in_the_token_beside_the_key(session):
    cert = token_certificate(session, "token_bureau")
    assert cert is not None
    assert cert.subject.rfc4514_string().endswith("CN=令牌局") or "令牌局" in str(cert.subject)


def test_a_wrong_pin_is_refused_in_a_fresh_process(token_spec):
    # A PKCS#11 login holds for a whole process, so the PIN is tried where nobody logged in.
    import os
    import subprocess
    import sys

    code = ("from printing.token import TokenSpec, open_token\n"
            "from printing.errors import SealUnavailable\n"
            f"spec = TokenSpec({token_spec.module!r}, {token_spec.label!r}, '000000')\n"
            "try:\n    open_token(spec)\nexcept SealUnavailable as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), timeout=60, check=True).stdout
    assert "PIN was refused" in out


def test_a_missing_token_is_seal_unavailable(token_spec):
    with pytest.raises(SealUnavailable, match="not present"):
        open_token(TokenSpec(token_spec.module, "no-such-token", PIN))


def test_the_pin_is_not_in_the_token_spec_repr():
    spec = TokenSpec("/usr/lib/softhsm/libsofthsm2.so", "seals", "9081726354")
    assert "9081726354" not in repr(spec) and "seals" in repr(spec)
