"""Remote actions on the terminal, without I/O (the book) and with its file (restarts)."""

from __future__ import annotations

from pathlib import Path

from fleet.protocol import ActionResult, RemoteActionOrder
from kiosk.fleet_link.remote_actions import (
    INTERRUPTED,
    ActionBook,
    ActionFailed,
    RemoteActions,
    run_order,
)

RELOAD = RemoteActionOrder(id=1, action="reload_config")
TEST = RemoteActionOrder(id=2, action="self_test")


def test_nothing_runs_during_a_session_and_each_id_runs_once() -> None:
    book = ActionBook()
    assert book.due([RELOAD, TEST], idle=False) == []
    assert book.due([RELOAD, TEST, RELOAD], idle=True) == [RELOAD, TEST]
    book.begin(RELOAD)
    assert book.due([RELOAD, TEST], idle=True) == [TEST]


def test_a_started_action_reports_interrupted_until_it_finishes() -> None:
    book = ActionBook()
    book.begin(RELOAD)
    assert book.to_report == [ActionResult(id=1, outcome="failed", detail=INTERRUPTED)]
    book.finish(ActionResult(id=1, outcome="ok", detail="applied"))
    assert book.to_report == [ActionResult(id=1, outcome="ok", detail="applied")]
    again = ActionBook.from_json(book.to_json())
    assert again == book
    again.acknowledged([ActionResult(id=1, outcome="ok", detail="applied")])
    assert again.to_report == [] and again.due([RELOAD], idle=True) == []


def test_an_unknown_or_failing_action_is_reported_failed() -> None:
    def broken() -> str:
        raise ActionFailed("failing: seals")

    assert run_order(RemoteActionOrder(id=3, action="format_disk"), {}).detail == \
        "unknown action format_disk"
    result = run_order(TEST, {"self_test": broken})
    assert (result.outcome, result.detail) == ("failed", "failing: seals")


def test_a_restart_between_receipt_and_report_does_not_run_it_twice(tmp_path: Path) -> None:
    ran: list[str] = []
    idle = [False]

    def actions() -> RemoteActions:
        return RemoteActions(tmp_path, {"reload_config": lambda: ran.append("r") or "done"},
                             lambda: idle[0], None)

    first = actions()
    assert first.handle([RELOAD]) == 0  # a session: it waits
    idle[0] = True
    assert first.handle([RELOAD]) == 1 and ran == ["r"]
    second = actions()  # the terminal restarted before its report reached the centre
    assert second.handle([RELOAD]) == 0 and ran == ["r"]
    assert second.report() == [ActionResult(id=1, outcome="ok", detail="done")]
    second.acknowledged(second.report())
    assert actions().report() == []


def test_restart_is_asked_for_only_once_its_report_is_acknowledged(tmp_path: Path) -> None:
    exits: list[int] = []
    restart = RemoteActionOrder(id=9, action="restart_app")
    actions = RemoteActions(tmp_path, {}, lambda: True, lambda: exits.append(1))
    actions.handle([restart])
    sent = actions.report()
    assert [r.outcome for r in sent] == ["ok"] and exits == []
    actions.acknowledged(sent)
    assert exits == [1]
    (tmp_path / "other").mkdir()
    cannot = RemoteActions(tmp_path / "other", {}, lambda: True, None)
    cannot.handle([restart])
    assert cannot.report()[0].outcome == "failed"
