"""The one logging configuration of `kiosk` and `kiosk-admin`, with a privacy filter on it.

Nothing the terminal itself logs carries a citizen's value: adapters send inputs in request
bodies and the ID number in a header, and our own lines mask ID numbers. The filter is the net
under that for every record that reaches the configured handler, third-party libraries
included: a URL keeps its scheme, host and path but loses its query string (httpx and httpcore
log request URLs, and a query string would hold percent-encoded typed input), and anything
shaped like an ID number is masked, in the message and in a traceback alike.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TextIO

from services_catalog.model import mask_id_numbers_in

LEVEL_ENV = "GOV_KIOSK_LOG"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_URL_QUERY = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s#\"'<>]*")
# A relative URL (a redirect's Location header, which httpcore logs at DEBUG): a path that
# starts a token, i.e. its "/" follows the start, a space, a quote, a bracket or "=".
_RELATIVE_QUERY = re.compile(r"((?<![^\s'\"(\[<=])/[^\s?#\"'<>]*)\?[^\s#\"'<>]*")
_EXCEPTIONS = logging.Formatter()


def redact(text: str) -> str:
    """`text` without URL query strings and with every ID-number-shaped run masked."""
    text = _URL_QUERY.sub(r"\1?[redacted]", text)
    text = _RELATIVE_QUERY.sub(r"\1?[redacted]", text)
    return mask_id_numbers_in(text)


class PrivacyFilter(logging.Filter):
    """Rewrites a record, before any formatter sees it, into its redacted form."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # a broken record: logging reports it (without its arguments)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTIONS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (a test runner swaps it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(
    level: str | int | None = None, *, stream: TextIO | None = None, fmt: str = FORMAT
) -> logging.Handler:
    """One handler on the root logger (stderr: the journal under systemd), filtered.

    The level comes from `level`, else $GOV_KIOSK_LOG, else INFO. Calling it again replaces
    the handler it installed before (tests and tools may call it more than once).
    """
    wanted = level if level is not None else os.environ.get(LEVEL_ENV, "INFO")
    resolved = logging.getLevelName(wanted.upper()) if isinstance(wanted, str) else wanted
    bad_level = not isinstance(resolved, int)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(logging.Formatter(fmt))
    handler.addFilter(PrivacyFilter())
    handler.set_name("gov-kiosk")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "gov-kiosk"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if bad_level else resolved)
    if bad_level:
        logging.getLogger("kiosk").warning("%s=%r is not a log level; using INFO",
                                           LEVEL_ENV, wanted)
    return handler
