"""Seat pools and the waiting list: claiming and freeing seats, serving the list.

Every function here runs inside the caller's write_transaction() (BEGIN IMMEDIATE on
SQLite, the event's row lock on PostgreSQL), so the counters and the list move together.

An event has one seat pool on site (`capacity`, `confirmed_count`) and, when hybrid, one
online (`online_capacity`, `online_confirmed_count`). A pool's counter holds every
registration that holds a seat in it: confirmed, unverified (held until the address is
confirmed) and offered (held for a person from the waiting list until they accept).

The waiting list of a pool is served in this order, and only this order:

1. Entries by `waiting_rank` (the order they joined, unless organisers moved someone);
   the people of one group registration share a rank and are one entry.
2. The head entry gets seats when all its people fit. When it does not fit it waits, and
   nobody behind it is served (nobody skips a group) -- unless the event says
   `waitlist_fill` ("fill seats with whoever fits"): then the next entries that fit are
   served, in order, and the group stays at the head.
3. "auto": the people served are confirmed at once (confirmation with the calendar
   invitation). "offer", and every event that asks people to confirm their address: they
   are offered the seat, held for them until `offer_expires_at` (see offer_deadline); on
   expiry the seat goes to the next entry.

The list is served whenever a seat may have become free: a cancellation (by the person,
an organiser, an expired hold or offer), a capacity raise, a changed order, a waiting list
switched on. It is not served once the event has started, was cancelled or is a draft.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import cache
from itertools import groupby

from sqlalchemy import Integer, bindparam, case, func, or_, select, update

from eventhub.events.notifications import confirmation_row, new_registrations_row, state_row
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.base import utcnow
from eventhub.querying import event_load_options
from eventhub.tokens import new_token

# Registration states in which the list is not served.
_NOT_SERVED = ("cancelled", "draft", "running", "past")
# An offer never runs shorter than this, however close the event is.
MIN_OFFER = dt.timedelta(minutes=30)


def locked_event(event_id: int) -> Event | None:
    """The event, re-read under its row lock: that orders us after any concurrent change
    of it (PostgreSQL; SQLite already holds the database lock), so counters, status and
    SEQUENCE are current. Every path that changes seats or the list takes it first."""
    return db.session.get(Event, event_id, populate_existing=True, with_for_update=True)


def lock_event_of(registration_id: int) -> int:
    """The registration's event id, with that event locked first (the one lock order);
    LookupError when there is no such registration."""
    event_id = db.session.scalar(
        select(Registration.event_id).where(Registration.id == registration_id)
    )
    if event_id is None:
        raise LookupError(registration_id)
    locked_event(event_id)
    return event_id


class RegistrationAnonymised(Exception):
    """The registration has been anonymised (retention or erasure): nothing may write a
    person's data, answers or profile into it again."""


