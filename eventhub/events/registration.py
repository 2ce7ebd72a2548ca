"""Registration rules: capacity, one seat per person, groups, changes and cancellation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from eventhub.database import write_transaction
from eventhub.events.consent import record_consent
from eventhub.events.notifications import (
    confirm_address_row,
    confirmation_row,
    group_summary_row,
    new_registrations_row,
    queue_already_registered,
    queue_cancellation,
    queue_my_links,
    state_row,
)
from eventhub.events.questions import active_questions, shares_statistics
from eventhub.events.seats import (
    claim_seats,
    expire_offers,
    free_seats,
    lock_event_of,
    next_rank,
    queue_ahead,
    queue_seat_confirmed,
    serve_waiting_list,
    waiting_position,
    writable_registration,
)
from eventhub.events.seats import (
    locked_event as _locked_event,
)
from eventhub.events.signals import registrations_cancelled
from eventhub.extensions import db
from eventhub.mail.outbox import mailboxes_over_limit
from eventhub.metrics import counts_registrations
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
    "attendance",
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
    # The seat pool: "onsite", or "online" at a hybrid event (one per group).
    attendance: str = "onsite"
    # Answers to the event's questions, already validated: {question id: value}.
    answers: dict[int, object] = field(default_factory=dict)


def register(
    event_id: int, attendee: Attendee, *, allow_closed: bool = False, if_full: str = "refuse"
) -> tuple[Registration, str]:
    """Take a seat for the attendee (or a place on the waiting list, or in approval: see
    register_group) or raise RegistrationRefused.

    Returns the registration and the raw manage-link token (only ever shown once).
    `allow_closed` lets organisers add people after the registration deadline
    (phone sign-ups); capacity still holds. `if_full="wait"`: when no seat is free, the
    attendee joins the waiting list instead (see register_group).
    """
    [(registration, token)] = register_group(
        event_id, [attendee], allow_closed=allow_closed, if_full=if_full
    )
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


@counts_registrations(RegistrationRefused)  # eventhub_registrations_total on /metrics
def register_group(
    event_id: int,
    attendees: list[Attendee],
    *,
    allow_closed: bool = False,
    contact: GroupContact | None = None,
    if_full: str = "refuse",
) -> list[tuple[Registration, str]]:
    """Register everyone or no one.

    The seats are claimed by one conditional UPDATE of the pool's counter
    (count + n <= capacity, events.seats) inside a writing transaction (BEGIN IMMEDIATE
    on SQLite, the row lock on PostgreSQL), so no interleaving of requests can pass
    capacity. The unique partial index on (event, email) settles concurrent double
    submits. Each attendee's mail, and the contact's summary, is written in the same
    transaction.

    Where the event awaits approval, people from the public forms become "pending" and
    hold no seat. When the seats do not fit -- or people wait for them already, whom a
    newcomer must not skip -- `if_full="wait"` puts the whole group on the event's waiting
    list as one entry; otherwise the registration is refused as full.
    """
    keys = [normalise_email(a.email) for a in attendees]
    for index, key in enumerate(keys):
        if key in keys[:index]:  # the sender's own list: naming the address tells nothing
            raise GroupRefused("duplicate", attendees[index].email)
    # The event as the caller loaded it (the forms do), else one read: what follows until
    # the lock is an early answer; the lock reads the counters again.
    event = db.session.get(Event, event_id)
    if event is None:
        raise RegistrationRefused("draft")
    mode = attendees[0].attendance
    if mode not in event.attendance_modes or any(a.attendance != mode for a in attendees):
        raise RegistrationRefused("attendance")
    pending = event.approval and attendees[0].source == "web"
    may_wait = if_full == "wait" and event.has_waitlist and event.pool_capacity(mode) is not None
    people = [
        _new_registration(
            event,
            a,
            key,
            status="pending"
            if pending
            else "unverified"
            if event.confirm_email and a.source == "web"
            else "confirmed",
        )
        for a, key in zip(attendees, keys, strict=True)
    ]
    if contact is not None and len(people) > 1:
        group = new_uid()
        for person in people:
            person.registration.group_uid = group
    # An early answer; where seats may be held by holds that ran out, "full" is decided
    # under the lock, after releasing them.
    # Speakers take no seat: a full event still takes them.
    seats = 0 if pending else sum(1 for a in attendees if a.role != "speaker")
    _check_state(
        event,
        allow_closed,
        allow_full=event.confirm_email or not seats or may_wait,
        seats=seats,
        mode=mode,
    )
    _check_abuse(
        event_id, keys, [a.email for a in attendees] + ([contact.email] if contact else [])
    )
    # The mails, before taking the write lock, which then only covers the checks and
    # inserts. A confirmation is only its outbox row (the worker composes the message:
    # templates, QR code and iCal take tens of milliseconds); the other mails of a
    # registration (confirm your address, awaiting approval, a group's summary) are
    # composed here.
    mails = _compose(event, people, contact)
    composed_for = event.sequence
    try:
        with write_transaction() as session:
            event, expired, someone_waits, any_taken = _lock_for_registration(event_id, mode, keys)
            if expired:
                # Seats nobody confirmed or accepted in time are free again (for the list
                # first), which may serve the list.
                _release_expired_holds(event_id)
                expire_offers(event_id)
                event = _locked_event(event_id)
                someone_waits = any_taken = None
            _check_state(event, allow_closed, allow_full=True, seats=seats, mode=mode)
            taken = set()
            if any_taken is not False:
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
            waiting = seats and (
                _queue_ahead(event, mode, someone_waits) or not claim_seats(event_id, seats, mode)
            )
            if waiting and not may_wait:
                raise RegistrationRefused("full")
            if waiting:
                rank = next_rank(event_id, mode)
                for person in people:
                    person.registration.status = "waiting"
                    person.registration.waiting_rank = rank
                    person.registration.hold_until = None
            for person in people:  # for /metrics: plain attributes outlive the commit's expiry
                person.registration.registered_as = person.registration.status
            # The counter as this claim left it (the UPDATE does not refresh `event`).
            left = event.pool_seats_left(mode)
            seats_left = None if left is None else max(left - (0 if waiting else seats), 0)
            session.add_all(p.registration for p in people)
            session.flush()
            answers = [
                {"registration_id": p.registration.id, "question_id": q, "value": value}
                for p, a in zip(people, attendees, strict=True)
                for q, value in a.answers.items()
            ]
            if answers:  # one executemany, not an INSERT ... RETURNING per answer
                session.execute(insert(Answer), answers)
            _record_consents(session, event_id, people, attendees, group=contact is not None)
            if waiting:  # cheap to compose under the lock: no QR code, no calendar
                position = waiting_position(people[0].registration)
                mails = [
                    state_row(event, p.registration, "waiting", token=p.token, position=position)
                    for p in people
                ]
                if contact is not None:
                    registrations = [p.registration for p in people]
                    mails.append(group_summary_row(event, registrations, contact))
            elif event.sequence != composed_for:  # the event changed meanwhile: compose anew
                mails = _compose(event, people, contact)
            for person, row in zip(people, mails, strict=False):
                row.registration_id = person.registration.id
            session.add_all(mails)
            # The organisers' notice reports the seats left after these registrations, so
            # it is written here, once they are claimed (composed by the worker).
            confirmed = [p.registration for p in people if p.registration.status == "confirmed"]
            if confirmed and event.notify_mode == "each" and event.contact_email:
                session.add(new_registrations_row(event, confirmed, seats_left=seats_left))
            states = [(p.registration, p.registration.status) for p in people]
        # What the form's answer needs (the state it redirects by), kept as committed: no
        # SELECT of the new rows right after the COMMIT expired them.
        for registration, status in states:
            set_committed_value(registration, "status", status)
    except _AlreadyRegistered as exc:
        # Not named in the answer (that would tell anyone who is registered); the people
        # themselves are told by mail, which is what they need if it was them.
        if any(a.source == "web" for a in attendees):
            _remind_registered(event_id, exc.keys)
        raise GroupRefused("duplicate") from None
    except IntegrityError as exc:
        raise RegistrationRefused("duplicate") from exc
    return [(p.registration, p.token) for p in people]


def _lock_for_registration(
    event_id: int, mode: str, keys: list[str]
) -> tuple[Event, bool, bool | None, bool | None]:
    """The event under its row lock (as locked_event), with whether holds or offers of it
    ran out (then they must be released first), whether someone waits in the pool (for
    queue_ahead) and whether any of these addresses is registered already: one round trip
    on SQLite (which holds the database lock already), two on PostgreSQL, where a
    registration used to take five."""
    together, lock, checks = _lock_statements()
    params = {"event_id": event_id, "mode": mode, "keys": keys, "now": utcnow()}
    if db.session.get_bind().dialect.name == "sqlite":
        event, has_expired, someone_waits, any_taken = db.session.execute(together, params).one()
    else:
        # PostgreSQL (READ COMMITTED): a statement that waited for the row lock sees the
        # event row as the lock holder committed it, but other tables as they were when
        # it started; the EXISTS must come in a statement after the lock is held, or a
        # newcomer could skip a group that has just queued, or queue with seats free.
        event = db.session.execute(lock, params).scalar_one()
        has_expired, someone_waits, any_taken = db.session.execute(checks, params).one()
    return event, bool(has_expired), bool(someone_waits), bool(any_taken)


@cache
def _lock_statements():
    """_lock_for_registration's statements, built once with parameters (event_id, mode,
    keys, now): building them anew for each registration took longer than SQLite takes
    to run them, inside the write lock. (SQLite's one statement, PostgreSQL's two.)"""
    event_id = bindparam("event_id")
    now = bindparam("now")
    expired = (
        select(Registration.id)
        .where(
            Registration.event_id == event_id,
            or_(
                (Registration.status == "unverified") & (Registration.hold_until <= now),
                (Registration.status == "offered") & (Registration.offer_expires_at <= now),
            ),
        )
        .exists()
    )
    waits = (
        select(Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.attendance == bindparam("mode"),
            Registration.status == "waiting",
        )
        .exists()
    )
    taken = (
        select(Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.email_normalised.in_(bindparam("keys", expanding=True)),
            Registration.status.in_(ACTIVE_STATUSES),
        )
        .exists()
    )
    fresh = {"populate_existing": True}
    together = _for_update(select(Event, expired, waits, taken).where(Event.id == event_id))
    lock = _for_update(select(Event).where(Event.id == event_id))
    return (
        together.execution_options(**fresh),
        lock.execution_options(**fresh),
        select(expired, waits, taken),
    )


def _for_update(query):
    """The event row's lock, as locked_event takes it (PostgreSQL; SQLite holds the
    database lock already)."""
    return query.with_for_update(of=Event)


def _queue_ahead(event: Event, mode: str, someone_waits: bool | None) -> bool:
    """queue_ahead, with whether someone waits in the pool already known (None: ask)."""
    if someone_waits is None:
        return queue_ahead(event, mode)
    return someone_waits and not event.waitlist_fill and event.pool_capacity(mode) is not None


def _record_consents(
    session, event_id: int, people: list[_Pending], attendees: list[Attendee], *, group: bool
) -> None:
    """In the registration's transaction: each person's "registration" record (the notice
    version they were shown; the legal basis is running the event, not consent), and the
    consents the form gave -- the directory opt-in, statistics answered. Who acted is the
    record's `source`: the person ("web"), the colleague on the group form ("group"), an
    organiser ("manual", "api"). A speaker's listing is the organisers' doing (a meeting
    partner for everyone), not a consent of theirs: no directory record."""
    questions = active_questions(event_id) if any(a.answers for a in attendees) else []
    for person, attendee in zip(people, attendees, strict=True):
        source = "group" if group and attendee.source == "web" else attendee.source
        registration_id = person.registration.id
        record_consent(session, registration_id, "registration", source=source)
        if attendee.show_in_directory and attendee.role != "speaker":
            record_consent(session, registration_id, "directory", source=source)
        if shares_statistics(questions, attendee.answers):
            record_consent(session, registration_id, "statistics", source=source)


class _AlreadyRegistered(Exception):
    def __init__(self, keys: set[str]):
        super().__init__("already registered")
        self.keys = keys


def _check_abuse(event_id: int, keys: list[str], mail_to: list[str]) -> None:
    """Limits per person rather than per request: an address registered (and cancelled)
    too often for this event today, or an inbox that visitors made us mail too often."""
    most = db.session.scalar(
        _registrations_per_address(),
        {"event_id": event_id, "keys": keys, "since": utcnow() - dt.timedelta(days=1)},
    )
    if (most or 0) >= current_app.config["REGISTRATIONS_PER_ADDRESS_PER_DAY"]:
        raise RegistrationRefused("repeated")
    if mailboxes_over_limit(mail_to):
        raise RegistrationRefused("mail_limit")


@cache
def _registrations_per_address():
    """The most registrations one of the addresses made for the event since a time
    (built once, as _lock_statements)."""
    return (
        select(func.count())
        .where(
            Registration.event_id == bindparam("event_id"),
            Registration.email_normalised.in_(bindparam("keys", expanding=True)),
            Registration.created_at > bindparam("since"),
        )
        .group_by(Registration.email_normalised)
        .order_by(func.count().desc())
        .limit(1)
    )


def _remind_registered(event_id: int, keys: set[str]) -> None:
    """Tell people who are registered already that someone tried to register them again."""
    with write_transaction() as session:
        event = session.get(Event, event_id)
        registered = session.scalars(
            select(Registration).where(
                Registration.event_id == event_id,
                Registration.email_normalised.in_(keys),
                # Waiting, offered or pending people are told too: the page says so.
                Registration.status.in_(ACTIVE_STATUSES),
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


def _new_registration(event: Event, attendee: Attendee, email_key: str, *, status: str) -> _Pending:
    token, token_hash = new_token()
    unverified = status == "unverified"
    registration = Registration(
        uid=new_uid(),
        event_id=event.id,
        status=status,
        attendance=attendee.attendance,
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
        else state_row(event, p.registration, "pending", token=p.token)
        if p.registration.status == "pending"
        else confirmation_row(event, p.registration, p.token)
        for p in people
    ]
    registrations = [p.registration for p in people]
    if contact is not None:
        mails.append(group_summary_row(event, registrations, contact))
    return mails


def _check_state(
    event: Event, allow_closed: bool, *, allow_full: bool, seats: int = 1, mode: str = "onsite"
) -> None:
    state = event.registration_state
    if allow_closed and state == "closed":
        state = "open"
    if state == "full" and not seats:
        state = "open"  # speakers and people awaiting approval take no seat
    left = event.pool_seats_left(mode)
    if state == "open" and left is not None and left < seats:
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


def registration_by_token(token: str) -> Registration | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(
        select(Registration).where(
            or_(
                Registration.token_hash == token_hash,
                Registration.resent_token_hash == token_hash,
            ),
            # Anonymising replaces the hashes anyway; an anonymised row has no private page.
            Registration.anonymised_at.is_(None),
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
    """The person (or an organiser for them) withdraws: a confirmed or held seat is freed
    and goes to the waiting list; someone waiting, offered a seat or awaiting approval
    leaves and is never served afterwards. Idempotent."""
    with write_transaction() as session:
        lock_event_of(registration_id)  # the event first: one lock order
        registration = session.get(Registration, registration_id, populate_existing=True)
        was = registration.status
        cancelled = _cancel_active([registration_id])
        session.refresh(registration)
        # Not past the mail limit: register-and-cancel loops must not flood an inbox.
        if cancelled and not mailboxes_over_limit([registration.email]):
            _tell_cancelled(registration.event, registration, was)
    return registration


def _tell_cancelled(event: Event, registration: Registration, was: str) -> None:
    """The mail for a registration that ended: a calendar CANCEL only for people who got an
    invitation (confirmed); the others are told they left the list or withdrew."""
    if was == "confirmed":
        queue_cancellation(event, registration)
    elif was in ("waiting", "offered"):
        db.session.add(state_row(event, registration, "left"))
    elif was == "pending":
        db.session.add(state_row(event, registration, "withdrawn"))


def renew_manage_link(registration_id: int) -> str:
    """Revoke the private link and mail a new one; returns the new raw token."""
    token, token_hash = new_token()
    with write_transaction() as session:
        registration = writable_registration(registration_id)  # an anonymised row: no link
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
    """Correct name, organisation and the like; email changes keep the one-per-person rule.
    Refused (RegistrationAnonymised) once the registration has been anonymised: an edit
    that was on its way when the erasure or the purge ran must not bring the name back."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    try:
        with write_transaction() as session:
            registration = writable_registration(registration_id)
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
        event_id = lock_event_of(registration_id)  # the event first: one lock order
        _release_expired_holds(event_id)
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
        # The seat was claimed (held) at registration: the counter already has it.
        queue_seat_confirmed(event_id, registration, token)
    return registration


