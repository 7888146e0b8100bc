"""kill -9 during issue-and-print, restart, count: every registered certificate is kept or
printed and audited, nothing printed or kept without one (bench/bench_crash.py runs 30+)."""

from __future__ import annotations

from pathlib import Path

from tests.kiosk.crash_desk import as_dict, crash_series


def test_three_kills_during_issue_and_print_leave_no_difference(tmp_path: Path) -> None:
    counts = crash_series(kills=3, seed=2026, data_dir=tmp_path, max_delay_s=1.0)
    assert counts.difference == 0, as_dict(counts)
    assert counts.chain_intact and counts.registered == counts.audited
    assert counts.registered >= 1  # the workers did issue (the first died in its second)
