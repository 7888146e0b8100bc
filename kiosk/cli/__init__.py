"""kiosk-admin: the command line for admins and attendants.

Each command family lives in its own module with a `register(subparsers)` function; every
handler returns an exit code. Errors a user can cause end in one plain line, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence

# Modules under kiosk.cli that contribute commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "services", "idcard", "certificate", "face", "devices", "attendant", "fleet", "preflight",
    "keys",
)


class CliError(Exception):
    """A failure to report as one plain line and a non-zero exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-admin", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="terminal config file (TOML); default: built-in demo")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"kiosk.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kiosk.cli.{name}":
                continue  # that command family is not installed in this build
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from kiosk.logging_setup import LEVEL_ENV, configure_logging

    # Warnings only by default, as plain lines: the command's own output is what matters.
    configure_logging(os.environ.get(LEVEL_ENV, "WARNING"), fmt="%(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # here, so a closed pipe is caught below and not at exit
        return code
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`kiosk-admin services list | head`). Point stdout at devnull
        # so the interpreter's final flush cannot fail again, and exit as a program ended by
        # SIGPIPE would, quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE
    except Exception as exc:
        line = plain_failure(exc)
        if line is None:
            raise
        print(f"kiosk-admin: {line}", file=sys.stderr)
        return 1


def plain_failure(exc: Exception) -> str | None:
    """One line for failures of the machine rather than of the program: a file that cannot be
    read or written, a database that cannot be opened, a key or config that is unusable."""
    from kiosk.config import ConfigError
    from kiosk.store.keys import TerminalKeyError

    if isinstance(exc, ConfigError | TerminalKeyError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, sqlite3.Error) or \
            any(c.__module__.startswith("sqlalchemy") for c in type(exc).__mro__):
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        return f"the database cannot be used: {first}"
    return None


if __name__ == "__main__":
    sys.exit(main())
