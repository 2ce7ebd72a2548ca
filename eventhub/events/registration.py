"""Registration rules: capacity, one seat per person, groups, changes and cancellation."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from eventhub.database import write_transaction
from eventhub.events.notifications import (
    confirm_address_row,
    confirmation_row,
    group_summary_row,
    new_registrations_row,
    queue_already_registered,
    queue_cancellation,
    queue_my_links,
)
from eventhub.events.signals import registrations_cancelled
from eventhub.extensions import db
from eventhub.mail.outbox import mailboxes_over_limit
from eventhub.models import (
    ACTIVE_STATUSES,
    HOLD_MINUTES,
    PERSON_FIELDS,
    SEAT_STATUSES,
    Answer,
    Event,
    Registration,
    normalise_email,
)
from eventhub.models.base import utcnow
from eventhub.models.event import new_uid
from eventhub.querying import event_load_options
from eventhub.tokens import lookup_hash, new_token


class RegistrationRefused(Exception):
    """The registration was not accepted; `reason` is one of REFUSAL_REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REFUSAL_REASONS = (
    "full",
    "closed",
    "cancelled",
    "running",
    "past",
    "draft",
    "duplicate",
    "repeated",
    "mail_limit",
)


@dataclass(frozen=True)
class Attendee:
    first_name: str
    last_name: str
    email: str
    organisation: str = ""
    job_title: str = ""
    organisation_type: str = ""
    show_in_directory: bool = False
    language: str = "de"
    source: str = "web"
    # "speaker": added by the organisers as a meeting partner; takes no seat.
    role: str = "participant"
    # Answers to the event's questions, already validated: {question id: value}.
    answers: dict[int, object] = field(default_factory=dict)


def register(
    event_id: int, attendee: Attendee, *, allow_closed: bool = False
) -> tuple[Registration, str]:
    """Take a seat for the attendee or raise RegistrationRefused.

    Returns the registration and the raw manage-link token (only ever shown once).
    `allow_closed` lets organisers add people after the registration deadline
    (phone sign-ups); capacity still holds.
    """
    [(registration, token)] = register_group(event_id, [attendee], allow_closed=allow_closed)
    return registration, token


@dataclass(frozen=True)
class GroupContact:
    """Who registered a group (an employer's contact person) and gets the summary."""

    name: str
    email: str
    organisation: str = ""
    language: str = "de"


class GroupRefused(RegistrationRefused):
    """A group registration was refused; `email` names the attendee it is about, if any."""

    def __init__(self, reason: str, email: str = ""):
        super().__init__(reason)
        self.email = email