def release_expired_holds() -> int:
    """Free the seats of unverified registrations whose hold ran out, and end the offers
    nobody accepted in time; returns how many. Run by the scheduled job, and before every
    registration for the event concerned. One transaction per event, the event locked
    first (the order every path takes), so this never deadlocks with a registration."""
    now = utcnow()
    event_ids = db.session.scalars(
        select(Registration.event_id)
        .where(
            or_(
                (Registration.status == "unverified") & (Registration.hold_until <= now),
                (Registration.status == "offered") & (Registration.offer_expires_at <= now),
            )
        )
        .distinct()
    ).all()
    db.session.rollback()  # the read above must not hold the transaction open
    released = 0
    for event_id in event_ids:
        try:
            with write_transaction():
                _locked_event(event_id)
                released += _release_expired_holds(event_id) + expire_offers(event_id)
        except Exception:  # one event's trouble must not hold up the others' seats
            current_app.logger.exception("releasing holds and offers of event %s", event_id)
    return released


def _release_expired_holds(event_id: int) -> int:
    """In the caller's write transaction (event locked): expired holds become cancelled,
    seats freed once, and the waiting list served."""
    released = db.session.execute(
        update(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == "unverified",
            Registration.hold_until <= utcnow(),
        )
        .values(
            status="cancelled",
            status_reason="hold_expired",
            cancelled_at=utcnow(),
            hold_until=None,
            updated_at=utcnow(),
        )
        .returning(Registration.event_id, Registration.attendance)
        .execution_options(synchronize_session=False)
    ).all()
    free_seats([tuple(row) for row in released])
    return len(released)


