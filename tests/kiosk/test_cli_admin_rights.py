"""kiosk-admin outside demo mode: `services try` needs the admin PIN and is always audited
(ID numbers only masked); `certificate issue` is a demo tool and is refused."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from services_catalog.demo_backend import DemoBackend

from .test_cli import NOON, SERVICE

PERSON = "410402198805201238"
FAMILIES = ("real_estate", "social_insurance", "medical_insurance", "pension", "housing_fund",
            "electricity")  # fmt: skip


class Admin:
    """kiosk-admin in this process, its stdin a pipe (so the PIN is read from it)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        self.capsys.readouterr()
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        out = self.capsys.readouterr()
        return code, out.out, out.err

    def service_try(self, stdin: str = "") -> tuple[int, str, str]:
        return self("services", "try", SERVICE, "--id-number", PERSON, "--json", "--at", NOON,
                    stdin=stdin)  # fmt: skip

    def tries_audited(self) -> list[dict[str, str]]:
        code, out, _err = self("audit", "show", "--json")
        assert code == 0
        assert PERSON not in out
        return [r for r in json.loads(out) if r["action"] == "service_try"]


@pytest.fixture
def admin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Admin:
    return Admin(capsys, monkeypatch)


@pytest.fixture
def in_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoBackend]:
    """A terminal in service: no simulator, no demo back-end; its agency is a live server."""
    with DemoBackend() as backend:
        # The agency is reached over plain HTTP on loopback, as through a local TLS proxy.
        lines = ["demo = false", 'audit_key_env = "TEST_AUDIT_KEY"',
                 "[reader]", 'port = "/dev/ttyS0"', "[camera]", 'source = "0"',
                 "[printer]", 'kind = "cups"', 'queue = "certificates"',
                 "[certificates]", 'verify_url = "https://verify.example.gov.cn/verify"',
                 "[face_verifier]", 'base_url = "https://face-verify.example.gov.cn"']  # fmt: skip
        monkeypatch.setenv("TEST_AUDIT_KEY", "a-test-audit-key-of-enough-length")
        for family in FAMILIES:
            lines += [f"[backends.{family}]", f'base_url = "{backend.base_url}"', "retries = 0"]
        config = tmp_path / "kiosk.toml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setenv("GOV_KIOSK_CONFIG", str(config))
        yield backend


def test_try_outside_demo_needs_the_admin_pin(in_service: DemoBackend, admin: Admin) -> None:
    code, _out, err = admin.service_try(stdin="135790\n")
    assert code == 1 and "set-pin --role admin" in err
    assert admin("attendant", "set-pin", "--role", "admin", stdin="135790\n")[0] == 0
    queried = in_service.requests
    code, out, err = admin.service_try(stdin="000000\n")
    assert code == 1 and "wrong admin PIN" in err and out == ""
    assert in_service.requests == queried  # refused before anything reached the agency
    code, out, err = admin.service_try(stdin="135790\n")
    assert code == 0, err
    body = json.loads(out)  # the not-demo warning goes to stderr, so --json stays JSON
    assert body["service_id"] == SERVICE and body["record_found"]
    assert in_service.requests == queried + 1
    rows = admin.tries_audited()
    assert [r["outcome"] for r in rows] == ["no_admin_pin", "wrong_pin", "ok"]
    assert all(r["actor"] == "admin" and r["id_masked"] == "4104**********1238" for r in rows)
    assert all(r["detail"] == SERVICE for r in rows)


def test_certificate_issue_is_refused_outside_demo(
    in_service: DemoBackend, admin: Admin, tmp_path: Path
) -> None:
    out = tmp_path / "cert.pdf"
    for extra in ([], ["--name", "张伟"]):
        code, _stdout, err = admin("certificate", "issue", "--service", SERVICE, "--id-number",
                                   PERSON, "--out", str(out), "--at", NOON, *extra)  # fmt: skip
        assert code == 1 and "demo mode" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and in_service.requests == 0


def test_try_in_demo_mode_needs_no_pin_and_is_audited(admin: Admin) -> None:
    code, out, err = admin.service_try()
    assert code == 0, err
    assert json.loads(out)["record_found"]
    (row,) = admin.tries_audited()
    assert row["outcome"] == "ok" and row["id_masked"] == "4104**********1238"
