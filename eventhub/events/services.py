"""Catalogue queries and the registration rules (capacity, one seat per person)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from eventhub.database import write_transaction
from eventhub.events.changes import memo
from eventhub.events.exchange import event_load_options
from eventhub.extensions import db
from eventhub.mail.messages import (
    confirmation_row,
    group_summary_row,
    new_registrations_row,
    queue_cancellation,
)
from eventhub.models import (
    EVENT_FORMATS,
    Event,
    EventHost,
    Organisation,
    Registration,
    Series,
    Topic,
    event_topics,
)
from eventhub.models.base import utcnow
from eventhub.models.event import new_uid

PUBLIC_STATUSES = ("published", "cancelled")


class BadFilter(ValueError):
    """A catalogue filter value that cannot be used (shown to the user as 400)."""


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    topic: str = ""
    region: str = ""
    format: str = ""
    series: str = ""
    host: str = ""
    page: int = 1

    @property
    def active(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("q", self.q),
                ("topic", self.topic),
                ("region", self.region),
                ("format", self.format),
                ("series", self.series),
                ("host", self.host),
            )
            if v
        }


def parse_filters(args) -> CatalogueFilters:
    """Read filters from a query string; raises BadFilter with a reason code."""
    values = {}
    for name in ("q", "topic", "region", "format", "series", "host"):
        raw = args.get(name, "")
        # Checked before whitespace is collapsed: tabs, newlines and the separators
        # \x1c-\x1f are control characters too (as the OpenAPI document says).
        if len(raw) > 200:
            raise BadFilter("too_long")
        if any(ord(ch) < 32 for ch in raw):
            raise BadFilter("invalid")
        values[name] = " ".join(raw.split())
    if values["format"] and values["format"] not in EVENT_FORMATS:
        raise BadFilter("format")
    page = parse_int(args.get("page", "1"), 1, MAX_PAGE)
    if page is None:
        raise BadFilter("page")
    return CatalogueFilters(**values, page=page)


MAX_PAGE = 10_000


def parse_int(text: str, low: int, high: int) -> int | None:
    """A whole number in [low, high] from a query string (ASCII digits only), else None."""
    if not re.fullmatch(r"[0-9]{1,6}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def catalogue_select(
    filters: CatalogueFilters, *, past: bool = False, agenda: bool = False
) -> Select:
    now = utcnow()
    stmt = select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if past:
        stmt = stmt.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id)
    else:
        stmt = stmt.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
    return apply_filters(stmt, filters).options(*event_load_options(agenda=agenda))


def apply_filters(stmt: Select, filters: CatalogueFilters) -> Select:
    """The catalogue's filters (q, format, region, topic, series, host) on an Event select."""
    if filters.q:
        for word in filters.q.casefold().split()[:8]:
            stmt = stmt.where(Event.search_text.like(f"%{escape_like(word)}%", escape="\\"))
    if filters.format:
        stmt = stmt.where(Event.format == filters.format)
    if filters.region:
        stmt = stmt.where(Event.region == filters.region)
    if filters.topic:
        stmt = stmt.where(
            exists().where(
                event_topics.c.event_id == Event.id,
                event_topics.c.topic_id == Topic.id,
                Topic.slug == filters.topic,
            )
        )
    if filters.series:
        stmt = stmt.where(
            exists().where(Series.id == Event.series_id, Series.slug == filters.series)
        )
    if filters.host:
        stmt = stmt.where(
            exists().where(
                EventHost.event_id == Event.id,
                EventHost.organisation_id == Organisation.id,
                Organisation.slug == filters.host,
            )
        )
    return stmt


def catalogue_page(filters: CatalogueFilters, *, past: bool = False, agenda: bool = False):
    return db.paginate(
        catalogue_select(filters, past=past, agenda=agenda),
        page=filters.page,
        per_page=current_app.config["EVENTS_PER_PAGE"],
        error_out=False,
    )


