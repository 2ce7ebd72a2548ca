"""Rate-limit counters in memory (eventhub/limit_storage.py): windows end when they
should, expired counters leave, and no thread is started per hit (limits' own memory
storage, the control, starts one nearly every time)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from eventhub import create_app, limit_storage
from tests.conftest import _config

PER_MINUTE = RateLimitItemPerMinute(3)


def test_the_default_is_the_swept_memory_storage(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", RATELIMIT_ENABLED=True))
    assert app.config["RATELIMIT_STORAGE_URI"] == limit_storage.SCHEME
    assert isinstance(storage_from_string(limit_storage.SCHEME), limit_storage.SweptMemoryStorage)


@pytest.mark.parametrize("strategy", [FixedWindowRateLimiter, MovingWindowRateLimiter])
def test_a_window_ends_when_it_should(strategy):
    limiter = strategy(limit_storage.SweptMemoryStorage())
    start = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert [limiter.hit(PER_MINUTE, "client") for _ in range(4)] == [True] * 3 + [False]
        clock.move_to(start + dt.timedelta(seconds=59))
        assert not limiter.hit(PER_MINUTE, "client")
        assert limiter.hit(PER_MINUTE, "other client")
        # No sweep has run (its clock is the monotonic one): the hit itself sees the end.
        clock.move_to(start + dt.timedelta(seconds=61))
        assert limiter.hit(PER_MINUTE, "client")


def test_expired_counters_are_swept_within_a_second(monkeypatch):
    storage = limit_storage.SweptMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    monotonic = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: monotonic[0])
    start = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(50):
            limiter.hit(PER_MINUTE, f"client-{n}")
        clock.move_to(start + dt.timedelta(minutes=2))
        monotonic[0] += limit_storage.SWEEP_SECONDS
        limiter.hit(PER_MINUTE, "newcomer")  # the first hit after a second sweeps
    assert len(storage.storage) == 1 and "newcomer" in next(iter(storage.storage))


def _timers_started_by(storage, hits: int, monkeypatch) -> int:
    started = []
    original = threading.Timer.start

    def counting_start(timer):
        started.append(timer)
        original(timer)

    monkeypatch.setattr(threading.Timer, "start", counting_start)
    limiter = FixedWindowRateLimiter(storage)
    for n in range(hits):
        limiter.hit(PER_MINUTE, f"client-{n % 7}")
        time.sleep(0.002)  # as between requests: limits' 10 ms timer keeps ending
    return len(started)


def test_no_thread_is_started_per_hit(monkeypatch):
    storage = limit_storage.SweptMemoryStorage()
    assert _timers_started_by(storage, 60, monkeypatch) == 0


def test_control_limits_own_memory_storage_starts_threads(monkeypatch):
    assert _timers_started_by(MemoryStorage(), 60, monkeypatch) > 1


def test_the_sweep_runs_beside_requests_dropping_the_same_keys(caplog):
    """limits' own sweep failed with a KeyError when a request dropped an expired key
    under it: raised inside a hit, Flask-Limiter would take it for an outage."""
    storage = limit_storage.SweptMemoryStorage()
    start = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    keys = [f"k{n}" for n in range(20_000)]
    with time_machine.travel(start, tick=False) as clock:
        for key in keys:
            storage.incr(key, 60)
        clock.move_to(start + dt.timedelta(minutes=2))
        done = threading.Event()

        def reader():
            while not done.is_set():
                for key in keys[::-1]:
                    storage.get(key)  # drops expired keys, as requests do

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            for _ in range(3):
                storage._next_sweep = 0.0
                assert storage.incr("hit", 60) >= 1  # sweeps first
        finally:
            done.set()
            thread.join()
    assert "sweeping expired rate-limit counters failed" not in caplog.text
    assert set(storage.storage) == {"hit"}


def test_a_failing_sweep_never_fails_a_hit(monkeypatch, caplog):
    storage = limit_storage.SweptMemoryStorage()

    def broken():
        raise RuntimeError("sweep broke")

    monkeypatch.setattr(storage, "_sweep", broken)
    assert FixedWindowRateLimiter(storage).hit(PER_MINUTE, "client")
    assert "sweeping expired rate-limit counters failed" in caplog.text
