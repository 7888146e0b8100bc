"""A PostgreSQL server that takes the connection and never answers: the terminal's store gives
up after `database_connect_timeout_s`, and kiosk-admin says so in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import make_url

from kiosk.store.db import TCP_LIVENESS, connect_args


def test_a_silent_database_fails_kiosk_admin_within_the_timeout_with_one_line(
    tmp_path: Path,
) -> None:
    with socket.socket() as listener:  # accepts nothing: libpq's first packet gets no answer
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        config = tmp_path / "kiosk.toml"
        config.write_text(
            f'data_dir = "{tmp_path / "data"}"\n'
            f'database_url = "postgresql://kiosk@127.0.0.1:{listener.getsockname()[1]}/kiosk"\n'
            "database_connect_timeout_s = 2\n", encoding="utf-8")
        env = dict(os.environ, GOV_KIOSK_CONFIG=str(config),
                   GOV_KIOSK_DATA_DIR=str(tmp_path / "data"))
        # The run's own timeout only stops a hang (the behaviour without a connect timeout).
        done = subprocess.run([sys.executable, "-m", "kiosk.cli", "audit", "verify"],
                              capture_output=True, text=True, env=env, timeout=40)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "kiosk-admin: the database cannot be used: connection timeout expired"]


def test_the_urls_own_connect_timeout_wins_and_sqlite_gets_none() -> None:
    assert connect_args(make_url("postgresql+psycopg://h/db"), 10) == {"connect_timeout": 10,
                                                                        **TCP_LIVENESS}
    assert connect_args(make_url("postgresql://h/db?connect_timeout=7&keepalives_idle=5"),
                        2) == {k: v for k, v in TCP_LIVENESS.items() if k != "keepalives_idle"}
    assert connect_args(make_url("sqlite:///x.db"), 2) == {}
