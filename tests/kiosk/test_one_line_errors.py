"""Failures a user or the machine causes end in one line and a non-zero exit, never a
traceback: odd config paths, deep TOML, bad trust roots, read-only or corrupt data, hostile
images."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own files as another")


def _can_mount_read_only() -> bool:
    probe = ["unshare", "-m", "sh", "-c", "mount --bind / / && mount -o remount,bind,ro / /"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


def _run(program: str, *args: str, env: dict[str, str] | None = None,
         read_only: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a console script; with `read_only`, that directory is a read-only mount for it
    (root ignores file modes, so a mount is what makes a directory truly read-only)."""
    argv = [str(BIN / program), *args]
    if read_only is not None:
        script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && '
                  'exec "$@"')
        argv = ["unshare", "-m", "sh", "-c", script, str(read_only), *argv]
    return subprocess.run(argv, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=180)


def _one_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_config_path_that_is_a_directory(tmp_path: Path) -> None:
    _one_line(_run("kiosk-admin", "--config", str(tmp_path), "services", "list"),
              "is a directory")
    _one_line(_run("kiosk", "--config", str(tmp_path), env={"QT_QPA_PLATFORM": "offscreen"}),
              "is a directory")


def test_a_config_file_that_cannot_be_read(tmp_path: Path, monkeypatch, capsys) -> None:
    from kiosk.cli import main

    config = tmp_path / "kiosk.toml"
    config.write_text("demo = true\n", encoding="utf-8")

    real_open = os.open

    def refused(path: object, *args: object, **kwargs: object) -> int:
        if Path(str(path)) == config:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)  # what a non-root admin meets
    assert main(["--config", str(config), "services", "list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot read it (Permission denied)" in err[0], err


def test_deeply_nested_toml(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    _one_line(_run("kiosk-admin", "--config", str(config), "services", "list"),
              "nested too deeply")


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_certificate_verify_with_a_missing_or_garbage_trust_root(tmp_path: Path,
                                                                 content: str | None) -> None:
    root = tmp_path / "root.pem"
    if content is not None:
        root.write_text(content, encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[certificates]\n'
                      f'trust_roots = ["{root}"]\n', encoding="utf-8")
    pdf = tmp_path / "some.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    _one_line(_run("kiosk-admin", "--config", str(config), "certificate", "verify", str(pdf)),
              "trust root", str(root))


@pytest.mark.skipif(not _can_mount_read_only(), reason="cannot make a read-only mount here")
def test_certificate_verify_on_a_read_only_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"GOV_KIOSK_DATA_DIR": str(data)}
    done = _run("kiosk-admin", "certificate", "issue", "--service",
                "pension.payment_certificate", "--id-number", "410402198805201238",
                "--out", str(tmp_path / "c.pdf"), env=env)
    assert done.returncode == 0, done.stderr
    done = _run("kiosk-admin", "certificate", "verify", str(tmp_path / "c.pdf"), env=env,
                read_only=data)
    if done.returncode == 0:  # verified without writing: also fine, and said in words
        assert "Traceback" not in done.stderr and done.stdout.strip(), done.stderr
    else:
        _one_line(done)


def test_audit_verify_on_a_corrupt_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kiosk.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    _one_line(_run("kiosk-admin", "audit", "verify", env={"GOV_KIOSK_DATA_DIR": str(data)}),
              "database")


def _png(width: int, height: int) -> bytes:
    """A valid PNG header for any size over a tiny compressed body (a decompression bomb's
    shape: its size on disk says nothing of its size decoded)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 8, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("content", "words"), [
    (b"", ("empty",)),
    (b"GIF89a but not really", ("not an image",)),
    (_png(30_000, 30_000), ("too large",)),
    (_png(8_000, 8_000), ("8000x8000", "too large")),
])
def test_face_detect_refuses_empty_garbage_and_bomb_images(tmp_path: Path, content: bytes,
                                                           words: tuple[str, ...]) -> None:
    image = tmp_path / "image.png"
    image.write_bytes(content)
    _one_line(_run("kiosk-admin", "face", "detect", "--image", str(image)), *words)


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_config_that_is_a_fifo_a_device_or_huge_is_refused_at_once(
        tmp_path: Path, kind: str) -> None:
    """Reading one of these used to block for ever (FIFO, /dev/zero) or stall on a 200 MB
    parse; systemd would see a hung start, not a reason."""
    if kind == "fifo":
        config = tmp_path / "kiosk.toml"
        os.mkfifo(config)
    elif kind == "device":
        config = Path("/dev/zero")
    else:
        config = tmp_path / "kiosk.toml"
        config.write_text('note = "' + "x" * (2 * 1024 * 1024) + '"\n', encoding="utf-8")
    env = {"GOV_KIOSK_DATA_DIR": str(tmp_path / "data")}
    word = "too large" if kind == "huge" else "not a regular file"
    _one_line(_run("kiosk-admin", "--config", str(config), "services", "list", env=env), word)
    done = _run("kiosk-admin", "--config", str(config), "preflight", "--json", env=env)
    assert done.returncode != 0
    import json
    report = json.loads(done.stdout)
    assert word in report["checks"][0]["problems"][0]