def writable_registration(registration_id: int) -> Registration:
    """The registration, re-read with its event locked first (the one lock order, so an
    erasure or purge of the event either committed before or waits for us); every
    change of a person's fields, answers or profile goes through here. Raises
    LookupError when there is none and RegistrationAnonymised once its person is gone.
    Call inside write_transaction()."""
    lock_event_of(registration_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None:
        raise LookupError(registration_id)
    if registration.anonymised_at is not None:
        raise RegistrationAnonymised(registration_id)
    return registration


def event_for_mail(event_id: int) -> Event:
    """The event with what its mails need (hosts), re-read: counters may have moved by
    Core UPDATEs earlier in the transaction."""
    return db.session.scalar(
        select(Event)
        .options(*event_load_options(agenda=False))
        .where(Event.id == event_id)
        .execution_options(populate_existing=True)
    )


def queue_seat_confirmed(event_id: int, registration: Registration, token: str) -> None:
    """A held seat became the person's (address confirmed, offer accepted): the usual
    confirmation with invitation, and the organisers' notice where they want each one.
    The counter already holds the seat."""
    event = event_for_mail(event_id)
    row = confirmation_row(event, registration, token)
    row.registration_id = registration.id
    db.session.add(row)
    if event.notify_mode == "each" and event.contact_email:
        left = event.pool_seats_left(registration.attendance)
        db.session.add(new_registrations_row(event, [registration], seats_left=left))


def pool_columns(mode: str):
    """The counter and the capacity column of a seat pool."""
    if mode == "online":
        return Event.online_confirmed_count, Event.online_capacity
    return Event.confirmed_count, Event.capacity


def claim_seats(event_id: int, seats: int, mode: str) -> bool:
    """Take seats in the pool with one conditional UPDATE: never past capacity, whatever
    runs at once. False when they do not fit."""
    result = db.session.execute(_claim_statement(mode), {"claim_event": event_id, "claim": seats})
    return result.rowcount == 1


@cache
def _claim_statement(mode: str):
    """claim_seats' UPDATE, built once per pool (building it took longer than running it,
    inside the write lock)."""
    count, capacity = pool_columns(mode)
    seats = bindparam("claim", type_=Integer)
    return (
        update(Event)
        .where(
            Event.id == bindparam("claim_event"), or_(capacity.is_(None), count + seats <= capacity)
        )
        # updated_at stays: a registration is no change to the event's calendar data.
        .values({count: count + seats, Event.updated_at: Event.updated_at})
        .execution_options(synchronize_session=False)
    )


def free_seats(freed: list[tuple[int, str]], *, serve: bool = True) -> None:
    """Give back one seat per entry ((event id, pool) per registration that let go of its
    seat), never below zero; then serve the waiting lists of those events."""
    for (event_id, mode), seats in Counter(freed).items():
        count, _capacity = pool_columns(mode)
        db.session.execute(
            update(Event)
            .where(Event.id == event_id, count > 0)
            .values(
                {
                    count: case((count > seats, count - seats), else_=0),
                    Event.updated_at: Event.updated_at,
                }
            )
            .execution_options(synchronize_session=False)
        )
    if serve:
        for event_id in dict.fromkeys(event_id for event_id, _mode in freed):
            serve_waiting_list(event_id)


def queue_ahead(event: Event, mode: str) -> bool:
    """Whether a new registration must queue behind the waiting list even with seats free:
    someone waits in that pool (after serving, that is an entry that does not fit) and the
    event does not let others fill the seats."""
    # Also with the list closed ("off"): the people on it keep their place.
    if event.waitlist_fill or event.pool_capacity(mode) is None:
        return False  # nobody waits for an unlimited pool
    return (
        db.session.scalar(
            select(Registration.id)
            .where(
                Registration.event_id == event.id,
                Registration.attendance == mode,
                Registration.status == "waiting",
            )
            .limit(1)
        )
        is not None
    )


def next_rank(event_id: int, mode: str) -> int:
    """The rank of a new entry: behind everyone in the pool's list."""
    last = db.session.scalar(
        select(func.max(Registration.waiting_rank)).where(
            Registration.event_id == event_id,
            Registration.attendance == mode,
            Registration.status == "waiting",
        )
    )
    return (last or 0) + 1


def waiting_position(registration: Registration) -> int | None:
    """1 + the people ahead of this person in their pool's list; None when not waiting."""
    if registration.status != "waiting" or registration.waiting_rank is None:
        return None
    ahead = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.attendance == registration.attendance,
            Registration.status == "waiting",
            Registration.waiting_rank < registration.waiting_rank,
        )
    )
    return ahead + 1


def offer_deadline(event: Event, now: dt.datetime) -> dt.datetime:
    """Until when an offered seat waits: `offer_hours`, but at most half the time left
    before the event starts (an offer two days ahead runs 24 hours, one six hours ahead
    three hours), and never less than MIN_OFFER."""
    left = event.starts_at - now
    return now + max(min(dt.timedelta(hours=event.offer_hours), left / 2), MIN_OFFER)


