"""Registration rules: capacity, one seat per person, groups, changes and cancellation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError

from eventhub.database import write_transaction
from eventhub.events.notifications import (
    confirmation_row,
    group_summary_row,
    new_registrations_row,
    queue_cancellation,
)
from eventhub.extensions import db
from eventhub.models import PERSON_FIELDS, Event, Registration, normalise_email
from eventhub.models.base import utcnow
from eventhub.models.event import new_uid
from eventhub.querying import event_load_options
from eventhub.tokens import lookup_hash, new_token


class RegistrationRefused(Exception):
    """The registration was not accepted; `reason` is one of REFUSAL_REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REFUSAL_REASONS = ("full", "closed", "cancelled", "running", "past", "draft", "duplicate")


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
        if key in keys[:index]:
            raise GroupRefused("duplicate", attendees[index].email)
    people = [_new_registration(event_id, a, key) for a, key in zip(attendees, keys, strict=True)]
    event = db.session.scalar(
        select(Event).options(*event_load_options(agenda=False)).where(Event.id == event_id)
    )
    if event is None:
        raise RegistrationRefused("draft")
    _check_state(event, allow_closed, allow_full=False, seats=len(people))  # early answer
    # Composing confirmations (templates, QR code, iCal) takes tens of milliseconds each:
    # do it before taking the write lock, which then only covers the checks and inserts.
    mails = _compose(event, people, contact)
    composed_for = event.sequence
    try:
        with write_transaction() as session:
            event = _locked_event(event_id)
            _check_state(event, allow_closed, allow_full=True, seats=len(people))
            taken = set(
                session.scalars(
                    select(Registration.email_normalised).where(
                        Registration.event_id == event_id,
                        Registration.email_normalised.in_(keys),
                        Registration.status == "confirmed",
                    )
                )
            )
            if taken:
                first = next(p for p in people if p.registration.email_normalised in taken)
                raise GroupRefused("duplicate", first.registration.email)
            _claim_seats(event, len(people))
            session.add_all(p.registration for p in people)
            session.flush()
            if event.sequence != composed_for:  # the event changed meanwhile: compose anew
                mails = _compose(event, people, contact)
            for person, row in zip(people, mails, strict=False):
                row.registration_id = person.registration.id
            session.add_all(mails)
    except IntegrityError as exc:
        raise RegistrationRefused("duplicate") from exc
    return [(p.registration, p.token) for p in people]


@dataclass
class _Pending:
    registration: Registration
    token: str


def _new_registration(event_id: int, attendee: Attendee, email_key: str) -> _Pending:
    token, token_hash = new_token()
    registration = Registration(
        uid=new_uid(),
        event_id=event_id,
        status="confirmed",
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
        token_hash=token_hash,
        sequence=0,
    )
    refresh_registration_search_text(registration)
    return _Pending(registration, token)


def _compose(event: Event, people: list[_Pending], contact: GroupContact | None) -> list:
    mails = [confirmation_row(event, p.registration, p.token) for p in people]
    registrations = [p.registration for p in people]
    if contact is not None:
        mails.append(group_summary_row(event, registrations, contact))
    if event.notify_mode == "each" and event.contact_email:
        mails.append(new_registrations_row(event, registrations))
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
    return db.session.scalar(select(Registration).where(Registration.token_hash == token_hash))


def cancel_registration(registration_id: int) -> Registration:
    """Cancel a confirmed registration and free its seat (idempotent)."""
    with write_transaction() as session:
        cancelled = _cancel_confirmed([registration_id])
        registration = session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise LookupError(registration_id)
        if cancelled:
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
        session.flush()
        row = confirmation_row(registration.event, registration, token)
        row.registration_id = registration.id
        session.add(row)
    return token


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
        cancelled: list[int] = []
        for start in range(0, len(wanted), CANCEL_CHUNK):
            cancelled += _cancel_confirmed(wanted[start : start + CANCEL_CHUNK], event_id=event_id)
        if notify and cancelled:
            event = session.get(Event, event_id)
            for start in range(0, len(cancelled), CANCEL_CHUNK):
                for registration in session.scalars(
                    select(Registration)
                    .where(Registration.id.in_(cancelled[start : start + CANCEL_CHUNK]))
                    .order_by(Registration.id)
                    .execution_options(populate_existing=True)
                ):
                    queue_cancellation(event, registration)
    return len(cancelled)


def _cancel_confirmed(registration_ids: list[int], *, event_id: int | None = None) -> list[int]:
    """Cancel those of the registrations still confirmed and free their seats; returns
    the ids cancelled. Call inside write_transaction().

    Conditional on the status, so two cancels at once free each seat only once.
    """
    if not registration_ids:
        return []
    condition = [Registration.id.in_(registration_ids), Registration.status == "confirmed"]
    if event_id is not None:
        condition.append(Registration.event_id == event_id)
    now = utcnow()
    rows = db.session.execute(
        update(Registration)
        .where(*condition)
        .values(
            status="cancelled",
            cancelled_at=now,
            sequence=Registration.sequence + 1,
            updated_at=now,
        )
        .returning(Registration.id, Registration.event_id)
        .execution_options(synchronize_session=False)
    ).all()
    freed: dict[int, int] = {}
    for _id, event in rows:
        freed[event] = freed.get(event, 0) + 1
    for event, seats in freed.items():
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
    return sorted(id_ for id_, _event in rows)