def register_group(
    event_id: int,
    attendees: list[Attendee],
    *,
    allow_closed: bool = False,
    contact: GroupContact | None = None,
) -> list[tuple[Registration, str]]:
    """Register everyone or no one.

    The seats are claimed by one conditional UPDATE of the event's confirmed_count
    (confirmed_count + n <= capacity) inside a writing transaction (BEGIN IMMEDIATE on
    SQLite, the row lock on PostgreSQL), so no interleaving of requests can pass
    capacity. The unique partial index on (event, email) settles concurrent double
    submits. Each attendee's confirmation, and the contact's summary, is written in
    the same transaction.
    """
    keys = [normalise_email(a.email) for a in attendees]
    for index, key in enumerate(keys):
        if key in keys[:index]:  # the sender's own list: naming the address tells nothing
            raise GroupRefused("duplicate", attendees[index].email)
    event = db.session.scalar(
        select(Event).options(*event_load_options(agenda=False)).where(Event.id == event_id)
    )
    if event is None:
        raise RegistrationRefused("draft")
    people = [
        _new_registration(event, a, key, unverified=event.confirm_email and a.source == "web")
        for a, key in zip(attendees, keys, strict=True)
    ]
    # An early answer; where seats may be held by holds that ran out, "full" is decided
    # under the lock, after releasing them.
    # Speakers take no seat: a full event still takes them.
    seats = sum(1 for a in attendees if a.role != "speaker")
    _check_state(event, allow_closed, allow_full=event.confirm_email or not seats, seats=seats)
    _check_abuse(
        event_id, keys, [a.email for a in attendees] + ([contact.email] if contact else [])
    )
    # Composing confirmations (templates, QR code, iCal) takes tens of milliseconds each:
    # do it before taking the write lock, which then only covers the checks and inserts.
    mails = _compose(event, people, contact)
    composed_for = event.sequence
    try:
        with write_transaction() as session:
            if event.confirm_email:  # seats nobody confirmed in time are free again
                _release_expired_holds(event_id)
            event = _locked_event(event_id)
            _check_state(event, allow_closed, allow_full=True, seats=seats)
            taken = set(
                session.scalars(
                    select(Registration.email_normalised).where(
                        Registration.event_id == event_id,
                        Registration.email_normalised.in_(keys),
                        Registration.status.in_(ACTIVE_STATUSES),
                    )
                )
            )
            if taken:
                raise _AlreadyRegistered(taken)
            if seats:
                _claim_seats(event, seats)
            # The counter as this claim left it (the UPDATE does not refresh `event`).
            seats_left = (
                None
                if event.capacity is None
                else max(event.capacity - event.confirmed_count - seats, 0)
            )
            session.add_all(p.registration for p in people)
            session.flush()
            answers = [
                {"registration_id": p.registration.id, "question_id": q, "value": value}
                for p, a in zip(people, attendees, strict=True)
                for q, value in a.answers.items()
            ]
            if answers:  # one executemany, not an INSERT ... RETURNING per answer
                session.execute(insert(Answer), answers)
            if event.sequence != composed_for:  # the event changed meanwhile: compose anew
                mails = _compose(event, people, contact)
            for person, row in zip(people, mails, strict=False):
                row.registration_id = person.registration.id
            session.add_all(mails)
            # The organisers' notice reports the seats left after these registrations, so
            # it is composed here, once they are claimed (cheap: no QR code, no iCal).
            confirmed = [p.registration for p in people if p.registration.status == "confirmed"]
            if confirmed and event.notify_mode == "each" and event.contact_email:
                session.add(new_registrations_row(event, confirmed, seats_left=seats_left))
    except _AlreadyRegistered as exc:
        # Not named in the answer (that would tell anyone who is registered); the people
        # themselves are told by mail, which is what they need if it was them.
        if any(a.source == "web" for a in attendees):
            _remind_registered(event_id, exc.keys)
        raise GroupRefused("duplicate") from None
    except IntegrityError as exc:
        raise RegistrationRefused("duplicate") from exc
    return [(p.registration, p.token) for p in people]


class _AlreadyRegistered(Exception):
    def __init__(self, keys: set[str]):
        super().__init__("already registered")
        self.keys = keys


def _check_abuse(event_id: int, keys: list[str], mail_to: list[str]) -> None:
    """Limits per person rather than per request: an address registered (and cancelled)
    too often for this event today, or an inbox that visitors made us mail too often."""
    most = db.session.scalar(
        select(func.count())
        .where(
            Registration.event_id == event_id,
            Registration.email_normalised.in_(keys),
            Registration.created_at > utcnow() - dt.timedelta(days=1),
        )
        .group_by(Registration.email_normalised)
        .order_by(func.count().desc())
        .limit(1)
    )
    if (most or 0) >= current_app.config["REGISTRATIONS_PER_ADDRESS_PER_DAY"]:
        raise RegistrationRefused("repeated")
    if mailboxes_over_limit(mail_to):
        raise RegistrationRefused("mail_limit")


def _remind_registered(event_id: int, keys: set[str]) -> None:
    """Tell people who are registered already that someone tried to register them again."""
    with write_transaction() as session:
        event = session.get(Event, event_id)
        registered = session.scalars(
            select(Registration).where(
                Registration.event_id == event_id,
                Registration.email_normalised.in_(keys),
                Registration.status == "confirmed",
            )
        ).all()
        over_limit = set(mailboxes_over_limit([r.email for r in registered]))
        for registration in registered:
            if registration.email not in over_limit:
                queue_already_registered(event, registration)


@dataclass
class _Pending:
    registration: Registration
    token: str


