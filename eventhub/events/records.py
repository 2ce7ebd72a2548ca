"""Event records: events as the contract's JSON (export, idempotent import by slug) and
the one path that writes an event from such a record (import, workspace, demo)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from eventhub import demo
from eventhub.database import write_transaction
from eventhub.events.notifications import queue_event_change
from eventhub.events.schema import EventRecord, describe_errors
from eventhub.events.seats import serve_waiting_list
from eventhub.events.signals import event_cancelled
from eventhub.extensions import db
from eventhub.models import (
    MANAGING_ROLES,
    AgendaItem,
    Event,
    EventHost,
    Organisation,
    Registration,
    Series,
    Topic,
)
from eventhub.models.base import utcnow
from eventhub.querying import event_load_options
from eventhub.text import slugify

# Changes to these fields must reach attendees' calendars (iCal SEQUENCE + 1).
CALENDAR_FIELDS = ("starts_at", "ends_at", "timezone", "venue", "online_url", "status", "title")


def local_iso(moment: dt.datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the offset of `timezone` (how the event JSON writes times)."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat() if moment else None


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event in the contract's JSON shape (times in the event's zone, with offset)."""
    tz = event.timezone
    return {
        "slug": event.slug,
        "title": event.title,
        "format": event.format,
        "starts_at": local_iso(event.starts_at, tz),
        "ends_at": local_iso(event.ends_at, tz),
        "timezone": tz,
        "capacity": event.capacity,
        "registration_closes_at": local_iso(event.registration_closes_at, tz),
        "status": event.status,
        "summary": event.summary,
        "description": event.description,
        "venue": {
            "name": event.venue_name,
            "street": event.venue_street,
            "postcode": event.venue_postcode,
            "city": event.venue_city,
            "region": event.region,
        },
        "online_url": event.online_url,
        "hosts": [host_to_dict(h) for h in event.hosts],
        "series": event.series.slug if event.series else None,
        "topics": [t.name for t in event.topics],
        "language": event.language,
        "contact": {
            "name": event.contact_name,
            "email": event.contact_email or None,
            "phone": event.contact_phone,
        },
        "agenda": [
            {
                "starts_at": local_iso(item.starts_at, tz),
                "ends_at": local_iso(item.ends_at, tz),
                "title": item.title,
                "kind": item.kind,
                "speakers": list(item.speakers or []),
            }
            for item in event.agenda
        ],
        "funding_note": event.funding_note,
        "notify_mode": event.notify_mode,
        "confirm_email": event.confirm_email,
        "waitlist": event.waitlist,
        "waitlist_fill": event.waitlist_fill,
        "offer_hours": event.offer_hours,
        "approval": event.approval,
        "hybrid": event.hybrid,
        "online_capacity": event.online_capacity,
        "reminder_offsets": list(event.reminder_offsets),
        "feedback": {
            "enabled": event.feedback_enabled,
            "audience": event.feedback_audience,
            "anonymous": event.feedback_anonymous,
            "questions": [
                {"label": q["label"], "choices": list(q.get("choices", []))}
                for q in event.feedback_questions or []
            ],
        },
        "certificate_mail": event.certificate_mail,
        "certificate_hours": event.certificate_minutes / 60 if event.certificate_minutes else None,
        "certificate_signatory": event.certificate_signatory,
        "certificate_signatory_role": event.certificate_signatory_role,
    }


def host_to_dict(host: EventHost) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": host.organisation.name,
        "slug": host.organisation.slug,
        "role": host.role,
    }
    if not host.accepted:
        data["pending"] = True
    return data


def export_events() -> list[dict[str, Any]]:
    events = db.session.scalars(
        select(Event).options(*event_load_options()).order_by(Event.starts_at, Event.slug)
    )
    return [event_to_dict(e) for e in events]


# A validated import record with a `slug` (events.schema.EventRecord, network.schema.ServiceRecord).
RecordT = TypeVar("RecordT", bound=BaseModel)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_records(
    records: Any, model: type[RecordT], *, plural: str, one: str
) -> tuple[list[tuple[int, RecordT]], list[tuple[int, str]]]:
    """Validate raw JSON records against `model`; returns the good ones and (index,
    reason) for the bad. `plural` and `one` name them in messages ("events", "an event")."""
    if not isinstance(records, list):
        return [], [(-1, f"the file must contain a JSON list of {plural}")]
    good: list[tuple[int, RecordT]] = []
    bad: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            bad.append((index, f"{one} must be a JSON object"))
            continue
        try:
            record = model.model_validate(raw)
        except ValidationError as exc:
            bad.append((index, describe_errors(exc)))
            continue
        if record.slug in seen:
            bad.append((index, f"slug '{record.slug}' appears twice in the file"))
            continue
        seen.add(record.slug)
        good.append((index, record))
    return good, bad