# --- cancelling in bulk -----------------------------------------------------------

# Ids per statement: far below SQLite's and PostgreSQL's limits on bound parameters.
CANCEL_CHUNK = 500


def cancel_registrations(event_id: int, registration_ids: list[int], *, notify: bool) -> int:
    """Cancel those active registrations of the event (confirmed, held, offered, waiting,
    pending), free their seats for the waiting list, in one transaction; returns how many
    were cancelled.

    Ids of other events, and registrations no longer active, are skipped: the same
    conditional UPDATE as a single cancellation frees each seat once, however many
    cancels run at once. With `notify`, each person cancelled gets the usual mail
    (METHOD:CANCEL for the confirmed ones); without, no mail is written.
    """
    wanted = list(dict.fromkeys(registration_ids))
    with write_transaction() as session:
        _locked_event(event_id)
        before = (
            dict(
                session.execute(
                    select(Registration.id, Registration.status).where(
                        Registration.event_id == event_id,
                        Registration.status.in_(ACTIVE_STATUSES),
                        Registration.id.in_(wanted),
                    )
                ).all()
            )
            if len(wanted) <= CANCEL_CHUNK
            else _statuses(event_id)
        )
        cancelled: list[int] = []
        for start in range(0, len(wanted), CANCEL_CHUNK):
            cancelled += _cancel_active(
                wanted[start : start + CANCEL_CHUNK], event_id=event_id, notify=notify
            )
        if notify and cancelled:
            event = session.get(Event, event_id)
            for start in range(0, len(cancelled), CANCEL_CHUNK):
                for registration in session.scalars(
                    select(Registration)
                    .where(Registration.id.in_(cancelled[start : start + CANCEL_CHUNK]))
                    .order_by(Registration.id)
                    .execution_options(populate_existing=True)
                ):
                    # People who never confirmed their address never got an invitation.
                    if before.get(registration.id) != "unverified":
                        _tell_cancelled(event, registration, before.get(registration.id, ""))
    return len(cancelled)


