"""Remote actions from the centre (reload_config, self_test, restart_app), run on the terminal.

The centre repeats each order in every heartbeat answer until the terminal reports it, so the
terminal keeps, on disk, the ids it has started: an order handed over twice, or again after a
restart, runs once. An id is written down *before* it runs, with the result "interrupted by a
restart" standing in until the real one replaces it: at most once, and never silently lost.
Orders wait while a citizen is in a session; they run at the next answer once the terminal is
idle. `ActionBook` is the pure part; `RemoteActions` adds the file and the runners.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fleet.protocol import ActionResult, RemoteActionOrder
from kiosk.atomic_file import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "fleet-actions.json"
KEEP_IDS = 1000  # the centre never repeats a reported id; this only bounds the file
INTERRUPTED = "interrupted by a restart"


class ActionFailed(Exception):
    """An action that ran and did not succeed; its message is the detail reported."""


@dataclass
class ActionBook:
    """Which ids have started, and the results the centre has not acknowledged yet."""

    started: list[int] = field(default_factory=list)
    to_report: list[ActionResult] = field(default_factory=list)

    def due(self, orders: Iterable[RemoteActionOrder], idle: bool) -> list[RemoteActionOrder]:
        """The orders to run now: none during a session, never one already started."""
        if not idle:
            return []
        seen = set(self.started)
        due = []
        for order in orders:
            if order.id not in seen:
                seen.add(order.id)
                due.append(order)
        return due

    def begin(self, order: RemoteActionOrder) -> None:
        self.started.append(order.id)
        del self.started[:-KEEP_IDS]
        self.to_report.append(ActionResult(id=order.id, outcome="failed", detail=INTERRUPTED))

    def finish(self, result: ActionResult) -> None:
        self.to_report = [result if r.id == result.id else r for r in self.to_report]

    def acknowledged(self, sent: Iterable[ActionResult]) -> None:
        """The centre answered a heartbeat that carried `sent`: it has recorded them."""
        gone = {r.id for r in sent}
        self.to_report = [r for r in self.to_report if r.id not in gone]

    def to_json(self) -> dict[str, object]:
        return {"started": self.started,
                "to_report": [r.model_dump(mode="json") for r in self.to_report]}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ActionBook:
        started = data.get("started", [])
        reports = data.get("to_report", [])
        assert isinstance(started, list) and isinstance(reports, list)
        return cls([int(i) for i in started],
                   [ActionResult.model_validate(r) for r in reports])


def run_order(order: RemoteActionOrder, runners: Mapping[str, Callable[[], str]]
              ) -> ActionResult:
    """One order's result: the runner's detail when it succeeds, its reason when not."""
    runner = runners.get(order.action)
    if runner is None:
        return ActionResult(id=order.id, outcome="failed",
                            detail=f"unknown action {order.action}"[:200])
    try:
        return ActionResult(id=order.id, outcome="ok", detail=runner()[:200])
    except Exception as exc:  # noqa: BLE001 - any failure is the action's outcome
        return ActionResult(id=order.id, outcome="failed", detail=str(exc)[:200] or
                            type(exc).__name__)


class RemoteActions:
    """The book kept in the data dir, and the terminal's runners. `restart_app` is reported
    first; the exit is asked for once the centre has acknowledged that report."""

    def __init__(self, data_dir: Path, runners: Mapping[str, Callable[[], str]],
                 idle: Callable[[], bool], request_exit: Callable[[], None] | None) -> None:
        self._path = data_dir / FILE_NAME
        self._idle = idle
        self._request_exit = request_exit
        self._runners = {**runners, "restart_app": self._restart}
        self._lock = threading.Lock()
        self._exit_after: int | None = None  # the restart order whose report awaits an answer
        self.book = self._load()

    def _load(self) -> ActionBook:
        try:
            return ActionBook.from_json(json.loads(self._path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return ActionBook()
        except (ValueError, AssertionError) as exc:
            # Unreadable: start afresh (an order may then run again, which beats never).
            log.warning("%s unreadable, starting a new one: %s", self._path, exc)
            return ActionBook()

    def _save(self) -> None:
        # An id must be on disk before its action runs.
        write_atomically(self._path, json.dumps(self.book.to_json()))

    def report(self) -> list[ActionResult]:
        with self._lock:
            return list(self.book.to_report)

    def acknowledged(self, sent: list[ActionResult]) -> None:
        if not sent:
            return
        with self._lock:
            self.book.acknowledged(sent)
            self._save()
            restart = self._exit_after is not None and any(
                r.id == self._exit_after for r in sent)
        if restart and self._request_exit is not None:
            log.info("fleet: restarting on the centre's request")
            self._request_exit()

    def handle(self, orders: list[RemoteActionOrder]) -> int:
        """Run the orders due now; how many ran."""
        with self._lock:
            due = self.book.due(orders, self._idle())
        for order in due:
            with self._lock:
                self.book.begin(order)
                self._save()
            log.info("fleet: running remote action %s (%d)", order.action, order.id)
            result = run_order(order, self._runners)
            with self._lock:
                self.book.finish(result)
                self._save()
            if order.action == "restart_app" and result.outcome == "ok":
                self._exit_after = order.id
        return len(due)

    def _restart(self) -> str:
        if self._request_exit is None:
            raise ActionFailed("this terminal cannot restart itself")
        return "restarting once this report is received"
