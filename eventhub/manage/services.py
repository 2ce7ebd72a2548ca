"""Workspace rules: accounts, memberships, invitations and event editing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from eventhub.database import writes
from eventhub.events.records import event_to_dict, notify_attendees, upsert_event
from eventhub.events.schema import RESERVED_SLUGS, EventRecord, describe_errors
from eventhub.extensions import db
from eventhub.manage.notifications import (
    queue_attendee_list,
    queue_invitation,
    queue_password_reset,
)
from eventhub.models import (
    MEMBERSHIP_ROLES,
    Event,
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    User,
)
from eventhub.models.base import utcnow
from eventhub.text import slugify
from eventhub.tokens import lookup_hash, new_token

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A rule about accounts or organisations was broken; the message says which."""


@writes
def create_user(
    *,
    email: str,
    password: str,
    is_admin: bool = False,
    org_slug: str | None = None,
    name: str = "",
) -> tuple[User, bool]:
    """Create (or update) an account; with org_slug, make it an organiser there."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"'{email}' is not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if org_slug and slugify(org_slug) != org_slug:
        raise AccountError(
            f"'{org_slug}' is not a valid organisation slug (try '{slugify(org_slug)}')"
        )
    user = db.session.scalar(select(User).where(User.email == email))
    created = user is None
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
    elif name:
        user.name = name
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.is_admin = user.is_admin or is_admin
    if org_slug:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if organisation is None:
            organisation = Organisation(slug=org_slug, name=org_slug.replace("-", " ").title())
            db.session.add(organisation)
            db.session.flush()
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
        if membership is None:
            # The first account of a new organisation owns it; later ones organise.
            role = "owner" if not organisation.memberships else "organiser"
            db.session.add(Membership(user=user, organisation=organisation, role=role))
    return user, created


# --- events -----------------------------------------------------------------


class EventError(ValueError):
    """The event data broke a rule; `field` names the form field, or None."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def local_to_aware(value: dt.datetime | None, timezone: str) -> dt.datetime | None:
    """A wall-clock time from a form in the event's zone; rejects times that do not exist."""
    if value is None:
        return None
    zone = ZoneInfo(timezone)
    aware = value.replace(tzinfo=zone)
    round_trip = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != value:
        raise EventError("nonexistent")
    return aware


def parse_speakers(text: str) -> list[dict[str, str]]:
    """'Name (Organisation); Name' -> [{'name': ..., 'affiliation': ...}, ...]."""
    speakers = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, _, rest = part.partition("(")
        speakers.append({"name": name.strip(), "affiliation": rest.rstrip(")").strip()})
    return speakers


def format_speakers(speakers: list[dict]) -> str:
    return "; ".join(
        f"{s['name']} ({s['affiliation']})" if s.get("affiliation") else s["name"]
        for s in speakers or []
    )


def unique_slug(title: str) -> str:
    base = slugify(title, max_length=100) or "veranstaltung"
    if base in RESERVED_SLUGS:
        base = f"{base}-1"
    slug, n = base, 1
    while db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


@writes
def save_event(data: dict, *, existing: Event | None) -> Event:
    """Create or update an event from workspace data (contract JSON shape).

    Goes through the same validation and upsert as `events import`, so the
    SEQUENCE rule (time, place, title, status) is the same everywhere.
    """
    if existing is not None:
        data = {**data, "slug": existing.slug, "status": existing.status}
    elif not data.get("slug"):
        data = {**data, "slug": unique_slug(data["title"])}
    elif db.session.scalar(select(Event.id).where(Event.slug == data["slug"])) is not None:
        raise EventError("slug_taken", "slug")
    try:
        record = EventRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        raise EventError(describe_errors(exc), field) from exc
    upsert_event(record)
    return db.session.scalar(select(Event).where(Event.slug == record.slug))


@writes
def set_status(event: Event, status: str) -> Event:
    """Publish, unpublish (draft) or cancel; a cancellation raises SEQUENCE."""
    if status not in ("draft", "published", "cancelled"):
        raise ValueError(status)
    event = db.session.get(Event, event.id, populate_existing=True, with_for_update=True)
    if event.status == status:
        return event
    was = event.status
    if was == "cancelled" or status == "cancelled" or was == "published":
        event.sequence += 1
    event.status = status
    if status == "cancelled" or (was == "cancelled" and status == "published"):
        # A cancellation, or the event is back on: attendees' calendars must follow.
        notify_attendees(event)
    return event


