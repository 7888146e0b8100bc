"""PINs and kept jobs on a terminal left alone: the lockout grows and survives restarts, a
config PIN does not undo one set with the command line, and kept jobs are purged on a timer."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import update

from kiosk.housekeeping import Housekeeping
from kiosk.store import Store
from kiosk.store.models import PrintJob

# Cheap argon2 parameters: these tests count tries, not hashing cost (a hash carries its own
# parameters, so verifying works the same).
FAST = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def open_store(tmp_path: Path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, "T-1",
                       pin_max_failures=5, pin_lockout=timedelta(minutes=5))
    store.credentials._hasher = FAST
    return store


def fail_a_round(store: Store, at: datetime) -> datetime:
    """Five wrong PINs at `at`; the time the lock ends."""
    for _ in range(5):
        check = store.credentials.verify("attendant", "000000", at)
    assert not check.ok and check.locked_until is not None
    return check.locked_until


def test_each_lockout_doubles_and_a_restart_does_not_reset_it(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.credentials.set_pin("attendant", "246810")
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    lengths = []
    for round_ in range(4):
        until = fail_a_round(store, now)
        lengths.append(until - now)
        now = until + timedelta(seconds=1)
        if round_ == 1:  # the terminal restarts in the middle of the night
            store.close()
            store = open_store(tmp_path)
    assert lengths == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    # The right PIN after the lock resets the growth.
    assert store.credentials.verify("attendant", "246810", now).ok
    assert fail_a_round(store, now) - now == timedelta(minutes=5)
    store.close()


def test_a_guesser_gets_45_tries_in_the_first_day_and_5_a_day_after(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.credentials.set_pin("attendant", "246810")
    start = now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    tries_by_day: dict[int, int] = {}
    while now < start + timedelta(days=4):
        check = store.credentials.verify("attendant", "000000", now)  # a real try: not locked
        day = int((now - start) / timedelta(days=1))
        tries_by_day[day] = tries_by_day.get(day, 0) + 1
        if check.locked_until is not None:
            now = check.locked_until  # the guesser waits out each lock
    store.close()
    # 1,440 a day with a fixed 5-minute lock; 45, then 5 a day (locks grow to a day).
    assert tries_by_day == {0: 45, 1: 5, 2: 5, 3: 5}


def test_a_config_pin_hash_does_not_override_a_pin_set_since(tmp_path: Path) -> None:
    config_hash = FAST.hash("135790")
    store = open_store(tmp_path)
    assert store.credentials.apply_config_hash("attendant", config_hash)  # first start
    assert store.credentials.verify("attendant", "135790").ok
    store.credentials.set_pin("attendant", "246810")  # kiosk-admin attendant set-pin
    store.close()

    store = open_store(tmp_path)  # restart with the same config file
    assert not store.credentials.apply_config_hash("attendant", config_hash)
    assert store.credentials.verify("attendant", "246810").ok
    assert not store.credentials.verify("attendant", "135790").ok

    edited = FAST.hash("864200")  # the admin edits the config's pin_hash
    assert store.credentials.apply_config_hash("attendant", edited)
    assert store.credentials.verify("attendant", "864200").ok
    store.close()


def test_a_restart_with_the_config_pin_keeps_a_lockout(tmp_path: Path) -> None:
    config_hash = FAST.hash("135790")
    store = open_store(tmp_path)
    store.credentials.apply_config_hash("attendant", config_hash)
    now = datetime.now(UTC)
    until = fail_a_round(store, now)
    store.close()
    store = open_store(tmp_path)
    store.credentials.apply_config_hash("attendant", config_hash)
    assert store.credentials.verify("attendant", "135790", now).locked_until == until
    store.close()


def test_kept_jobs_are_purged_on_a_timer_without_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    housekeeping = Housekeeping(store, interval_s=0.05)
    housekeeping.start()
    try:
        job_id = store.jobs.add("CODE-1", "title", b"%PDF-1.7 kept")
        kept_since = datetime.now(UTC) - store.jobs.retention - timedelta(hours=1)
        with store.engine.begin() as connection:  # kept past the retention window
            connection.execute(update(PrintJob).where(PrintJob.id == job_id)
                               .values(created_at=kept_since))
        deadline = time.monotonic() + 30  # a safety net, not a speed check
        while store.jobs.get(job_id).status != "purged" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.jobs.get(job_id).status == "purged"
        # The unprinted certificate it dropped is said in the audit log (same transaction).
        assert any(e.action == "job_purge" and e.detail.startswith("CODE-1 ")
                   for e in store.audit.entries(20))
    finally:
        housekeeping.stop()
        store.close()


def test_a_clock_put_right_does_not_lock_the_attendant_out_for_months(tmp_path: Path) -> None:
    """The clock was a year ahead (RTC battery, bad NTP) when a guesser set off the lock;
    once the clock is put right the lock must not last a year, nor vanish."""
    store = open_store(tmp_path)
    store.credentials.set_pin("attendant", "246810")
    wrong = datetime(2027, 11, 30, 22, 0, tzinfo=UTC)
    fail_a_round(store, wrong)
    right = wrong - timedelta(days=365)
    check = store.credentials.verify("attendant", "246810", right)
    assert not check.ok and check.locked_until == right + timedelta(minutes=5)  # still locked
    store.close()
    store = open_store(tmp_path)  # the shortened lock is what was stored
    assert not store.credentials.verify("attendant", "246810", right + timedelta(minutes=4)).ok
    assert store.credentials.verify("attendant", "246810", right + timedelta(minutes=6)).ok
    store.close()
