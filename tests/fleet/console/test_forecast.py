"""The paper forecast and the alert rules are pure: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fleet.console import forecast, rules

NIGHT = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def test_paper_runs_out_after_the_quiet_night_at_the_morning_pace() -> None:
    per_hour = [0.0] * 24
    per_hour[1] = 6.0  # a few night printers, 01:00-02:00
    per_hour[2] = 12.0
    # 20:00 with 10 sheets: nothing until 01:00, 6 sheets by 02:00, 4 more at 12 an hour.
    assert forecast.runs_out_at(NIGHT, 10, per_hour) == datetime(2026, 12, 1, 2, 20,
                                                                 tzinfo=UTC)


def test_no_forecast_without_usage_or_beyond_a_week() -> None:
    assert forecast.runs_out_at(NIGHT, 10, [0.0] * 24) is None
    assert forecast.runs_out_at(NIGHT, 10_000, [1.0] * 24) is None
    assert forecast.runs_out_at(NIGHT, 0, [1.0] * 24) == NIGHT


def test_a_run_out_inside_the_current_hour() -> None:
    at = NIGHT + timedelta(minutes=30)
    assert forecast.runs_out_at(at, 5, [10.0] * 24) == at + timedelta(minutes=30)


def test_sheets_left_prefers_the_printers_count() -> None:
    assert forecast.sheets_left("low", {"sheets_left": "37"}) == 37
    assert forecast.sheets_left("low", {}) == 50
    assert forecast.sheets_left("out", {}) == 0
    assert forecast.sheets_left("unknown", {"sheets_left": "n/a"}) is None


def test_hourly_profile_averages_over_the_days() -> None:
    printed = [(NIGHT, 2), (NIGHT + timedelta(days=1), 4), (NIGHT.replace(hour=9), 7)]
    profile = forecast.hourly_profile(printed, days=2)
    assert profile[20] == 3.0 and profile[9] == 3.5 and sum(profile) == 6.5


def _snap(**changes) -> rules.Snapshot:  # type: ignore[no-untyped-def]
    base = {"terminal_id": "T", "last_seen_at": NIGHT, "reported_state": "in_service",
            "reason": "", "devices": [], "outbox_oldest_at": None, "staff_call": False}
    return rules.Snapshot(**{**base, **changes})


def test_rules_name_each_condition_once() -> None:
    printers = [{"device": "printer", "paper": "low"}, {"device": "receipt_printer",
                                                        "paper": "low"}]
    found = rules.conditions(_snap(devices=printers, staff_call=True,
                                   reported_state="out_of_service", reason="卡纸",
                                   outbox_oldest_at=NIGHT), NIGHT)
    assert sorted(c.rule for c in found) == ["out_of_service_5min", "outbox_lag_10min",
                                             "paper_low", "staff_call"]
    delays = {c.rule: c.delay for c in found}
    assert delays["out_of_service_5min"] == timedelta(minutes=5)
    assert delays["outbox_lag_10min"] == timedelta(minutes=10)


def test_a_silent_terminal_is_offline_and_nothing_else() -> None:
    snap = _snap(devices=[{"device": "printer", "paper": "out"}])
    assert [c.rule for c in rules.conditions(snap, NIGHT + timedelta(seconds=90))] == [
        "paper_out"]
    assert [c.rule for c in rules.conditions(snap, NIGHT + timedelta(seconds=91))] == [
        "offline_90s"]
    assert rules.conditions(_snap(last_seen_at=None), NIGHT) == []
