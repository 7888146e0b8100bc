"""No citizen value in any log line: whole sessions through the real runtime (reader simulator,
demo back-end over HTTP, certificate printed) with every logger at DEBUG, third-party ones
included. Every record is searched, its URLs decoded, for every value a session used."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import pytest

from kiosk import flow
from kiosk.config import Settings
from kiosk.flow import Screen
from kiosk.logging_setup import configure_logging, redact
from kiosk.runtime import Runtime

ZHANG_ID, ZHANG_NAME = "410402198805201238", "张伟"
CERT_NO = "豫(2019)平顶山市不动产权第0012345号"
ACCOUNT_NO = "4110203344"
CASE_NO = "20240518003721"
SESSIONS = [  # (service, what the citizen types, print the certificate)
    ("real_estate.registration_info", {}, True),
    ("real_estate.certificate_verify", {"cert_no": CERT_NO}, False),
    ("electricity.balance", {"account_no": ACCOUNT_NO}, False),
    ("real_estate.application_progress", {"case_no": CASE_NO}, False),
]
SECRETS = [ZHANG_ID, ZHANG_NAME, "建设路中段锦绣花园", CERT_NO, ACCOUNT_NO, CASE_NO]


class KeepEverything(logging.Handler):
    """The raw text of every record, taken before any filter of ours could rewrite it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self._exceptions = logging.Formatter()

    def handle(self, record: logging.LogRecord) -> bool:  # no filters, no lock needed
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.getMessage(), repr(record.args)]
        if record.exc_info:
            parts.append(self._exceptions.formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        self.texts.append("\n".join(parts))


@pytest.fixture
def everything_logged() -> Iterator[tuple[KeepEverything, io.StringIO]]:
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in root.manager.loggerDict}
    saved_root, saved_handlers = root.level, list(root.handlers)
    out = io.StringIO()
    configure_logging(logging.DEBUG, stream=out)  # the terminal's own configuration
    keep = KeepEverything()
    root.handlers.insert(0, keep)
    for name in [*root.manager.loggerDict, "httpx", "httpcore", "urllib3", "sqlalchemy"]:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield keep, out
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_root)
        for name in root.manager.loggerDict:
            logging.getLogger(name).setLevel(saved.get(name, logging.NOTSET))


@pytest.fixture
def runtime(tmp_path: Path, everything_logged: object) -> Iterator[Runtime]:
    noon = datetime.now().replace(hour=12, minute=0)
    rt = Runtime.build(Settings(data_dir=tmp_path / "data"), simulate=True, place_delay_s=0.2,
                       start_verify_web=False, wall_clock=lambda: noon)
    rt.start()
    deadline = time.monotonic() + 20
    while not all(status.ready for status in rt.device_statuses()):
        assert time.monotonic() < deadline, rt.device_statuses()
        time.sleep(0.05)
    yield rt
    rt.stop()


def _session(rt: Runtime, service_id: str, inputs: dict[str, str], prints: bool) -> None:
    runner = rt.runner
    runner.wait_for(lambda s: s.screen is Screen.ATTRACT, 10)
    service = rt.catalog.get(service_id)
    assert service is not None, service_id
    runner.dispatch(flow.ChooseService(service))
    ends = (Screen.INPUTS, Screen.RESULT, Screen.ERROR)
    state = runner.wait_for(lambda s: s.screen in ends, 60)
    if state.screen is Screen.INPUTS:
        runner.dispatch(flow.SubmitInputs(inputs))
        state = runner.wait_for(lambda s: s.screen in (Screen.RESULT, Screen.ERROR), 60)
    if prints:
        assert state.screen is Screen.RESULT, state.message
        runner.dispatch(flow.RequestPrint())
        runner.wait_for(lambda s: s.screen in (Screen.DONE, Screen.ERROR), 60)
    runner.dispatch(flow.Finish())


def _decoded(text: str) -> list[str]:
    """The text as logged and every decoding a reader could apply to it."""
    forms = [text]
    for decode in (unquote, unquote_plus):
        current = text
        for _ in range(5):  # percent-encoding applied more than once
            current, previous = decode(current), current
            if current == previous:
                break
            forms.append(current)
    return forms


def _encoded(secret: str) -> list[str]:
    forms = {secret, quote(secret), quote_plus(secret), quote(secret, safe=""),
             quote(quote(secret, safe=""), safe="")}
    return sorted(forms | {f.lower() for f in forms if "%" in f})


def _leaks(texts: list[str]) -> list[tuple[str, str]]:
    found = []
    for text in texts:
        haystacks = _decoded(text)
        for secret in SECRETS:
            for needle in _encoded(secret):
                if any(needle in hay for hay in haystacks):
                    found.append((secret, text[:200]))
    return found


def test_whole_sessions_at_debug_leave_no_citizen_value_in_any_record(
    runtime: Runtime, everything_logged: tuple[KeepEverything, io.StringIO]
) -> None:
    keep, out = everything_logged
    for service_id, inputs, prints in SESSIONS:
        _session(runtime, service_id, inputs, prints)
    # Failures log more (retries, tracebacks): a back-end answering 500, then a broken body.
    backend = runtime.simulation.backend if runtime.simulation else None
    assert backend is not None
    for mode in ("http500", "bad_gzip"):
        backend.fail(mode)
        _session(runtime, "electricity.balance", {"account_no": ACCOUNT_NO}, False)
        _session(runtime, "real_estate.certificate_verify", {"cert_no": CERT_NO}, False)
    backend.fail(None)
    runtime.stop()  # shutdown logs too

    assert any("httpx" in t or "HTTP Request" in t for t in keep.texts), "httpx was not heard"
    assert len(keep.texts) > 50
    assert _leaks(keep.texts) == []
    assert _leaks(out.getvalue().splitlines()) == []


def test_the_filter_redacts_query_strings_and_id_numbers_in_any_record() -> None:
    line = ("HTTP Request: GET http://b/real_estate/certificate?cert_no=%E8%B1%AB%282019%29"
            "&account_no=4110203344 \"HTTP/1.1 200 OK\" for 11010519491231002X")
    clean = redact(line)
    assert "4110203344" not in clean and "%E8" not in clean and "1231002X" not in clean
    assert "http://b/real_estate/certificate?[redacted]" in clean
    assert "1101**********002X" in clean

    out = io.StringIO()
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    try:
        configure_logging("DEBUG", stream=out)
        try:
            raise ValueError(f"cannot read http://b/x?name={quote(ZHANG_NAME)} for {ZHANG_ID}")
        except ValueError:
            logging.getLogger("third.party").exception("failed: %s", f"http://b/y?id={ZHANG_ID}")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    assert _leaks(out.getvalue().splitlines()) == []
    assert "ValueError" in out.getvalue() and "4104**********1238" in out.getvalue()


def test_a_relative_redirect_location_loses_its_query_too() -> None:
    """httpcore at DEBUG logs response headers; a back-end's redirect to a relative URL
    carried typed input in its query string past the absolute-URL rule."""
    name = quote(ZHANG_NAME)
    line = ("receive_response_headers.complete return_value=(b'HTTP/1.1', 302, b'Found', "
            f"[(b'location', b'/real_estate/again?name={name}&cert_no=4110203344')])")
    clean = redact(line)
    assert name not in clean and "4110203344" not in clean
    assert "b'/real_estate/again?[redacted]'" in clean
    assert redact("is it ready? yes") == "is it ready? yes"  # prose keeps its question marks
    assert redact("see http://b/p?x=1") == "see http://b/p?[redacted]"
