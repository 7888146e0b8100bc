"""Seal keys in a PKCS#11 token: the key is made inside the token and never leaves it.

`open_token` logs in to a token by label with the PIN; `ensure_token_seal` makes (once) an
EC P-256 key pair inside it, non-extractable and sensitive, has the public half certified by a
CA callback and stores that certificate in the token beside the key, under the seal id as
label. `token_signer` returns pyHanko's PKCS#11 signer for one seal. In demo mode and in the
tests the token is SoftHSM2 in a directory of its own (`softhsm_token`); a terminal names
its token's module (the vendor's .so) and label in the config.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key

from printing.errors import SealUnavailable

SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
# The certificate a CA issues for a public key that lives in the token.
Certify = Callable[[Any], x509.Certificate]


def softhsm_module() -> str | None:
    """SoftHSM2's PKCS#11 module, if Debian's softhsm2 is installed."""
    return next((m for m in SOFTHSM_MODULES if os.path.isfile(m)), None)


@dataclass(frozen=True)
class TokenSpec:
    module: str
    label: str
    pin: str = field(repr=False)  # a log line or a traceback's locals never show it


def _lib(module: str) -> Any:
    import pkcs11

    try:
        return pkcs11.lib(module)
    except (RuntimeError, OSError) as exc:  # pkcs11 raises RuntimeError for a bad module
        raise SealUnavailable(f"PKCS#11 module {module} cannot be loaded ({exc})") from None


def open_token(spec: TokenSpec) -> Any:
    """A read-write user session on the token; SealUnavailable when absent or the PIN fails."""
    import pkcs11
    from pkcs11 import exceptions as p11e

    lib = _lib(spec.module)
    try:
        token = lib.get_token(token_label=spec.label)
    except (p11e.NoSuchToken, p11e.MultipleTokensReturned):
        raise SealUnavailable(f"seal token {spec.label!r} not present") from None
    try:
        return token.open(user_pin=spec.pin, rw=True)
    except p11e.UserAlreadyLoggedIn:
        # A login holds for the whole process: this process already gave the right PIN.
        return token.open(rw=True)
    except (p11e.PinIncorrect, p11e.PinLenRange, p11e.PinInvalid):
        raise SealUnavailable(f"seal token {spec.label!r}: the PIN was refused") from None
    except p11e.PinLocked:
        raise SealUnavailable(f"seal token {spec.label!r}: the PIN is locked") from None
    except pkcs11.PKCS11Error as exc:
        raise SealUnavailable(f"seal token {spec.label!r}: {type(exc).__name__}") from None


def token_certificate(session: Any, seal_id: str) -> x509.Certificate | None:
    from pkcs11 import Attribute, ObjectClass

    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                    Attribute.LABEL: seal_id}):
        return x509.load_der_x509_certificate(obj[Attribute.VALUE])
    return None


def _private_key(session: Any, seal_id: str) -> Any:
    from pkcs11 import Attribute, ObjectClass

    for obj in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                    Attribute.LABEL: seal_id}):
        return obj
    return None


def missing_keys(session: Any, seal_ids: list[str]) -> list[str]:
    """The seals whose private key the token no longer shows: asked of the token itself, so a
    token pulled out (or deleted) since the login is seen. SealUnavailable when it does not
    answer at all."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    try:
        labels = {obj[Attribute.LABEL] for obj in
                  session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})}
    except pkcs11.PKCS11Error as exc:
        raise SealUnavailable(f"seal token does not answer ({type(exc).__name__}): "
                              "removed?") from None
    return [sid for sid in seal_ids if sid not in labels]


def _generate_key(session: Any, seal_id: str) -> Any:
    """An EC P-256 pair made inside the token; the private half is marked so that it can
    never be read or wrapped out."""
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    params = session.create_domain_parameters(
        KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
        local=True,
    )
    key_id = seal_id.encode()[:32]
    public, _private = params.generate_keypair(
        store=True, label=seal_id, id=key_id,
        private_template={Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True,
                          Attribute.SIGN: True, Attribute.PRIVATE: True},
        public_template={Attribute.VERIFY: True},
    )
    return public


def _public_key(session: Any, seal_id: str) -> Any:
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key

    for obj in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                                    Attribute.LABEL: seal_id}):
        return load_der_public_key(encode_ec_public_key(obj))
    return None


def store_certificate(session: Any, seal_id: str, cert: x509.Certificate) -> None:
    """Put `cert` in the token under the seal's label, replacing an older one."""
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.x509 import decode_x509_certificate

    for old in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                         Attribute.LABEL: seal_id})):
        old.destroy()
    attrs = decode_x509_certificate(cert.public_bytes(Encoding.DER))
    attrs.update({Attribute.TOKEN: True, Attribute.LABEL: seal_id,
                  Attribute.ID: seal_id.encode()[:32]})
    session.create_object(attrs)


