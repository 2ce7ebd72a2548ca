"""Capacity, uniqueness and seat counts hold under concurrency (real threads at once)."""

from __future__ import annotations

import functools
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events import registration
from eventhub.events.registration import (
    Attendee,
    RegistrationRefused,
    cancel_registration,
    register,
)
from eventhub.extensions import db
from eventhub.models import Event, Registration
from tests.conftest import run_together

pytestmark = pytest.mark.slow

SEATS = 170
ATTEMPTS = 300


def fire(app, register_by_form, slug: str, emails: list[str]) -> Counter:
    """POST one registration per email, all threads released at the same moment."""
    barrier = threading.Barrier(len(emails))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def attempt(email: str) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            response = register_by_form(
                slug,
                client=client,
                first_name="Test",
                last_name="Person",
                email=email,
                organisation=None,
                job_title=None,
            )
            body = response.get_data(as_text=True)
            if response.status_code == 409 and "ausgebucht" in body:
                outcome = "full"
            elif response.status_code == 409 and "nicht angemeldet werden" in body:
                outcome = "duplicate"
            else:
                outcome = response.status_code
        except Exception as exc:  # an unhandled error is a 500 for the user
            outcome = f"error: {type(exc).__name__}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=attempt, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def stored(app, slug: str) -> tuple[int, int]:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        rows = db.session.scalar(
            select(func.count()).where(
                Registration.event_id == event.id, Registration.status == "confirmed"
            )
        )
        return rows, event.confirmed_count


def build_event(app, slug: str, capacity: int) -> None:
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from tests.conftest import event_record

    with app.app_context():
        upsert_event(EventRecord.model_validate(event_record(slug=slug, capacity=capacity)))
        db.session.commit()


# 300 threads share the pool's 15 connections: on a loaded machine (a CI box running other
# jobs) a thread may wait longer than the default 30 s for one and answer 503. The rule
# under test is the seat count, not the pool's patience, so the threads may wait longer.
PATIENT_POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_timeout": 180}}


def test_capacity_is_never_exceeded(app_factory, register_by_form):
    app = app_factory(**PATIENT_POOL)
    build_event(app, "fachtagung", SEATS)
    outcomes = fire(
        app, register_by_form, "fachtagung", [f"person{i}@example.org" for i in range(ATTEMPTS)]
    )
    assert outcomes == Counter({303: SEATS, "full": ATTEMPTS - SEATS}), outcomes
    assert stored(app, "fachtagung") == (SEATS, SEATS)


def remove_the_guard(monkeypatch) -> None:
    """What registering would be without the guard: a deferred transaction, no row lock,
    and check-then-write on the seat count read earlier (Indico's race)."""

    def claim_seats_unguarded(event_id: int, seats: int, mode: str) -> bool:
        event = db.session.get(Event, event_id)  # as read earlier in the request
        if event.capacity is not None and event.confirmed_count + seats > event.capacity:
            return False
        db.session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(confirmed_count=event.confirmed_count + seats, updated_at=Event.updated_at)
            .execution_options(synchronize_session=False)
        )
        return True

    monkeypatch.setattr(
        registration, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(
        registration,
        "_locked_event",
        lambda event_id: db.session.get(Event, event_id, populate_existing=True),
    )
    monkeypatch.setattr(registration, "_for_update", lambda query: query)
    # The locked read's statements are built once: build them anew without the lock.
    monkeypatch.setattr(
        registration, "_lock_statements", functools.cache(registration._lock_statements.__wrapped__)
    )
    monkeypatch.setattr(registration, "claim_seats", claim_seats_unguarded)


def test_control_without_the_guard_the_same_load_breaks_the_rule(
    app_factory, register_by_form, monkeypatch
):
    """Shows the test above can fail: with the guard off, capacity is not kept."""
    app = app_factory(**PATIENT_POOL)
    remove_the_guard(monkeypatch)
    build_event(app, "fachtagung", SEATS)
    outcomes = fire(
        app, register_by_form, "fachtagung", [f"person{i}@example.org" for i in range(ATTEMPTS)]
    )
    rows, counter = stored(app, "fachtagung")
    kept = outcomes == Counter({303: SEATS, "full": ATTEMPTS - SEATS}) and rows == SEATS
    assert not kept, f"the race did not show: {outcomes}, {rows} rows"
    # What goes wrong: overbooking, a counter that lost updates, or lost writes ("locked").
    assert (
        rows > SEATS or rows != counter or any(str(k).startswith(("error", "5")) for k in outcomes)
    )


def test_concurrent_double_submits_register_once(app_factory, register_by_form):
    # Each refused double submit mails the person a reminder; the inbox limit (a rule of
    # its own, tested in test_registration.py) must not cut in here.
    app = app_factory(MAILS_PER_MAILBOX_PER_HOUR=100)
    build_event(app, "workshop", 50)
    emails = ["Same.Person@example.org", "same.person@example.org ", "SAME.PERSON@EXAMPLE.ORG"] * 10
    outcomes = fire(app, register_by_form, "workshop", emails)
    assert outcomes == Counter({303: 1, "duplicate": len(emails) - 1}), outcomes
    assert stored(app, "workshop") == (1, 1)


def test_concurrent_cancels_free_one_seat(app_factory):
    """Two cancels of one registration at once used to decrement the counter twice."""
    app = app_factory()
    build_event(app, "zwei-plaetze", 2)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "zwei-plaetze"))
        first, _ = register(event.id, Attendee("A", "A", "a@example.org"))
        register(event.id, Attendee("B", "B", "b@example.org"))
        registration_id, event_id = first.id, event.id
    assert run_together(app, lambda: cancel_registration(registration_id), 8) == []
    with app.app_context():
        assert db.session.scalar(select(Event.confirmed_count)) == 1
        register(event_id, Attendee("C", "C", "c@example.org"))
        with pytest.raises(RegistrationRefused):
            register(event_id, Attendee("D", "D", "d@example.org"))
