"""A database server that takes the connection and never answers: the centre's commands give
up after the connect timeout with one line, instead of hanging a start for ever."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

from fleet.db.engine import TCP_LIVENESS, connect_args


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A listening socket that accepts nothing: the kernel completes the handshake, then no
    answer ever comes to libpq's first packet."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield f"postgresql://fleet@127.0.0.1:{listener.getsockname()[1]}/fleet"


@pytest.mark.parametrize("command", [
    ["fleet.cli:server_main", "--port", "0"],
    ["fleet.cli:admin_main", "terminal", "list"],
])
def test_a_silent_database_fails_within_the_connect_timeout_with_one_line(
    silent_server: str, command: list[str]
) -> None:
    module, function = command[0].split(":")
    code = f"import sys; from {module} import {function}; sys.exit({function}(sys.argv[1:]))"
    # The run's own timeout only stops a hang (the behaviour without a connect timeout).
    done = subprocess.run(
        [sys.executable, "-c", code, "--database-url", silent_server,
         "--database-connect-timeout", "2", *command[1:]],
        capture_output=True, text=True, timeout=40,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "database" in lines[0] and "timeout expired" in lines[0]


def test_the_urls_own_connect_timeout_wins_and_sqlite_gets_none() -> None:
    assert connect_args(make_url("postgresql://h/db"), 2.5) == {"connect_timeout": 3,
                                                                 **TCP_LIVENESS}
    assert connect_args(make_url("postgresql://h/db"), 0.1)["connect_timeout"] == 2
    assert connect_args(make_url("postgresql://h/db?connect_timeout=7"), 2) == TCP_LIVENESS
    assert connect_args(make_url("sqlite:///x.db"), 2) == {}
