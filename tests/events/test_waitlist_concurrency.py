"""Never over capacity, nobody skipped: the waiting list under concurrent cancellations,
capacity changes, approvals, offer acceptances and new registrations (real threads, on
SQLite and PostgreSQL), and a control that shows the race without the guard."""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events import registration as registration_module
from eventhub.events import seats as seats_module
from eventhub.events.records import event_to_dict, upsert_event
from eventhub.events.registration import (
    Attendee,
    GroupContact,
    cancel_registration,
    register,
    register_group,
)
from eventhub.events.schema import EventRecord
from eventhub.events.waitlist import OfferExpired, accept_offer, approve
from eventhub.extensions import db
from eventhub.models import ACTIVE_STATUSES, SEAT_STATUSES, Event, OutboxMessage, Registration
from tests.events.test_concurrency import PATIENT_POOL, build_event

pytestmark = pytest.mark.slow


def person(tag: str, **extra) -> Attendee:
    return Attendee("Person", tag, f"{tag}@example.org", **extra)


def event_id_of(slug: str) -> int:
    return db.session.scalar(select(Event.id).where(Event.slug == slug))


def change_event(event_id: int, **changes) -> None:
    with write_transaction() as session:
        record = {**event_to_dict(session.get(Event, event_id)), **changes}
        upsert_event(EventRecord.model_validate(record))


def together(app, jobs: list) -> list[Exception]:
    """Run each job in its own thread and app context, all released at once."""
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []
    lock = threading.Lock()

    def worker(job):
        with app.app_context():
            barrier.wait()
            try:
                job()
            except Exception as exc:
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return errors


def check_invariants(event_id: int) -> dict:
    """The rules that must hold whatever ran at once; returns the figures."""
    db.session.rollback()
    event = db.session.get(Event, event_id, populate_existing=True)
    holding = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event_id, Registration.status.in_(SEAT_STATUSES)
        )
    )
    doubles = db.session.scalar(
        select(func.count()).select_from(
            select(Registration.email_normalised)
            .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
            .group_by(Registration.email_normalised)
            .having(func.count() > 1)
            .subquery()
        )
    )
    assert holding == event.confirmed_count, "the counter lost track of the seats"
    assert holding <= event.capacity, "over capacity"
    assert doubles == 0, "someone both holds a seat and waits"
    return {"holding": holding, "capacity": event.capacity}


def served_in_order(event_id: int, order: list[int], leavers: set[int]) -> None:
    """Of the people on the list at the start (in their order), those who got a seat are
    the head of it: nobody behind was served while someone ahead still waits."""
    statuses = dict(
        db.session.execute(
            select(Registration.id, Registration.status).where(Registration.id.in_(order))
        ).all()
    )
    stayed = [statuses[i] for i in order if i not in leavers]
    served = [s in SEAT_STATUSES for s in stayed]
    assert served == sorted(served, reverse=True), f"someone was skipped: {stayed}"


def mails_per_person(ids: list[int], kind: str) -> Counter:
    return Counter(
        db.session.scalars(
            select(OutboxMessage.registration_id).where(
                OutboxMessage.registration_id.in_(ids), OutboxMessage.kind == kind
            )
        )
    )


def fill_and_queue(app, slug: str, capacity: int, waiting: int, **settings) -> tuple:
    """An event with every seat taken and `waiting` singles on the list (in order)."""
    build_event(app, slug, capacity)
    with app.app_context():
        event_id = event_id_of(slug)
        if settings:
            change_event(event_id, **settings)
        taken = [register(event_id, person(f"{slug}-c{n}"))[0].id for n in range(capacity)]
        queue = [
            register(event_id, person(f"{slug}-w{n}"), if_full="wait")[0].id for n in range(waiting)
        ]
    return event_id, taken, queue


def mixed_load(app, event_id: int, slug: str, taken: list[int], queue: list[int]) -> list:
    """Ten cancellations, a capacity raise by five, three people leaving the list, a group
    and twenty newcomers joining it: all at once."""
    jobs = [functools.partial(cancel_registration, id_) for id_ in taken[:10]]
    jobs.append(functools.partial(change_event, event_id, capacity=25))
    jobs += [functools.partial(cancel_registration, id_) for id_ in queue[1:6:2]]
    jobs += [
        functools.partial(register, event_id, person(f"{slug}-n{n}"), if_full="wait")
        for n in range(20)
    ]
    jobs.append(
        functools.partial(
            register_group,
            event_id,
            [person(f"{slug}-g{n}") for n in range(3)],
            contact=GroupContact("Chef", f"{slug}-chef@example.org"),
            if_full="wait",
        )
    )
    return together(app, jobs)


