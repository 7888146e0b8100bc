"""A private, throw-away PostgreSQL server for the store's tests.

`PostgresServer` runs initdb into a fresh temporary directory and starts the server there,
listening on a unix socket in that directory only (no TCP port, so nothing else on the machine
can reach it and no port can clash). PostgreSQL refuses to run as root, so as root the cluster
belongs to the `postgres` system user that the Debian package creates, and its programs run
through `runuser`. Each test gets a database of its own from `database()`.

The fixtures `postgres_server` and `postgres_url` are meant to be imported by test modules;
the server is shared by every module that imports them and stopped when the last one is done.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SYSTEM_USER = "postgres"
# Runs beside the tests and cleans up after them however they end (even killed): it waits for
# its stdin to close, then stops the server and deletes the cluster.
_WATCHDOG = """
import shutil, subprocess, sys
sys.stdin.buffer.read()
subprocess.run(sys.argv[2:], capture_output=True, timeout=60)
shutil.rmtree(sys.argv[1], ignore_errors=True)
"""


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian layout, then PATH)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """One initdb'd cluster in a temporary directory, started and stopped explicitly."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # Under /tmp on purpose: a unix socket path must fit in about 100 bytes, and the
        # postgres user must be able to reach it (a private $TMPDIR may be closed to it).
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir="/tmp"))
        self.datadir = self.root / "data"
        self.socket_dir = self.root
        self._as_user: list[str] = []
        self._watchdog: subprocess.Popen[bytes] | None = None

    def _prepare_owner(self) -> None:
        if os.geteuid() != 0:
            return  # an ordinary user runs the server as itself
        try:
            account = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise RuntimeError(
                f"running as root, PostgreSQL needs the '{SYSTEM_USER}' system user "
                "(created by the Debian 'postgresql' package)"
            ) from None
        os.chown(self.root, account.pw_uid, account.pw_gid)
        self._as_user = ["runuser", "-u", SYSTEM_USER, "--"]

    def _command(self, *args: str) -> list[str]:
        return [*self._as_user, str(self.bindir / args[0]), *args[1:]]

    def _run(self, *args: str) -> None:
        result = subprocess.run(self._command(*args), capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-800:]}"
            )

    def start(self) -> None:
        self._prepare_owner()
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Durability does not matter for a server that lives for one test run; a time zone
        # east of UTC makes sure nothing silently assumes the server speaks UTC.
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-c unix_socket_directories='{self.socket_dir}'",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c timezone='Asia/Shanghai'",
                "-c max_connections=40",
            ]
        )
        stop = self._command("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.datadir))
        # Its own session, so a Ctrl-C aimed at the tests does not stop it before it cleans up.
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self.root), *stop],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "30",
            "-D",
            str(self.datadir),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
        )

    def stop(self) -> None:
        """Stop the server and delete its files (the watchdog does both once told)."""
        if self._watchdog is None:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        assert self._watchdog.stdin is not None
        self._watchdog.stdin.close()
        self._watchdog.wait(timeout=90)
        self._watchdog = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def execute_autocommit(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql)

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.execute_autocommit(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.execute_autocommit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def files_bytes(self) -> bytes:
        """Everything the server has written to disk (after a checkpoint flushes it)."""
        self.execute_autocommit("CHECKPOINT")
        return b"".join(p.read_bytes() for p in sorted(self.datadir.rglob("*")) if p.is_file())


_shared: PostgresServer | None = None
_users = 0


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's server; skipped only where PostgreSQL is not installed."""
    global _shared, _users
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (no initdb; Debian package 'postgresql')")
    if _shared is None:
        server = PostgresServer(bindir)
        try:
            server.start()
        except BaseException:
            server.stop()
            raise
        _shared = server
    _users += 1
    try:
        yield _shared
    finally:
        _users -= 1
        if _users == 0 and _shared is not None:
            _shared.stop()
            _shared = None


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