def _new_registration(
    event: Event, attendee: Attendee, email_key: str, *, unverified: bool
) -> _Pending:
    token, token_hash = new_token()
    registration = Registration(
        uid=new_uid(),
        event_id=event.id,
        status="unverified" if unverified else "confirmed",
        hold_until=utcnow() + dt.timedelta(minutes=HOLD_MINUTES) if unverified else None,
        first_name=attendee.first_name,
        last_name=attendee.last_name,
        email=attendee.email.strip(),
        email_normalised=email_key,
        organisation=attendee.organisation,
        job_title=attendee.job_title,
        organisation_type=attendee.organisation_type,
        show_in_directory=attendee.show_in_directory,
        language=attendee.language,
        source=attendee.source,
        role=attendee.role,
        token_hash=token_hash,
        sequence=0,
    )
    if attendee.role == "speaker":
        # A meeting partner for everyone: listed for every confirmed participant.
        registration.directory_visibility = "registered"
    refresh_registration_search_text(registration)
    return _Pending(registration, token)


def _compose(event: Event, people: list[_Pending], contact: GroupContact | None) -> list:
    """Each person's mail (first, in order), then the contact's summary. The notice to
    the organisers is written after the seats are claimed (see register_group)."""
    mails = [
        confirm_address_row(event, p.registration, p.token)
        if p.registration.status == "unverified"
        else confirmation_row(event, p.registration, p.token)
        for p in people
    ]
    registrations = [p.registration for p in people]
    if contact is not None:
        mails.append(group_summary_row(event, registrations, contact))
    return mails


def _check_state(event: Event, allow_closed: bool, *, allow_full: bool, seats: int = 1) -> None:
    state = event.registration_state
    if allow_closed and state == "closed":
        state = "open"
    if state == "open" and event.seats_left is not None and event.seats_left < seats:
        state = "full"
    if state == "open" or (state == "full" and allow_full):
        return
    raise RegistrationRefused(state)


def refresh_registration_search_text(registration: Registration) -> None:
    registration.search_text = " ".join(
        (
            registration.first_name,
            registration.last_name,
            registration.email_normalised,
            registration.organisation,
        )
    ).casefold()


def _locked_event(event_id: int) -> Event:
    """The event, re-read under its row lock: that orders us after any concurrent change
    of it (PostgreSQL; SQLite already holds the database lock), so status and SEQUENCE
    are current."""
    return db.session.get(Event, event_id, populate_existing=True, with_for_update=True)


def _claim_seats(event: Event, seats: int) -> None:
    """Take seats with one conditional UPDATE: never past capacity, whatever runs at once."""
    result = db.session.execute(
        update(Event)
        .where(
            Event.id == event.id,
            or_(Event.capacity.is_(None), Event.confirmed_count + seats <= Event.capacity),
        )
        # updated_at stays: a registration is no change to the event's calendar data.
        .values(confirmed_count=Event.confirmed_count + seats, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise RegistrationRefused("full")


def registration_by_token(token: str) -> Registration | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(
        select(Registration).where(
            or_(Registration.token_hash == token_hash, Registration.resent_token_hash == token_hash)
        )
    )


def registration_by_uid(event_id: int, uid: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.uid == uid)
    )


def registrations_by_uids(event_id: int, uids: list[str]) -> list[Registration]:
    """The event's registrations with these public ids, in the order given."""
    found = db.session.scalars(
        select(Registration).where(Registration.event_id == event_id, Registration.uid.in_(uids))
    ).all()
    order = {uid: n for n, uid in enumerate(uids)}
    return sorted(found, key=lambda r: order[r.uid])


def cancel_registration(registration_id: int) -> Registration:
    """Cancel a confirmed registration and free its seat (idempotent)."""
    with write_transaction() as session:
        cancelled = _cancel_confirmed([registration_id])
        registration = session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise LookupError(registration_id)
        # Not past the mail limit: register-and-cancel loops must not flood an inbox.
        if cancelled and not mailboxes_over_limit([registration.email]):
            queue_cancellation(registration.event, registration)
    return registration


def renew_manage_link(registration_id: int) -> str:
    """Revoke the private link and mail a new one; returns the new raw token."""
    token, token_hash = new_token()
    with write_transaction() as session:
        registration = session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise LookupError(registration_id)
        if registration.status != "confirmed":
            raise RegistrationRefused("cancelled")
        registration.token_hash = token_hash
        registration.resent_token_hash = None  # a revoked link is revoked in every copy
        session.flush()
        row = confirmation_row(registration.event, registration, token)
        row.registration_id = registration.id
        session.add(row)
    return token


def send_my_links(email: str, language: str) -> None:
    """Mail the address a private link to each of its active registrations of events that
    have not ended; nothing if it has none, or if its inbox got enough mail this hour.

    The raw tokens are not stored, so the links are new: each registration gets a fresh
    second token (resent_token_hash) and the link in its confirmation keeps working. A
    stranger who asks for someone's links can neither read them nor break theirs; a
    second request replaces only the previously mailed links.
    """
    key = normalise_email(email)
    with write_transaction() as session:
        registrations = session.scalars(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.email_normalised == key,
                Registration.status.in_(ACTIVE_STATUSES),
                Event.ends_at > utcnow(),
            )
            .order_by(Event.starts_at)
        ).all()
        if not registrations:
            return
        address = registrations[-1].email  # as registered (the latest spelling)
        if mailboxes_over_limit([address]):
            return
        links = []
        for registration in registrations:
            token, token_hash = new_token()
            registration.resent_token_hash = token_hash
            links.append((registration, token))
        queue_my_links(address, links, language)


