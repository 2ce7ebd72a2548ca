"""Editing events in the workspace: save, publish, unpublish, cancel, duplicate.

Every change goes through the same validation and upsert as `events import`
(eventhub.events.records), so the SEQUENCE rule (time, place, title, status) is one rule.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select

from eventhub.database import write_transaction
from eventhub.events.records import event_to_dict, notify_attendees, upsert_event
from eventhub.events.schema import RESERVED_SLUGS, EventRecord, describe_errors
from eventhub.extensions import db
from eventhub.manage.host_requests import queue_new_host_requests
from eventhub.models import ACTIVE_STATUSES, EVENT_STATUSES, Event, Membership, Registration, User
from eventhub.querying import event_load_options
from eventhub.text import slugify

MAX_SLUG_LENGTH = 120


class EventError(ValueError):
    """The event data broke a rule; `field` names the form field, or None."""

    def __init__(self, message: str, field: str | None = None, suggestion: str | None = None):
        super().__init__(message)
        self.field = field
        self.suggestion = suggestion


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


def slug_available(slug: str) -> bool:
    """Free for a new event: not a reserved word and no event (public or draft) has it."""
    if slug in RESERVED_SLUGS:
        return False
    return db.session.scalar(select(Event.id).where(Event.slug == slug)) is None


def free_variant(slug: str) -> str:
    """The first free `slug-2`, `slug-3`, ... (within the slug's length limit)."""
    n = 1
    while True:
        n += 1
        suffix = f"-{n}"
        candidate = slug[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        if slug_available(candidate):
            return candidate


def unique_slug(title: str) -> str:
    base = slugify(title, max_length=100) or "veranstaltung"
    return base if slug_available(base) else free_variant(base)


def _event(slug: str) -> Event:
    return db.session.scalar(select(Event).options(*event_load_options()).where(Event.slug == slug))


def _member_of(user_id: int) -> frozenset[int] | None:
    """The organisations whose links this editor may make without asking them; None for a
    site admin (an operator, trusted like `events import`)."""
    user = db.session.get(User, user_id)
    if user is None:
        return frozenset()
    if user.is_admin:
        return None
    return frozenset(
        db.session.scalars(select(Membership.organisation_id).where(Membership.user_id == user_id))
    )


def _upsert_as(record: EventRecord, editor_id: int) -> Event:
    """upsert_event with the editor's consent rules; owners of organisations named
    without consent are asked by mail (in the same transaction)."""
    event = _event(record.slug)
    pending_before = {
        (h.organisation_id, h.role) for h in (event.hosts if event else []) if not h.accepted
    }
    upsert_event(record, member_of=_member_of(editor_id))
    event = _event(record.slug)
    queue_new_host_requests(
        [
            h
            for h in event.hosts
            if not h.accepted and (h.organisation_id, h.role) not in pending_before
        ]
    )
    return event


def _attending_online(event_id: int) -> bool:
    return (
        db.session.scalar(
            select(Registration.id)
            .where(
                Registration.event_id == event_id,
                Registration.attendance == "online",
                Registration.status.in_(ACTIVE_STATUSES),
            )
            .limit(1)
        )
        is not None
    )


def save_event(data: dict, *, existing_slug: str | None, editor_id: int) -> Event:
    """Create (existing_slug None) or update an event from workspace data (contract JSON)."""
    with write_transaction() as session:
        if existing_slug is not None:
            existing = session.scalar(select(Event).where(Event.slug == existing_slug))
            data = {**data, "slug": existing.slug, "status": existing.status}
            if existing.hybrid and not data.get("hybrid") and _attending_online(existing.id):
                # Their seats would vanish with the online pool (and their invitations
                # carry the online link): cancel them first, each is told.
                raise EventError("online_in_use", "hybrid")
        elif not data.get("slug"):
            data = {**data, "slug": unique_slug(data["title"])}
        elif not slug_available(data["slug"]):
            # One answer whether a public event, another organisation's draft or a
            # reserved word holds the address: whose it is, or that a draft exists,
            # is nobody else's business.
            raise EventError("slug_unavailable", "slug", free_variant(data["slug"]))
        try:
            record = EventRecord.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else None
            raise EventError(describe_errors(exc), field) from exc
        return _upsert_as(record, editor_id)


class _PreviewDrawn(Exception):  # not an error: carries the drawn page out
    """Leaves the preview's transaction with the page, so that it is rolled back."""

    def __init__(self, page: str):
        super().__init__("preview")
        self.page = page


def preview_event(
    data: dict, *, existing_slug: str | None, editor_id: int, draw: Callable[[Event], str]
) -> str:
    """The page `draw` makes of the event as the data would make it, without saving:
    the data go through the one record path (upsert_event), the page is drawn inside the
    transaction and the transaction is rolled back. A new event gets a throw-away address
    so an existing event of that address is never touched."""
    slug = existing_slug or f"preview-{secrets.token_hex(8)}"
    try:
        with write_transaction() as session:
            existing = session.scalar(select(Event).where(Event.slug == slug))
            status = existing.status if existing else "draft"
            try:
                record = EventRecord.model_validate({**data, "slug": slug, "status": status})
            except ValidationError as exc:
                first = exc.errors()[0]
                field = str(first["loc"][0]) if first["loc"] else None
                raise EventError(describe_errors(exc), field) from exc
            upsert_event(record, member_of=_member_of(editor_id))
            session.flush()
            raise _PreviewDrawn(draw(_event(slug)))
    except _PreviewDrawn as drawn:
        return drawn.page


def set_status(event_id: int, status: str) -> Event:
    """Publish, unpublish (draft) or cancel; a cancellation raises SEQUENCE."""
    if status not in EVENT_STATUSES:
        raise ValueError(status)
    with write_transaction() as session:
        event = session.get(Event, event_id, populate_existing=True, with_for_update=True)
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


def duplicate_event(event_id: int, *, editor_id: int, days_later: int = 0) -> Event:
    """A draft copy (same hosts, agenda, texts) as the template for the next event.

    Consent is per event: other organisations are asked again for the copy.
    """
    shift = dt.timedelta(days=days_later)

    def moved(value: str | None) -> str | None:
        return (dt.datetime.fromisoformat(value) + shift).isoformat() if value else None

    with write_transaction() as session:
        event = session.scalar(
            select(Event).options(*event_load_options()).where(Event.id == event_id)
        )
        data = event_to_dict(event)
        data.update(
            slug=unique_slug(event.title),
            status="draft",
            starts_at=moved(data["starts_at"]),
            ends_at=moved(data["ends_at"]),
            registration_closes_at=moved(data["registration_closes_at"]),
        )
        for item in data["agenda"]:
            item["starts_at"], item["ends_at"] = moved(item["starts_at"]), moved(item["ends_at"])
        for host in data["hosts"]:
            host.pop("pending", None)
        record = EventRecord.model_validate(data)
        return _upsert_as(record, editor_id)
