"""Every typed failure becomes plain words on the error screen, with the right way forward."""

from __future__ import annotations

import pytest

from devices.idcard import errors as card_errors
from devices.printer.base import PaperOut
from kiosk.session import message_for
from services_catalog import errors


@pytest.mark.parametrize(
    ("exc", "retry", "words"),
    [
        (errors.BackendTimeout("t"), True, "超时"),
        (errors.BackendUnavailable("down"), True, "暂时无法访问"),
        (errors.BadBackendResponse("junk"), True, "有误"),
        (errors.RecordNotFound("none"), False, "没有查到"),
        (errors.QueryRefused("other person"), False, "本人"),
        (errors.ServiceClosed("06:00"), False, "06:00"),
        (PaperOut(), False, "缺纸"),
    ],
)
def test_typed_errors_become_plain_messages(exc: Exception, retry: bool, words: str) -> None:
    message = message_for(exc)
    assert words in message.zh and message.en
    assert message.can_retry is retry or isinstance(exc, errors.BadBackendResponse)
    assert "Traceback" not in message.zh + message.en


def test_a_bug_never_shows_its_text() -> None:
    message = message_for(KeyError("secret internal detail"))
    assert "secret" not in message.zh + message.en
    assert message.can_retry and message.offer_attendant


def test_reader_errors_speak_to_the_citizen() -> None:
    for name in ("NoCard", "ChecksumError", "ReaderUnavailable", "UnreadableCard"):
        exc = getattr(card_errors, name)("x")
        message = message_for(exc)
        assert message.zh and message.en and "x" != message.en