def update_registration(registration_id: int, **changes: str) -> Registration:
    """Correct name, organisation and the like; email changes keep the one-per-person rule."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    try:
        with write_transaction() as session:
            registration = session.get(Registration, registration_id, populate_existing=True)
            if registration is None:
                raise LookupError(registration_id)
            for name, value in changes.items():
                setattr(registration, name, value)
            if "email" in changes:
                registration.email = changes["email"].strip()
                registration.email_normalised = normalise_email(changes["email"])
            refresh_registration_search_text(registration)
            session.flush()
    except IntegrityError as exc:
        raise RegistrationRefused("duplicate") from exc
    return registration


def set_checked_in(registration_id: int, checked_in: bool) -> Registration:
    with write_transaction() as session:
        registration = session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise LookupError(registration_id)
        if registration.status != "confirmed" and checked_in:
            raise RegistrationRefused("cancelled")
        if checked_in and registration.checked_in_at is None:
            registration.checked_in_at = utcnow()
        elif not checked_in:
            registration.checked_in_at = None
    return registration


# --- confirming the address -------------------------------------------------------


class HoldExpired(Exception):
    """The address was confirmed too late: the held seat has been released."""


def confirm_address(registration_id: int, token: str) -> Registration:
    """The person opened the link in our mail and confirmed: the held seat becomes theirs,
    with the usual confirmation and calendar invitation. Refused once the hold expired."""
    with write_transaction() as session:
        _release_expired_holds(None)
        confirmed = session.execute(
            update(Registration)
            .where(Registration.id == registration_id, Registration.status == "unverified")
            .values(status="confirmed", hold_until=None, updated_at=utcnow())
            .returning(Registration.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        registration = session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise LookupError(registration_id)
        if confirmed is None:
            if registration.status != "confirmed":
                raise HoldExpired(registration_id)
            return registration  # confirmed before: nothing to do
        event = session.scalar(
            select(Event)
            .options(*event_load_options(agenda=False))
            .where(Event.id == registration.event_id)
        )
        row = confirmation_row(event, registration, token)
        row.registration_id = registration.id
        session.add(row)
        if event.notify_mode == "each" and event.contact_email:
            # The seat was claimed (held) at registration: the counter already has it.
            session.add(new_registrations_row(event, [registration], seats_left=event.seats_left))
    return registration


def release_expired_holds() -> int:
    """Free the seats of unverified registrations whose hold ran out; returns how many.
    Run by the scheduled job, and before every registration for the event concerned."""
    with write_transaction():
        return _release_expired_holds(None)


def _release_expired_holds(event_id: int | None) -> int:
    """In the caller's write transaction: expired holds become cancelled, seats freed once."""
    condition = [Registration.status == "unverified", Registration.hold_until <= utcnow()]
    if event_id is not None:
        condition.append(Registration.event_id == event_id)
    released = (
        db.session.execute(
            update(Registration)
            .where(*condition)
            .values(status="cancelled", cancelled_at=utcnow(), hold_until=None, updated_at=utcnow())
            .returning(Registration.event_id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    _free_seats(released)
    return len(released)


# --- cancelling in bulk -----------------------------------------------------------

# Ids per statement: far below SQLite's and PostgreSQL's limits on bound parameters.
CANCEL_CHUNK = 500


def cancel_registrations(event_id: int, registration_ids: list[int], *, notify: bool) -> int:
    """Cancel those confirmed registrations of the event and free their seats, in one
    transaction; returns how many were cancelled.

    Ids of other events, and registrations no longer confirmed, are skipped: the same
    conditional UPDATE as a single cancellation frees each seat once, however many
    cancels run at once. With `notify`, each person cancelled gets the usual cancellation
    (METHOD:CANCEL); without, no mail is written.
    """
    wanted = list(dict.fromkeys(registration_ids))
    with write_transaction() as session:
        # People who never confirmed their address never got an invitation: no CANCEL.
        never_invited = set(
            session.scalars(
                select(Registration.id).where(
                    Registration.event_id == event_id, Registration.status == "unverified"
                )
            )
        )
        cancelled: list[int] = []
        for start in range(0, len(wanted), CANCEL_CHUNK):
            cancelled += _cancel_confirmed(
                wanted[start : start + CANCEL_CHUNK], event_id=event_id, notify=notify
            )
        to_tell = [id_ for id_ in cancelled if id_ not in never_invited]
        if notify and to_tell:
            event = session.get(Event, event_id)
            for start in range(0, len(to_tell), CANCEL_CHUNK):
                for registration in session.scalars(
                    select(Registration)
                    .where(Registration.id.in_(to_tell[start : start + CANCEL_CHUNK]))
                    .order_by(Registration.id)
                    .execution_options(populate_existing=True)
                ):
                    queue_cancellation(event, registration)
    return len(cancelled)


def _cancel_confirmed(
    registration_ids: list[int], *, event_id: int | None = None, notify: bool = True
) -> list[int]:
    """Cancel those of the registrations still holding a seat (confirmed, or held unconfirmed)
    and free their seats (speakers hold none, so theirs free nothing); returns the ids
    cancelled. Call inside write_transaction().

    Conditional on the status, so two cancels at once free each seat only once.
    """
    if not registration_ids:
        return []
    condition = [
        Registration.id.in_(registration_ids),
        Registration.status.in_(SEAT_STATUSES),  # a held seat is freed like a confirmed one
    ]
    if event_id is not None:
        condition.append(Registration.event_id == event_id)
    now = utcnow()
    rows = db.session.execute(
        update(Registration)
        .where(*condition)
        .values(
            status="cancelled",
            cancelled_at=now,
            hold_until=None,
            sequence=Registration.sequence + 1,
            updated_at=now,
        )
        .returning(Registration.id, Registration.event_id, Registration.role)
        .execution_options(synchronize_session=False)
    ).all()
    _free_seats([event for _id, event, role in rows if role != "speaker"])
    cancelled = sorted(id_ for id_, _event, _role in rows)
    if cancelled:
        # Their meetings at the venue are called off in this transaction (network area).
        registrations_cancelled.send(
            current_app._get_current_object(), registration_ids=cancelled, notify=notify
        )
    return cancelled


def _free_seats(event_ids: list[int]) -> None:
    """Give back one seat per entry (an event id per registration that let go of its
    seat), never below zero; the event's calendar data is untouched."""
    for event, seats in Counter(event_ids).items():
        db.session.execute(
            update(Event)
            .where(Event.id == event, Event.confirmed_count > 0)
            .values(
                confirmed_count=case(
                    (Event.confirmed_count > seats, Event.confirmed_count - seats), else_=0
                ),
                updated_at=Event.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
