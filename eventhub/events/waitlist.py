"""What people and organisers do with the waiting list and the approval step: accept a
seat offer, approve or decline pending registrations, reorder the list, promote by hand.

The order the list is served in, and when, is described in eventhub.events.seats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select, update

from eventhub.database import write_transaction
from eventhub.events.notifications import confirmation_row, state_row
from eventhub.events.seats import (
    claim_seats,
    event_for_mail,
    expire_offers,
    lock_event_of,
    next_rank,
    offer_deadline,
    queue_ahead,
    queue_seat_confirmed,
    serve_waiting_list,
    waiting_position,
)
from eventhub.events.seats import (
    locked_event as _locked_event,
)
from eventhub.extensions import db
from eventhub.models import Registration
from eventhub.models.base import utcnow
from eventhub.tokens import new_token


class OfferExpired(Exception):
    """The seat offer was accepted too late: it has gone to the next person."""


class NotOffered(Exception):
    """The registration holds no offer (never had one, or left the list)."""


def accept_offer(registration_id: int, token: str) -> Registration:
    """The person accepts the offered seat (it is theirs already, held): they are confirmed,
    with the usual confirmation and calendar invitation. Accepting twice confirms once;
    after the deadline the offer has gone to the next person (OfferExpired)."""
    refusal: Exception | None = None
    with write_transaction() as session:
        event_id = lock_event_of(registration_id)  # the event first: one lock order
        # An offer past its deadline ends here, even between the scheduled runs; that is
        # committed (the seat goes on to the next person) before the refusal is raised.
        expire_offers(event_id)
        accepted = session.execute(
            update(Registration)
            .where(Registration.id == registration_id, Registration.status == "offered")
            .values(status="confirmed", offer_expires_at=None, updated_at=utcnow())
            .returning(Registration.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        registration = session.get(Registration, registration_id, populate_existing=True)
        if accepted is None:
            if registration.status != "confirmed":  # else accepted before: nothing to do
                refusal = (
                    OfferExpired(registration_id)
                    if registration.status_reason == "offer_expired"
                    else NotOffered(registration_id)
                )
        else:
            queue_seat_confirmed(event_id, registration, token)
    if refusal is not None:
        raise refusal
    return registration


@dataclass
class Decisions:
    """What a bulk approval did: ids confirmed, offered their seat (events that confirm
    addresses), put on the waiting list, left pending (no seat and no waiting list), and
    skipped (no longer pending)."""

    confirmed: list[int] = field(default_factory=list)
    offered: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    still_pending: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def approve(event_id: int, registration_ids: list[int]) -> Decisions:
    """Approve pending registrations, in the order they arrived: each claims a seat under
    the same guard as a registration (a group together), and only then gets the
    confirmation and invitation; when the seats do not fit (or people wait for them
    already) it goes on the waiting list, or stays pending where the event has none.

    Where the event confirms addresses, an approved person's seat is offered, not
    confirmed: nobody has proved the address yet (a pending registration holds no seat
    and needs no click), so the seat is held until the offer's deadline and becomes
    theirs when they accept it by the link in the mail, as a waiting-list offer does."""
    decisions = Decisions()
    with write_transaction() as session:
        _locked_event(event_id)
        expire_offers(event_id)
        event = event_for_mail(event_id)
        # A group is approved as a whole: the others of a chosen person's group too.
        groups = select(Registration.group_uid).where(
            Registration.event_id == event_id,
            Registration.id.in_(registration_ids),
            Registration.group_uid.is_not(None),
        )
        rows = session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.id.in_(registration_ids)
                | (Registration.group_uid.in_(groups) & (Registration.status == "pending")),
            )
            .order_by(Registration.created_at, Registration.id)
            .execution_options(populate_existing=True)
        ).all()
        decisions.skipped = [r.id for r in rows if r.status != "pending"]
        decisions.skipped += sorted(set(registration_ids) - {r.id for r in rows})
        entries: dict[str, list[Registration]] = {}
        for registration in rows:
            if registration.status == "pending":
                entries.setdefault(registration.group_uid or registration.uid, []).append(
                    registration
                )
        for people in entries.values():
            mode = people[0].attendance
            seats = sum(1 for p in people if p.role != "speaker")
            if seats == 0 or (not queue_ahead(event, mode) and claim_seats(event_id, seats, mode)):
                status = "offered" if event.confirm_email else "confirmed"
            elif event.has_waitlist and event.pool_capacity(mode) is not None:
                status = "waiting"
            else:
                decisions.still_pending += [p.id for p in people]
                continue
            rank = next_rank(event_id, mode) if status == "waiting" else None
            tokens = {}
            deadline = offer_deadline(event, utcnow()) if status == "offered" else None
            for person in people:
                person.status = status
                person.waiting_rank = rank
                person.offer_expires_at = deadline
                tokens[person.id], person.resent_token_hash = new_token()
            session.flush()
            for person in people:
                token = tokens[person.id]
                if status == "confirmed":
                    row = confirmation_row(event, person, token)
                    row.registration_id = person.id
                    decisions.confirmed.append(person.id)
                elif status == "offered":
                    row = state_row(event, person, "approved", token=token)
                    decisions.offered.append(person.id)
                else:
                    position = waiting_position(person)
                    row = state_row(event, person, "waiting", token=token, position=position)
                    decisions.waiting.append(person.id)
                session.add(row)
    return decisions


def decline(
    event_id: int, registration_ids: list[int], *, note: str = "", notify: bool = True
) -> int:
    """Decline pending registrations (they hold no seat); each is told politely, with the
    organisers' optional note, unless `notify` is off. Returns how many were declined."""
    with write_transaction() as session:
        _locked_event(event_id)
        declined = session.scalars(
            update(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.id.in_(registration_ids),
                Registration.status == "pending",
            )
            .values(status="declined", status_reason="declined", updated_at=utcnow())
            .returning(Registration.id)
            .execution_options(synchronize_session=False)
        ).all()
        if notify and declined:
            event = event_for_mail(event_id)
            for registration in session.scalars(
                select(Registration)
                .where(Registration.id.in_(declined))
                .order_by(Registration.id)
                .execution_options(populate_existing=True)
            ):
                session.add(state_row(event, registration, "declined", note=note.strip()))
    return len(declined)