def import_records(
    good: list[tuple[int, RecordT]],
    errors: list[tuple[int, str]],
    upsert: Callable[[RecordT], str],
    refusals: tuple[type[Exception], ...] = (),
) -> ImportReport:
    """Apply validated records by slug, each in its own savepoint: one the database (or
    the upsert, raising one of `refusals`) refuses is reported with its index and the
    others are still imported."""
    report = ImportReport(errors=errors)
    with write_transaction() as session:
        for index, record in good:
            try:
                with session.begin_nested():
                    outcome = upsert(record)
            except refusals as exc:
                report.errors.append((index, str(exc)))
                continue
            except (IntegrityError, DataError, OverflowError) as exc:
                report.errors.append((index, f"refused by the database: {exc.__class__.__name__}"))
                continue
            getattr(report, outcome).append(record.slug)
    report.errors.sort()
    return report


def import_events(records: Any) -> ImportReport:
    """Create or update events by slug; a second import of the same file changes nothing."""
    good, errors = parse_records(records, EventRecord, plural="events", one="an event")
    return import_records(good, errors, upsert_event)


def _normalised(record: EventRecord) -> dict[str, Any]:
    """The record as export would print it, to tell a real change from a re-import."""
    data = record.model_dump(mode="python")
    tz = record.timezone
    for key in ("starts_at", "ends_at", "registration_closes_at"):
        data[key] = local_iso(data[key], tz)
    for item in data["agenda"]:
        item["starts_at"] = local_iso(item["starts_at"], tz)
        item["ends_at"] = local_iso(item["ends_at"], tz)
    data["online_url"] = str(record.online_url) if record.online_url else None
    data["contact"]["email"] = record.contact.email or None
    data["topics"] = unique_topics(data["topics"])
    return data


def unique_topics(names: list[str]) -> list[str]:
    """One name per topic slug, the first spelling wins ("Integration", "integration")."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(slugify(name) or "topic", name)
    return list(seen.values())


def _comparable(data: dict[str, Any], *, consent_from_record: bool = True) -> dict[str, Any]:
    """What counts as a change: topics and hosts by slug (names live on shared rows), and
    the hosts' pending flags when the record decides them (an import)."""
    data = dict(data)
    data.pop("series_title", None)  # only used when the series is created
    data["topics"] = sorted(slugify(name) or "topic" for name in data["topics"])
    data["hosts"] = [
        (h["slug"], h["role"], bool(h.get("pending")) if consent_from_record else None)
        for h in data["hosts"]
    ]
    return data


def upsert_event(record: EventRecord, *, member_of: frozenset[int] | None = None) -> str:
    """Apply one record; returns 'created', 'updated' or 'unchanged'. Does not commit.

    `member_of` None: a trusted writer (`events import`, the demo): every host link is
    accepted unless the record marks it `pending`. Otherwise the organisations the editor
    belongs to: links to them are accepted at once, links to others wait for an owner of
    that organisation (eventhub.manage.host_requests), see `_replace_hosts`.
    """
    event = db.session.scalar(
        select(Event)
        .options(*event_load_options())
        .where(Event.slug == record.slug)
        .with_for_update(of=Event)
    )
    new = _normalised(record)
    if event is None:
        event = Event(slug=record.slug, sequence=0, confirmed_count=0)
        db.session.add(event)
        outcome = "created"
        before = None
    else:
        before = event_to_dict(event)
        trusted = member_of is None
        if _comparable(before, consent_from_record=trusted) == _comparable(
            new, consent_from_record=trusted
        ):
            return "unchanged"
        outcome = "updated"

    event.title = record.title
    event.format = record.format
    event.starts_at = record.starts_at
    event.ends_at = record.ends_at
    event.timezone = record.timezone
    event.capacity = record.capacity
    event.registration_closes_at = record.registration_closes_at
    event.status = record.status
    event.summary = record.summary
    event.description = record.description
    event.language = record.language
    event.funding_note = record.funding_note
    event.notify_mode = record.notify_mode
    event.confirm_email = record.confirm_email
    event.waitlist = record.waitlist
    event.waitlist_fill = record.waitlist_fill
    event.offer_hours = record.offer_hours
    event.approval = record.approval
    event.hybrid = record.hybrid
    event.online_capacity = record.online_capacity
    event.reminder_offsets = list(record.reminder_offsets)
    event.feedback_enabled = record.feedback.enabled
    event.feedback_audience = record.feedback.audience
    event.feedback_anonymous = record.feedback.anonymous
    event.feedback_questions = [q.model_dump() for q in record.feedback.questions]
    event.certificate_mail = record.certificate_mail
    event.certificate_minutes = (
        round(record.certificate_hours * 60) if record.certificate_hours else None
    )
    event.certificate_signatory = record.certificate_signatory
    event.certificate_signatory_role = record.certificate_signatory_role
    event.venue_name = record.venue.name
    event.venue_street = record.venue.street
    event.venue_postcode = record.venue.postcode
    event.venue_city = record.venue.city
    event.region = record.venue.region
    event.online_url = new["online_url"]
    event.contact_name = record.contact.name
    event.contact_email = record.contact.email or ""
    event.contact_phone = record.contact.phone
    event.series = _series(record.series, record.series_title)
    event.topics = [_topic(name) for name in unique_topics(record.topics)]
    _replace_hosts(event, record, member_of)
    event.agenda = [
        AgendaItem(
            position=pos,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            title=item.title,
            kind=item.kind,
            speakers=[s.model_dump() for s in item.speakers],
        )
        for pos, item in enumerate(record.agenda)
    ]
    refresh_event_search_text(event)
    db.session.flush()
    if before is not None and _calendar_changed(before, new):
        event.sequence += 1
        notify_attendees(event)
    if before is not None:
        # More seats, or told to fill: the list moves up (after the update above, so the
        # people served get one confirmation with the event as it now is).
        serve_waiting_list(event.id)
    return outcome