def ensure_token_seal(
    session: Any, seal_id: str, certify: Certify,
    is_current: Callable[[x509.Certificate], bool],
) -> x509.Certificate:
    """The seal's certificate in the token, making the key and/or certificate when needed.
    The key is made once; a certificate that is no longer current is issued anew for it."""
    if _private_key(session, seal_id) is None:
        _generate_key(session, seal_id)
    cert = token_certificate(session, seal_id)
    if cert is None or not is_current(cert):
        public = _public_key(session, seal_id)
        if public is None:
            raise SealUnavailable(f"seal {seal_id}: the token holds a key but no public key")
        cert = certify(public)
        store_certificate(session, seal_id, cert)
    return cert


def token_signer(session: Any, seal_id: str, chain: list[x509.Certificate]) -> Any:
    """pyHanko's PKCS#11 signer for the seal's key, with `chain` (issuer first) embedded."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.pkcs11 import PKCS11Signer

    cert = token_certificate(session, seal_id)
    if cert is None or _private_key(session, seal_id) is None:
        raise SealUnavailable(f"seal {seal_id}: no key or certificate in the token")
    return PKCS11Signer(
        session,
        key_label=seal_id,
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
        ca_chain=[asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in chain],
        # SoftHSM (and many tokens) sign EC keys with the raw CKM_ECDSA only: pyHanko hashes.
        use_raw_mechanism=True,
    )


# ---- SoftHSM2 for demo mode and the tests ------------------------------------------------

def softhsm_token(directory: Path, label: str, pin: str) -> TokenSpec:
    """A SoftHSM2 token `label` kept under `directory` (made once, with its own config).

    SoftHSM reads its config when the module is first loaded in a process, so the first
    directory used in a process is the one it keeps: SOFTHSM2_CONF, when already set, wins,
    and tokens of other directories are then kept beside it under their own labels.
    """
    module = softhsm_module()
    if module is None:
        raise SealUnavailable("SoftHSM2 is not installed (Debian package softhsm2)")
    conf = os.environ.get("SOFTHSM2_CONF")
    if not conf:
        tokens = directory / "tokens"
        tokens.mkdir(parents=True, exist_ok=True, mode=0o700)
        conf_path = directory / "softhsm2.conf"
        if not conf_path.is_file():
            conf_path.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                                 "log.level = ERROR\n", encoding="utf-8")
        os.environ["SOFTHSM2_CONF"] = conf = str(conf_path)
    lib = _lib(module)
    if not any(t.label == label for t in lib.get_tokens()):
        _init_free_token(lib, module, label, pin)
    return TokenSpec(module, label, pin)


def _init_free_token(lib: Any, module: str, label: str, pin: str) -> None:
    """Initialise SoftHSM's free slot as token `label` with `pin` as SO and user PIN, through
    the PKCS#11 calls themselves: `softhsm2-util --pin` would put the PIN on a command line,
    readable by every user in `ps`, and it reads PINs from nothing but a terminal.
    python-pkcs11 has no C_InitToken, so that one call goes to the module (already loaded and
    initialised by python-pkcs11 in this process) through ctypes."""
    import ctypes

    import pkcs11
    from pkcs11 import TokenFlag

    free = [slot for slot in lib.get_slots(token_present=True)
            if not slot.get_token().flags & TokenFlag.TOKEN_INITIALIZED]
    if not free:
        raise SealUnavailable("cannot make the SoftHSM2 token: no free slot")
    init_token = ctypes.CDLL(module).C_InitToken
    init_token.restype = ctypes.c_ulong
    init_token.argtypes = [ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    secret = pin.encode()
    padded_label = label.encode()[:32].ljust(32, b" ")  # CK_UTF8CHAR[32], blank-padded
    rv = init_token(free[0].slot_id, secret, len(secret), padded_label)
    if rv != 0:
        raise SealUnavailable(f"cannot make the SoftHSM2 token: C_InitToken returned {rv:#x}")
    lib.reinitialize()  # the module shows the new token only after a fresh C_Initialize
    try:
        with lib.get_token(token_label=label).open(so_pin=pin, rw=True) as session:
            session.init_pin(pin)
    except pkcs11.PKCS11Error as exc:
        raise SealUnavailable(
            f"cannot set the SoftHSM2 token's PIN ({type(exc).__name__})") from None


def days_left(cert: x509.Certificate, now: datetime | None = None) -> float:
    return (cert.not_valid_after_utc - (now or datetime.now(UTC))).total_seconds() / 86400