# Series and organisations the public may see: those with a published or cancelled event
# (for organisations in any role: host, co-host, partner, funder).
SERIES_WITH_PUBLIC_EVENTS = exists().where(
    Event.series_id == Series.id, Event.status.in_(PUBLIC_STATUSES)
)
ORGANISATIONS_WITH_PUBLIC_EVENTS = exists().where(
    EventHost.organisation_id == Organisation.id,
    EventHost.event_id == Event.id,
    Event.status.in_(PUBLIC_STATUSES),
)


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Values offered in the catalogue's filter form, from public events only.

    Four queries over all public events, so kept per worker until an event changes.
    """
    return memo("filter_choices", FILTER_CHOICES_TTL_SECONDS).get("all", _filter_choices)


FILTER_CHOICES_TTL_SECONDS = 600  # nothing here depends on the clock; a bound for safety


def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    public = Event.status.in_(PUBLIC_STATUSES)
    topics = db.session.execute(
        select(Topic.slug, Topic.name)
        .where(
            exists().where(
                event_topics.c.topic_id == Topic.id, event_topics.c.event_id == Event.id, public
            )
        )
        .order_by(Topic.name)
    ).all()
    regions = db.session.scalars(
        select(Event.region).where(public, Event.region != "").distinct().order_by(Event.region)
    ).all()
    series = db.session.execute(
        select(Series.slug, Series.title).where(SERIES_WITH_PUBLIC_EVENTS).order_by(Series.title)
    ).all()
    hosts = db.session.execute(
        select(Organisation.slug, Organisation.name)
        .where(ORGANISATIONS_WITH_PUBLIC_EVENTS)
        .order_by(Organisation.name)
    ).all()
    return {
        "topic": [tuple(t) for t in topics],
        "region": [(r, r) for r in regions],
        "series": [tuple(s) for s in series],
        "host": [tuple(h) for h in hosts],
    }


def public_event(slug: str) -> Event | None:
    return db.session.scalar(
        select(Event)
        .options(*event_load_options())
        .where(Event.slug == slug, Event.status.in_(PUBLIC_STATUSES))
    )


# --- registration -----------------------------------------------------------


class RegistrationRefused(Exception):
    """The registration was not accepted; `reason` is one of REFUSAL_REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REFUSAL_REASONS = ("full", "closed", "cancelled", "running", "past", "draft", "duplicate")


def normalise_email(email: str) -> str:
    """The key for "one registration per person": case-folded, domain in its ASCII form.

    a@münchen.de and A@xn--mnchen-3ya.de are the same mailbox and get the same key.
    """
    email = email.strip()
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email.lower()
    return f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """An unguessable link token (256 random bits) and the hash we store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


# What a registration says about the person (and an organiser may correct).
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "organisation",
    "job_title",
    "organisation_type",
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
    guard = not current_app.config["TESTING_DISABLE_CAPACITY_GUARD"]
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
        with write_transaction(immediate=guard) as session:
            # The row lock orders us after any concurrent change of the event (PostgreSQL;
            # SQLite already holds the database lock): status and SEQUENCE are current.
            event = session.get(Event, event_id, populate_existing=True, with_for_update=guard)
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
            if guard:
                _claim_seats(event_id, len(people))
            else:
                _claim_seats_unguarded(event, len(people))
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
    refresh_search_text(registration)
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


def refresh_search_text(registration: Registration) -> None:
    registration.search_text = " ".join(
        (
            registration.first_name,
            registration.last_name,
            registration.email_normalised,
            registration.organisation,
        )
    ).casefold()


def _claim_seats(event_id: int, seats: int) -> None:
    result = db.session.execute(
        update(Event)
        .where(
            Event.id == event_id,
            or_(Event.capacity.is_(None), Event.confirmed_count + seats <= Event.capacity),
        )
        # updated_at stays: a registration is no change to the event's calendar data.
        .values(confirmed_count=Event.confirmed_count + seats, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise RegistrationRefused("full")


def _claim_seats_unguarded(event: Event, seats: int) -> None:
    # Check-then-write on a value read earlier: the race the guard exists for.
    if event.capacity is not None and event.confirmed_count + seats > event.capacity:
        raise RegistrationRefused("full")
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(confirmed_count=event.confirmed_count + seats, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )


def registration_by_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.token_hash == hash_token(token))
    )


def cancel_registration(registration_id: int) -> Registration:
    """Cancel a confirmed registration and free its seat (idempotent)."""
    with write_transaction() as session:
        # Conditional on the status, so two cancels at once free the seat only once.
        cancelled = session.execute(
            update(Registration)
            .where(Registration.id == registration_id, Registration.status == "confirmed")
            .values(
                status="cancelled",
                cancelled_at=utcnow(),
                sequence=Registration.sequence + 1,
                updated_at=utcnow(),
            )
            .returning(Registration.event_id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if cancelled is not None:
            session.execute(
                update(Event)
                .where(Event.id == cancelled, Event.confirmed_count > 0)
                .values(confirmed_count=Event.confirmed_count - 1, updated_at=Event.updated_at)
                .execution_options(synchronize_session=False)
            )
        registration = session.get(Registration, registration_id, populate_existing=True)
        if registration is None:
            raise LookupError(registration_id)
        if cancelled is not None:
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
            refresh_search_text(registration)
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