def notify_attendees(event: Event) -> int:
    """An updated invitation (or a cancellation) to every confirmed attendee; returns how many.
    A cancelled event's one-to-one meetings are called off too (`events.signals`).

    Written in the caller's transaction, like every mail.
    """
    attendees = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.status == "confirmed"
        )
    ).all()
    for registration in attendees:
        queue_event_change(event, registration)
    if event.status == "cancelled":
        # Its one-to-one meetings are called off too (network area, same transaction).
        event_cancelled.send(current_app._get_current_object(), event_id=event.id)
    return len(attendees)


def _calendar_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    old, new = _comparable(before), _comparable(after)
    return any(old[key] != new[key] for key in CALENDAR_FIELDS)


def _series(slug: str | None, title: str | None = None) -> Series | None:
    if slug is None:
        return None
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        series = Series(slug=slug, title=title or slug.replace("-", " ").title(), description="")
        db.session.add(series)
    return series


def _topic(name: str) -> Topic:
    slug = slugify(name) or "topic"
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        topic = Topic(slug=slug, name=name)
        db.session.add(topic)
        db.session.flush()
    return topic


def _organisation(slug: str, name: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        organisation = Organisation(slug=slug, name=name)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _replace_hosts(event: Event, record: EventRecord, member_of: frozenset[int] | None) -> None:
    """Make the event's links those of the record, keeping each organisation's consent.

    Links are updated in place, so an accepted co-host stays accepted when the event is
    edited. A link needs (new) consent when it is new or moves from partner/funder to a
    role that manages the event, unless the writer is trusted or belongs to it.
    """
    current = {h.organisation.slug: h for h in event.hosts}
    wanted = {h.slug for h in record.hosts}
    for link in list(event.hosts):
        if link.organisation.slug not in wanted:
            event.hosts.remove(link)
    db.session.flush()
    now = utcnow()
    for position, host in enumerate(record.hosts):
        link = current.get(host.slug)
        if link is None:
            link = EventHost(organisation=_organisation(host.slug, host.name), role=host.role)
            event.hosts.append(link)
            consent_kept = False
        else:
            gains_access = host.role in MANAGING_ROLES and link.role not in MANAGING_ROLES
            consent_kept = link.accepted and not gains_access
        link.position = position
        link.role = host.role
        if member_of is None:
            accepted = not host.pending
        else:
            accepted = consent_kept or link.organisation.id in member_of
        if not accepted:
            link.accepted_at = None
        elif link.accepted_at is None:
            link.accepted_at = now
    event.hosts.sort(key=lambda h: h.position)


def refresh_event_search_text(event: Event) -> None:
    parts = [
        event.title,
        event.summary,
        event.venue_name,
        event.venue_city,
        event.region,
        *(h.organisation.name for h in event.public_hosts),
        *(t.name for t in event.topics),
    ]
    event.search_text = " ".join(p for p in parts if p).casefold()


def load_demo(today: dt.date) -> ImportReport:
    """The seed events, hosts and series, dated around `today`; safe to run again."""
    with write_transaction():
        report = _load_demo(today)
    if report.errors:
        raise ValueError(f"demo data is invalid: {report.errors}")
    return report


def _load_demo(today: dt.date) -> ImportReport:
    for data in demo.demo_organisations():
        organisation = _organisation(data["slug"], data["name"])
        organisation.name = data["name"]
        # The profile fields only fill gaps: what a member wrote in the workspace
        # survives `flask demo` run again.
        if organisation.kind == "other":
            organisation.kind = data.get("kind") or "other"
        if not organisation.website:
            organisation.website = data.get("website")
        if not organisation.region:
            organisation.region = data.get("region", "")
        if not organisation.description:
            organisation.description = data.get("description", "")
    for data in demo.demo_series():
        series = _series(data["slug"])
        series.title = data["title"]
        series.description = data.get("description", "")
    db.session.flush()
    return import_events(demo.demo_events(today))