def _statuses(event_id: int) -> dict[int, str]:
    return dict(
        db.session.execute(
            select(Registration.id, Registration.status).where(
                Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES)
            )
        ).all()
    )


def _cancel_active(
    registration_ids: list[int], *, event_id: int | None = None, notify: bool = True
) -> list[int]:
    """Cancel those of the registrations still active and free the seats of those that
    held one (speakers hold none), serving the waiting list; returns the ids cancelled.
    Call inside write_transaction(), the event locked.

    Conditional on the status, so two cancels at once free each seat only once, and a
    person who left the waiting list is never served.
    """
    if not registration_ids:
        return []
    condition = [Registration.id.in_(registration_ids)]
    if event_id is not None:
        condition.append(Registration.event_id == event_id)
    now = utcnow()
    ended = {
        "status": "cancelled",
        "cancelled_at": now,
        "hold_until": None,
        "offer_expires_at": None,
        "updated_at": now,
    }
    held = db.session.execute(
        update(Registration)
        .where(*condition, Registration.status.in_(SEAT_STATUSES))
        .values(
            sequence=Registration.sequence + 1,
            # Declining an offered seat is leaving the waiting list (never offered again).
            status_reason=case(
                (Registration.status == "offered", "left_waiting_list"),
                else_=Registration.status_reason,
            ),
            **ended,
        )
        .returning(
            Registration.id, Registration.event_id, Registration.role, Registration.attendance
        )
        .execution_options(synchronize_session=False)
    ).all()
    queued = db.session.execute(
        update(Registration)
        .where(*condition, Registration.status.in_(("waiting", "pending")))
        .values(
            waiting_rank=None,
            status_reason=case((Registration.status == "waiting", "left_waiting_list"), else_=""),
            **ended,
        )
        .returning(Registration.id, Registration.event_id)
        .execution_options(synchronize_session=False)
    ).all()
    cancelled = sorted([row.id for row in held] + [row.id for row in queued])
    if held:
        # Their meetings at the venue are called off in this transaction (network area).
        registrations_cancelled.send(
            current_app._get_current_object(),
            registration_ids=sorted(row.id for row in held),
            notify=notify,
        )
        free_seats([(row.event_id, row.attendance) for row in held if row.role != "speaker"])
    # Someone who waited at the head may have blocked the people behind: they move up.
    for event_id in dict.fromkeys(row.event_id for row in queued):
        serve_waiting_list(event_id)
    return cancelled
