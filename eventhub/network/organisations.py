"""Organisation profiles: what the public sees of an organisation, and editing or hiding it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import ORGANISATION_KINDS, Event, EventHost, Organisation, ServiceEntry
from eventhub.models.base import utcnow
from eventhub.public_events import ORGANISATIONS_WITH_PUBLIC_EVENTS
from eventhub.querying import event_load_options
from eventhub.text import has_control_characters, single_line

# Roles in which an organisation's events are "its" events on the profile (a funder pays
# for an event, it does not run it).
PROFILE_EVENT_ROLES = ("host", "cohost", "partner")
# Upcoming events shown on a profile; the rest are one click away in the catalogue.
PROFILE_EVENT_LIMIT = 20

MAX_NAME_LENGTH = 200
MAX_REGION_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 5000
MAX_WEBSITE_LENGTH = 300


# An organisation has a public profile once something of it is public: an event it
# agreed to be named on, a visible service entry, or a profile a member filled in. One
# that only exists in the workspace (created, drafts only, named without consent yet)
# answers 404 like an unknown slug, so its existence is not told to anyone guessing slugs.
HAS_PUBLISHED_SOMETHING = or_(
    Organisation.description != "",
    Organisation.region != "",
    ORGANISATIONS_WITH_PUBLIC_EVENTS,
    exists().where(
        ServiceEntry.organisation_id == Organisation.id, ServiceEntry.hidden_at.is_(None)
    ),
)


class ProfileError(ValueError):
    """A profile value that cannot be stored; the argument names the field and the reason
    ("website:invalid", "region:too_long", ...)."""


@dataclass(frozen=True)
class Profile:
    """Everything the public profile page shows."""

    organisation: Organisation
    services: list[ServiceEntry]
    events: list[Event]
    more_events: bool


def website_problem(value: str) -> str | None:
    """Why `value` is no usable website address ("invalid", "too_long"), or None."""
    if len(value) > MAX_WEBSITE_LENGTH:
        return "too_long"
    if any(ch.isspace() for ch in value) or has_control_characters(value):
        return "invalid"
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        return "invalid"
    if parts.scheme not in ("http", "https") or not hostname or "." not in hostname:
        return "invalid"
    return None


def public_profile(slug: str) -> Profile | None:
    """The profile of the organisation with that slug, if it has published something
    (HAS_PUBLISHED_SOMETHING) and no site admin hid it.

    Three queries whatever the organisation offers: the organisation, its visible service
    entries (with their tags), its upcoming events (with their eager loads).
    """
    organisation = db.session.scalar(
        select(Organisation).where(
            Organisation.slug == slug,
            Organisation.profile_hidden_at.is_(None),
            HAS_PUBLISHED_SOMETHING,
        )
    )
    if organisation is None:
        return None
    events = upcoming_events(organisation.id, limit=PROFILE_EVENT_LIMIT + 1)
    return Profile(
        organisation=organisation,
        services=visible_services(organisation.id),
        events=events[:PROFILE_EVENT_LIMIT],
        more_events=len(events) > PROFILE_EVENT_LIMIT,
    )


def profile_is_public(organisation_id: int) -> bool:
    """Whether /organisations/<slug> shows this organisation (for the workspace's hint)."""
    return (
        db.session.scalar(
            select(Organisation.id).where(
                Organisation.id == organisation_id,
                Organisation.profile_hidden_at.is_(None),
                HAS_PUBLISHED_SOMETHING,
            )
        )
        is not None
    )


def visible_services(organisation_id: int) -> list[ServiceEntry]:
    """The organisation's service entries that no site admin hid, by title."""
    return list(
        db.session.scalars(
            select(ServiceEntry)
            .options(selectinload(ServiceEntry.tags))
            .where(
                ServiceEntry.organisation_id == organisation_id, ServiceEntry.hidden_at.is_(None)
            )
            .order_by(ServiceEntry.title, ServiceEntry.id)
        )
    )


def upcoming_events(organisation_id: int, *, limit: int) -> list[Event]:
    """Published events not yet over that the organisation hosts, co-hosts or is a partner
    of, having agreed to be named (a pending link is not its event)."""
    return list(
        db.session.scalars(
            select(Event)
            .options(*event_load_options(agenda=False))
            .where(
                Event.status == "published",
                Event.ends_at > utcnow(),
                exists().where(
                    EventHost.event_id == Event.id,
                    EventHost.organisation_id == organisation_id,
                    EventHost.role.in_(PROFILE_EVENT_ROLES),
                    EventHost.accepted_at.is_not(None),
                ),
            )
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def _checked_text(field: str, value: str, max_length: int, *, one_line: bool) -> str:
    value = single_line(value) if one_line else value.strip()
    if len(value) > max_length:
        raise ProfileError(f"{field}:too_long")
    if has_control_characters(value):
        raise ProfileError(f"{field}:invalid")
    return value


def update_profile(
    organisation_id: int,
    *,
    name: str | None = None,
    kind: str,
    region: str,
    description: str,
    website: str | None,
) -> Organisation:
    """Store the public profile; `name=None` keeps the name (members do not rename)."""
    if kind not in ORGANISATION_KINDS:
        raise ProfileError("kind:invalid")
    values = {
        "kind": kind,
        "region": _checked_text("region", region, MAX_REGION_LENGTH, one_line=True),
        "description": _checked_text(
            "description", description, MAX_DESCRIPTION_LENGTH, one_line=False
        ),
    }
    if name is not None:
        values["name"] = _checked_text("name", name, MAX_NAME_LENGTH, one_line=True)
        if not values["name"]:
            raise ProfileError("name:missing")
    website = (website or "").strip()
    if website and (problem := website_problem(website)):
        raise ProfileError(f"website:{problem}")
    values["website"] = website or None
    with write_transaction() as session:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise LookupError(organisation_id)
        for attribute, value in values.items():
            setattr(organisation, attribute, value)
    return organisation


def set_profile_hidden(organisation_id: int, hidden: bool) -> Organisation:
    """Hide the profile from the public (or show it again); its events stay public.

    Hiding an already hidden profile keeps the first time it was hidden."""
    with write_transaction() as session:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise LookupError(organisation_id)
        if not hidden:
            organisation.profile_hidden_at = None
        elif organisation.profile_hidden_at is None:
            organisation.profile_hidden_at = utcnow()
    return organisation