def uses_offers(event: Event) -> bool:
    """Offers rather than automatic confirmation: the event says so, or it asks people to
    confirm their address (accepting the offer by the link in the mail proves it)."""
    return event.waitlist == "offer" or event.confirm_email


def serve_waiting_list(event_id: int) -> list[Registration]:
    """Give free seats to the waiting list in the documented order (module docstring);
    returns the registrations served, each with its mail in the outbox."""
    event = locked_event(event_id)
    # A list switched "off" takes nobody new, but the people on it are still served.
    if event is None or event.registration_state in _NOT_SERVED:
        return []
    chosen: list[int] = []
    for mode in event.attendance_modes:
        chosen += _choose(event, mode)
    if not chosen:
        return []
    return _promote(event_id, chosen)


def _choose(event: Event, mode: str) -> list[int]:
    """The ids to serve in one pool, their seats claimed."""
    left = event.pool_seats_left(mode)
    if left == 0:
        return []
    rows = db.session.execute(
        select(Registration.id, Registration.waiting_rank)
        .where(
            Registration.event_id == event.id,
            Registration.attendance == mode,
            Registration.status == "waiting",
        )
        .order_by(Registration.waiting_rank, Registration.id)
    ).all()
    chosen: list[int] = []
    for _rank, entry in groupby(rows, key=lambda row: row.waiting_rank):
        ids = [row.id for row in entry]
        if left is None or len(ids) <= left:
            chosen += ids
            if left is not None:
                left -= len(ids)
                if left == 0:
                    break
        elif not event.waitlist_fill:
            break  # the head waits, and nobody skips it
    if chosen and not claim_seats(event.id, len(chosen), mode):
        # Under the event's lock the counter cannot have moved since it was read.
        raise RuntimeError("seat counter changed under the lock")
    return chosen


def _promote(event_id: int, ids: list[int]) -> list[Registration]:
    """Confirm or offer the chosen people, each with a fresh private link in their mail
    (the raw token of the first one is not stored; the link mailed before keeps working)."""
    event = event_for_mail(event_id)
    now = utcnow()
    offer = uses_offers(event)
    values = (
        {"status": "offered", "offer_expires_at": offer_deadline(event, now)}
        if offer
        else {"status": "confirmed"}
    )
    db.session.execute(
        update(Registration)
        .where(Registration.id.in_(ids), Registration.status == "waiting")
        .values(waiting_rank=None, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    promoted = db.session.scalars(
        select(Registration)
        .where(Registration.id.in_(ids))
        .order_by(Registration.id)
        .execution_options(populate_existing=True)
    ).all()
    for registration in promoted:
        token, token_hash = new_token()
        registration.resent_token_hash = token_hash
        if offer:
            db.session.add(state_row(event, registration, "offered", token=token))
        else:
            row = confirmation_row(event, registration, token)
            row.registration_id = registration.id
            db.session.add(row)
    return list(promoted)


def expire_offers(event_id: int | None) -> int:
    """Offers not accepted in time end (cancelled, reason offer_expired, with a mail), their
    seats go to the next on the list; returns how many expired."""
    condition = [Registration.status == "offered", Registration.offer_expires_at <= utcnow()]
    if event_id is not None:
        condition.append(Registration.event_id == event_id)
    now = utcnow()
    expired = db.session.execute(
        update(Registration)
        .where(*condition)
        .values(
            status="cancelled",
            status_reason="offer_expired",
            cancelled_at=now,
            offer_expires_at=None,
            updated_at=now,
        )
        .returning(Registration.id, Registration.event_id, Registration.attendance)
        .execution_options(synchronize_session=False)
    ).all()
    if not expired:
        return 0
    for registration in db.session.scalars(
        select(Registration)
        .where(Registration.id.in_([row.id for row in expired]))
        .order_by(Registration.id)
    ):
        db.session.add(state_row(registration.event, registration, "offer_expired"))
    free_seats([(row.event_id, row.attendance) for row in expired])
    return len(expired)
