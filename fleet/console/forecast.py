"""When will a terminal's printer run out of paper? (pure)

From the sheets left in the tray (the printer's own estimate when it reports `sheets_left`,
else a guess from its paper level) and the terminal's usage by hour of day over the past
week: walk forward an hour at a time, spending each hour's usual number of sheets, until the
tray is empty. A quiet night spends little, so the answer can be "around 02:40" tomorrow,
after the morning rush.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

HORIZON = timedelta(days=7)
# Sheets assumed left when the printer only says its level (a 500-sheet tray; "low" is
# the sensor's near-end mark, typically 10 % of the tray).
LEVEL_SHEETS = {"full": 500, "low": 50, "out": 0, "jammed": None, "unknown": None}


def sheets_left(paper: str, info: dict[str, str]) -> int | None:
    """The printer's own count when it gives one, else a guess from the level."""
    reported = info.get("sheets_left", "")
    if reported.isdigit():
        return int(reported)
    return LEVEL_SHEETS.get(paper)


def hourly_profile(printed: Iterable[tuple[datetime, int]], days: int) -> list[float]:
    """Sheets per hour of day (UTC), averaged over `days` days of (when, sheets) records."""
    totals = [0.0] * 24
    for when, sheets in printed:
        totals[when.hour] += sheets
    return [total / max(days, 1) for total in totals]


def runs_out_at(now: datetime, sheets: float, per_hour: list[float]) -> datetime | None:
    """The moment the tray empties at the usual pace, or None beyond HORIZON (or when
    nothing is ever printed)."""
    if sheets <= 0:
        return now
    if not any(rate > 0 for rate in per_hour):
        return None
    moment, remaining = now, float(sheets)
    while moment < now + HORIZON:
        hour_end = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        rate = per_hour[moment.hour]
        span_h = (hour_end - moment).total_seconds() / 3600
        if rate * span_h >= remaining:
            return moment + timedelta(hours=remaining / rate)
        remaining -= rate * span_h
        moment = hour_end
    return None