@writes
def duplicate_event(event: Event, *, days_later: int = 0) -> Event:
    """A draft copy (same hosts, agenda, texts) as the template for the next event."""
    data = event_to_dict(event)
    shift = dt.timedelta(days=days_later)

    def moved(value: str | None) -> str | None:
        return (dt.datetime.fromisoformat(value) + shift).isoformat() if value else None

    data.update(
        slug=unique_slug(event.title),
        status="draft",
        starts_at=moved(data["starts_at"]),
        ends_at=moved(data["ends_at"]),
        registration_closes_at=moved(data["registration_closes_at"]),
    )
    for item in data["agenda"]:
        item["starts_at"], item["ends_at"] = moved(item["starts_at"]), moved(item["ends_at"])
    record = EventRecord.model_validate(data)
    upsert_event(record)
    return db.session.scalar(select(Event).where(Event.slug == record.slug))


# --- invitations ------------------------------------------------------------

INVITATION_DAYS = 14


@writes
def invite(organisation: Organisation, email: str, role: str, invited_by: User) -> tuple[str, bool]:
    """Add an existing account at once, or create an invitation link (returned raw).

    Returns (token or "", added_directly).
    """
    email = email.strip().lower()
    if role not in MEMBERSHIP_ROLES:
        raise AccountError(role)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        exists_already = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
        if exists_already is None:
            db.session.add(Membership(user=user, organisation=organisation, role=role))
        return "", True
    token, token_hash = new_token()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by_id=invited_by.id,
        expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    queue_invitation(invitation, token, invited_by)
    return token, False


def open_invitation(token: str) -> Invitation | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None or invitation.accepted_at or invitation.expires_at <= utcnow():
        return None
    return invitation


@writes
def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    """Create the invited account. An address that has an account already is refused:
    the link is shown to the inviting owner too, and accepting it must never set the
    password of someone else's account."""
    exists = AccountError(
        _(
            "An account with this email address exists already. Log in with it; an "
            "owner of the organisation can then add you directly."
        )
    )
    if db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise exists
    user, created = create_user(email=invitation.email, password=password, name=name)
    if not created:  # committed since the check (PostgreSQL): roll the update back
        raise exists
    try:
        db.session.flush()  # created at the same moment elsewhere: the unique email refuses
    except IntegrityError as error:
        raise exists from error
    if (
        db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id,
                Membership.organisation_id == invitation.organisation_id,
            )
        )
        is None
    ):
        db.session.add(
            Membership(user=user, organisation_id=invitation.organisation_id, role=invitation.role)
        )
    invitation.accepted_at = utcnow()
    return user


@writes
def create_organisation(name: str, slug: str) -> Organisation:
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise AccountError("slug_taken")
    organisation = Organisation(name=name, slug=slug)
    db.session.add(organisation)
    return organisation


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None (same work either way: no timing hint)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user else _DUMMY_HASH
    if check_password_hash(stored, password) and user is not None:
        return user
    return None


_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


# --- password reset ---------------------------------------------------------

RESET_VALIDITY = dt.timedelta(hours=1)


@writes
def request_password_reset(email: str) -> None:
    """Mail a one-time link if the account exists; the same outward answer either way."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return
    token, token_hash = new_token()
    db.session.add(
        PasswordReset(user=user, token_hash=token_hash, expires_at=utcnow() + RESET_VALIDITY)
    )
    queue_password_reset(user, token)


def open_password_reset(token: str) -> PasswordReset | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


@writes
def reset_password(reset: PasswordReset, password: str) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    reset = db.session.get(PasswordReset, reset.id, populate_existing=True)
    if reset.used_at is not None:
        raise AccountError("used")
    reset.user.password_hash = generate_password_hash(password, method="scrypt")
    now = utcnow()
    # This link and every other open one for the account stop working.
    for other in db.session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None)
        )
    ):
        other.used_at = now
    return reset.user


@writes
def mail_attendee_list(event: Event, user: User, language: str) -> None:
    """The attendee list (CSV and XLSX attached) to the organiser who asked for it."""
    queue_attendee_list(event, to=user.email, to_name=user.name, language=language)