def test_mixed_load_keeps_capacity_and_order(app_factory):
    app = app_factory(**PATIENT_POOL)
    event_id, taken, queue = fill_and_queue(app, "gemischt", 20, 30)
    errors = mixed_load(app, event_id, "gemischt", taken, queue)
    assert errors == []
    with app.app_context():
        figures = check_invariants(event_id)
        # 15 seats came free (10 cancelled, 5 added) and people still wait: all are given.
        assert figures["holding"] == 25
        served_in_order(event_id, queue, leavers=set(queue[1:6:2]))
        # Newcomers queued behind the list: none of them holds a seat.
        newcomers = db.session.scalar(
            select(func.count()).where(
                Registration.event_id == event_id,
                Registration.email_normalised.like("gemischt-n%"),
                Registration.status.in_(SEAT_STATUSES),
            )
        )
        assert newcomers == 0
        # Every freed seat was given once: one confirmation per person promoted.
        assert set(mails_per_person(queue, "confirmation").values()) == {1}


def test_offers_accepted_twice_at_once_and_approvals_under_load(app_factory):
    app = app_factory(**PATIENT_POOL)
    event_id, taken, queue = fill_and_queue(app, "angebot", 10, 10, waitlist="offer", approval=True)
    with app.app_context():
        # The queue was filled by the service as "web" registrations: pending, not waiting.
        assert approve(event_id, taken).confirmed == taken
        decisions = approve(event_id, queue)
        assert decisions.waiting == queue
    # Five cancellations and five more approvals at once: five offers, the approved wait.
    with app.app_context():
        later = [register(event_id, person(f"angebot-p{n}"))[0].id for n in range(5)]
    jobs = [functools.partial(cancel_registration, id_) for id_ in taken[:5]]
    jobs += [functools.partial(approve, event_id, [id_]) for id_ in later]
    assert together(app, jobs) == []
    with app.app_context():
        check_invariants(event_id)
        offered = db.session.scalars(
            select(Registration).where(
                Registration.event_id == event_id, Registration.status == "offered"
            )
        ).all()
        assert sorted(r.id for r in offered) == queue[:5]
    # Each offer accepted twice at once (two tabs), while two more people cancel. (The
    # token is the one the page was opened with; it only goes into the confirmation.)
    jobs = [functools.partial(accept_offer, id_, "link-token") for id_ in queue[:5]] * 2
    jobs += [functools.partial(cancel_registration, id_) for id_ in taken[5:7]]
    errors = together(app, jobs)
    assert [e for e in errors if not isinstance(e, OfferExpired)] == []
    with app.app_context():
        check_invariants(event_id)
        assert dict(mails_per_person(queue[:5], "confirmation")) == {id_: 1 for id_ in queue[:5]}
        served_in_order(event_id, queue, leavers=set())
        assert {
            r.status
            for r in db.session.scalars(select(Registration).where(Registration.id.in_(queue[5:7])))
        } == {"offered"}


def remove_the_guard(monkeypatch) -> None:
    """What the waiting list would be without the guard: deferred transactions, no row
    lock, and check-then-write on seat counts read earlier (taking and freeing)."""

    def claim_unguarded(event_id: int, seats: int, mode: str) -> bool:
        event = db.session.get(Event, event_id)
        count = event.confirmed_count
        if event.capacity is not None and count + seats > event.capacity:
            return False
        time.sleep(0.01)  # the window between check and write a slow request has
        db.session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(confirmed_count=count + seats)
            .execution_options(synchronize_session=False)
        )
        return True

    def free_unguarded(freed, *, serve: bool = True) -> None:
        for event_id, seats in Counter(event_id for event_id, _mode in freed).items():
            count = db.session.scalar(select(Event.confirmed_count).where(Event.id == event_id))
            time.sleep(0.01)
            db.session.execute(
                update(Event)
                .where(Event.id == event_id)
                .values(confirmed_count=max(count - seats, 0))
                .execution_options(synchronize_session=False)
            )
            if serve:
                seats_module.serve_waiting_list(event_id)

    def no_lock(event_id: int):
        return db.session.get(Event, event_id)

    deferred = functools.partial(write_transaction, immediate=False)
    monkeypatch.setattr(registration_module, "write_transaction", deferred)
    for module in (registration_module, seats_module):
        monkeypatch.setattr(module, "claim_seats", claim_unguarded)
        monkeypatch.setattr(module, "free_seats", free_unguarded)
    monkeypatch.setattr(registration_module, "_locked_event", no_lock)
    monkeypatch.setattr(seats_module, "locked_event", no_lock)


def test_control_without_the_guard_the_same_load_breaks_the_rules(app_factory, monkeypatch):
    """Shows the tests above can fail: with the guard off, the same load ends with errors
    for the users, or over capacity, or a counter that lost track."""
    app = app_factory(**PATIENT_POOL)
    remove_the_guard(monkeypatch)
    broken = False
    for attempt in range(3):  # a race: on a busy machine one round may come out clean
        slug = f"ohne-schutz-{attempt}"
        event_id, taken, queue = fill_and_queue(app, slug, 20, 30)
        errors = mixed_load(app, event_id, slug, taken, queue)
        broken = bool(errors)
        if not broken:
            with app.app_context():
                try:
                    check_invariants(event_id)
                    assert check_invariants(event_id)["holding"] == 25
                except AssertionError:
                    broken = True
        if broken:
            break
    assert broken, "the race did not show: the control proves nothing"
