"""A newcomer who waited for the event's lock does not skip a group that joined the waiting
list while it waited (PostgreSQL, READ COMMITTED), and a control that shows the skip when
the locked read asks the waiting list in the same statement as the lock.

Deterministic: the group's registration is paused inside its transaction (lock held, rows
inserted, not committed) until the newcomer is seen waiting for the lock in
pg_stat_activity; then the group commits and the newcomer goes on.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from eventhub.events import registration as registration_module
from eventhub.events.registration import (
    GroupContact,
    RegistrationRefused,
    register,
    register_group,
)
from eventhub.extensions import db
from eventhub.models import SEAT_STATUSES, Event, Registration
from eventhub.models.base import utcnow
from tests.events.test_concurrency import build_event
from tests.events.test_waitlist_concurrency import event_id_of, person

pytestmark = pytest.mark.slow

CAPACITY = 10
TAKEN = 8  # two seats free: the group of three does not fit and queues
PATIENCE = 60  # seconds a step may take before the test gives up (not a timed assertion)


@pytest.fixture
def pg_app(app_factory, backend):
    if backend == "sqlite":
        pytest.skip(
            "SQLite: a writer holds the database lock for its whole transaction, so no "
            "statement waits for a row lock halfway through a registration"
        )
    return app_factory()


def event_with_two_seats_free(app, slug: str) -> int:
    """Capacity 10, 8 taken, a waiting list where nobody skips its head (the default)."""
    build_event(app, slug, CAPACITY)
    with app.app_context():
        event_id = event_id_of(slug)
        event = db.session.get(Event, event_id)
        assert event.has_waitlist and not event.waitlist_fill
        for n in range(TAKEN):
            register(event_id, person(f"{slug}-c{n}"))
    return event_id


def pause_the_group_under_the_lock(monkeypatch, slug: str):
    """Make the group's registration stop after its INSERTs, before its COMMIT (the event
    row still locked); returns (holding, go): set when it stops, set to let it commit."""
    holding, go = threading.Event(), threading.Event()
    record_consents = registration_module._record_consents

    def record_and_pause(session, event_id, people, attendees, *, group):
        record_consents(session, event_id, people, attendees, group=group)
        if attendees[0].email.startswith(f"{slug}-g"):
            holding.set()
            go.wait(PATIENCE)

    monkeypatch.setattr(registration_module, "_record_consents", record_and_pause)
    return holding, go


def wait_until_someone_waits_for_a_lock(app) -> bool:
    """Poll pg_stat_activity (autocommit: its figures are a snapshot per transaction)."""
    deadline = time.monotonic() + PATIENCE
    with app.app_context():
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                waiting = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock'"
                    )
                )
                if waiting:
                    return True
                time.sleep(0.01)
    return False


def group_then_newcomer(app, monkeypatch, slug: str, if_full: str) -> dict:
    """The group of three registers (if_full="wait") and pauses holding the event's lock;
    the newcomer registers alone and waits for that lock; then the group commits. Returns
    the newcomer's outcome and the event's figures."""
    event_id = event_with_two_seats_free(app, slug)
    holding, go = pause_the_group_under_the_lock(monkeypatch, slug)
    outcome: dict = {}

    def group():
        with app.app_context():
            people = [person(f"{slug}-g{n}") for n in range(3)]
            contact = GroupContact("Chef", f"{slug}-chef@example.org")
            entries = register_group(event_id, people, contact=contact, if_full="wait")
            outcome["group"] = [r.status for r, _token in entries]

    def newcomer():
        with app.app_context():
            try:
                registration, _token = register(event_id, person(f"{slug}-n"), if_full=if_full)
                outcome["newcomer"] = registration.status
            except RegistrationRefused as exc:
                outcome["newcomer"] = f"refused: {exc.reason}"

    threads = [threading.Thread(target=group)]
    try:
        threads[0].start()
        assert holding.wait(PATIENCE), "the group never reached its pause"
        threads.append(threading.Thread(target=newcomer))
        threads[1].start()
        assert wait_until_someone_waits_for_a_lock(app), "the newcomer never waited for the lock"
        assert "newcomer" not in outcome
    finally:
        go.set()
        for thread in threads:
            thread.join(PATIENCE)
    assert outcome["group"] == ["waiting"] * 3
    with app.app_context():
        event = db.session.get(Event, event_id)
        ranks = dict(
            db.session.execute(
                select(Registration.email_normalised, Registration.waiting_rank).where(
                    Registration.event_id == event_id, Registration.status == "waiting"
                )
            ).all()
        )
        holding_seats = db.session.scalar(
            select(func.count()).where(
                Registration.event_id == event_id, Registration.status.in_(SEAT_STATUSES)
            )
        )
        assert holding_seats == event.confirmed_count
    return {
        "newcomer": outcome["newcomer"],
        "confirmed_count": event.confirmed_count,
        "group_rank": ranks[f"{slug}-g0@example.org"],
        "newcomer_rank": ranks.get(f"{slug}-n@example.org"),
    }


def test_newcomer_refused_behind_a_group_that_queued_while_it_waited(pg_app, monkeypatch):
    figures = group_then_newcomer(pg_app, monkeypatch, "vor-dem-schloss", "refuse")
    assert figures["newcomer"] == "refused: full"
    assert figures["confirmed_count"] == TAKEN  # the two free seats stay free for the group


def test_newcomer_queues_behind_a_group_that_queued_while_it_waited(pg_app, monkeypatch):
    figures = group_then_newcomer(pg_app, monkeypatch, "hinter-der-gruppe", "wait")
    assert figures["newcomer"] == "waiting"
    assert figures["newcomer_rank"] > figures["group_rank"]
    assert figures["confirmed_count"] == TAKEN


def ask_in_the_locking_statement(event_id: int, mode: str, keys: list[str]):
    """_lock_for_registration as SQLite runs it, on PostgreSQL too: the EXISTS in the
    statement that takes the row lock (so they see the tables as before it waited)."""
    together, _lock, _checks = registration_module._lock_statements()
    params = {"event_id": event_id, "mode": mode, "keys": keys, "now": utcnow()}
    event, expired, waits, taken = db.session.execute(together, params).one()
    return event, bool(expired), bool(waits), bool(taken)


@pytest.mark.parametrize("if_full", ["refuse", "wait"])
def test_control_asking_in_the_locking_statement_lets_the_newcomer_skip(
    pg_app, monkeypatch, if_full
):
    """Shows the tests above can fail: with one statement, the newcomer takes one of the
    two seats the group at the head of the list is waiting for."""
    monkeypatch.setattr(registration_module, "_lock_for_registration", ask_in_the_locking_statement)
    figures = group_then_newcomer(pg_app, monkeypatch, f"ueberholt-{if_full}", if_full)
    assert figures["newcomer"] == "confirmed"
    assert figures["newcomer_rank"] is None
    assert figures["confirmed_count"] == TAKEN + 1