def waiting_list(event_id: int, mode: str | None = None) -> list[Registration]:
    """The waiting list in the order it is served (a group's people together)."""
    query = select(Registration).where(
        Registration.event_id == event_id, Registration.status == "waiting"
    )
    if mode is not None:
        query = query.where(Registration.attendance == mode)
    return list(
        db.session.scalars(
            query.order_by(Registration.attendance, Registration.waiting_rank, Registration.id)
        )
    )


def positions(people: list[Registration]) -> dict[int, int]:
    """Each waiting person's position in their pool's list (1 + the people ahead), from
    the list itself: no query per person."""
    result: dict[int, int] = {}
    ordered = sorted(people, key=lambda p: (p.attendance, p.waiting_rank, p.id))
    ahead: dict[str, int] = {}
    by_rank: dict[tuple[str, int], int] = {}
    for person in ordered:
        key = (person.attendance, person.waiting_rank)
        if key not in by_rank:
            by_rank[key] = ahead.get(person.attendance, 0) + 1
        result[person.id] = by_rank[key]
        ahead[person.attendance] = ahead.get(person.attendance, 0) + 1
    return result


def move(event_id: int, registration_id: int, position: int, *, notify: bool = True) -> int:
    """Put the person's entry (their whole group) at `position` (1 = head) of their pool's
    list; the others keep their order. The list is served afterwards (a new head may fit),
    and everyone whose position changed is told, unless `notify` is off. Returns the new
    position of the entry (clamped to the list)."""
    with write_transaction() as session:
        _locked_event(event_id)
        registration = session.get(Registration, registration_id, populate_existing=True)
        if (
            registration is None
            or registration.event_id != event_id
            or registration.status != "waiting"
        ):
            raise LookupError(registration_id)
        people = waiting_list(event_id, registration.attendance)
        before = positions(people)
        ranks = list(dict.fromkeys(p.waiting_rank for p in people))
        ranks.remove(registration.waiting_rank)
        index = min(max(position, 1), len(ranks) + 1) - 1
        ranks.insert(index, registration.waiting_rank)
        renumber = {old: new for new, old in enumerate(ranks, start=1)}
        for person in people:
            person.waiting_rank = renumber[person.waiting_rank]
        session.flush()
        served = {r.id for r in serve_waiting_list(event_id)}
        after = positions([p for p in people if p.id not in served])
        if notify:
            event = event_for_mail(event_id)
            for person in people:
                if person.id in after and after[person.id] != before[person.id]:
                    session.add(state_row(event, person, "position", position=after[person.id]))
        return index + 1


def place_for_position(people: list[Registration], registration_id: int, position: int) -> int:
    """The place `move` takes (entries count, a group is one) that puts the person's entry
    at `position` as people are told it (1 + the people ahead): the first place whose
    position is at least that. Without groups the two numbers are the same. `people`: the
    pool's list in serving order (waiting_list)."""
    mine = next(p.waiting_rank for p in people if p.id == registration_id)
    ahead, place = 0, 1
    others = [p for p in people if p.waiting_rank != mine]
    for _rank, entry in groupby(others, key=lambda p: p.waiting_rank):
        if ahead + 1 >= position:
            break
        ahead += len(list(entry))
        place += 1
    return place


def move_to_position(
    event_id: int, registration_id: int, position: int, *, notify: bool = True
) -> int:
    """`move`, with the target given as a position the way people are told it (see
    place_for_position). Returns the new place of the entry."""
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None or registration.event_id != event_id:
        raise LookupError(registration_id)
    if registration.status != "waiting":
        raise LookupError(registration_id)
    people = waiting_list(event_id, registration.attendance)
    place = place_for_position(people, registration_id, position)
    return move(event_id, registration_id, place, notify=notify)


def promote(event_id: int, registration_id: int) -> str:
    """An organiser promotes a waiting person by hand: their entry moves to the head of the
    list and the list is served. Returns "confirmed" or "offered" when that gave them a
    seat, "head" when no seat is free (they are next)."""
    move(event_id, registration_id, 1)  # those moved back a place are told
    status = db.session.scalar(
        select(Registration.status).where(Registration.id == registration_id)
    )
    return status if status in ("confirmed", "offered") else "head"
