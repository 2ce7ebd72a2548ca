"""Between the event form and the contract-JSON shape the services take."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from eventhub.events.forms import options
from eventhub.extensions import db
from eventhub.manage.event_editing import (
    EventError,
    format_speakers,
    local_to_aware,
    parse_speakers,
)
from eventhub.manage.forms import (
    AGENDA_MAX,
    BLANK_ROWS,
    NEW_SERIES,
    EventForm,
    format_feedback_questions,
    format_reminder_hours,
    parse_feedback_questions,
    parse_reminder_hours,
)
from eventhub.models import (
    OFFER_HOURS_DEFAULT,
    Event,
    EventHost,
    Organisation,
    Series,
    Topic,
    event_topics,
)
from eventhub.public_events import PUBLIC_STATUSES
from eventhub.text import slugify


def prepare_event_form(form: EventForm, organisations: list[Organisation], event=None) -> None:
    """Choices for the selects and enough empty rows for hosts and agenda."""
    form.host_organisation.choices = options((o.id, o.name) for o in organisations)
    others = options(
        [("", "—")]
        + [
            (o.slug, o.name)
            for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
        ]
    )
    series, topics = _known_series_and_topics([o.id for o in organisations])
    form.series.choices = options(
        [("", _("None"))] + [(s.slug, s.title) for s in series] + [(NEW_SERIES, _("New series…"))]
    )
    names = [t.name for t in topics]
    if event is not None:
        names += [t.name for t in event.topics if t.name not in names]
    names += [n for n in (form.topics.data or []) if n and n not in names]
    form.topics.choices = options((name, name) for name in names)
    if not form.is_submitted():
        existing_hosts = len(event.hosts) - 1 if event else 0
        existing_items = len(event.agenda) if event else 0
        for _row in range(max(existing_hosts, 0) + BLANK_ROWS):
            form.hosts.append_entry()
        for _row in range(existing_items + 1):
            form.agenda.append_entry()
    for entry in form.hosts:
        entry.form.organisation.choices = others


def _known_series_and_topics(organisation_ids: list[int]) -> tuple[list[Series], list[Topic]]:
    """Series and topics of public events and of the editor's own events (others'
    drafts are nobody else's business)."""
    visible = or_(
        Event.status.in_(PUBLIC_STATUSES),
        exists().where(
            EventHost.event_id == Event.id, EventHost.organisation_id.in_(organisation_ids)
        ),
    )
    series = db.session.scalars(
        select(Series)
        .where(exists().where(Event.series_id == Series.id, visible))
        .order_by(Series.title)
    ).all()
    topics = db.session.scalars(
        select(Topic)
        .where(
            exists().where(
                event_topics.c.topic_id == Topic.id, event_topics.c.event_id == Event.id, visible
            )
        )
        .order_by(Topic.name)
    ).all()
    return list(series), list(topics)


def change_agenda_rows(form: EventForm, submitted) -> str | None:
    """The agenda's "add" and "remove" buttons: change the rows, save nothing. Returns
    "added" or "removed", or None when the request was neither."""
    if "agenda_add" in submitted:
        if len(form.agenda) < AGENDA_MAX:
            form.agenda.append_entry()
        return "added"
    remove = submitted.get("agenda_remove")
    if remove is not None:
        form.agenda.entries = [e for e in form.agenda.entries if e.name != remove]
        if not form.agenda.entries:
            form.agenda.append_entry()
        return "removed"
    return None


def fill_event_form(form: EventForm, event: Event) -> None:
    tz = event.tz
    mine = {choice.value for choice in form.host_organisation.choices}
    primary = next((h for h in event.hosts if h.role == "host" and h.organisation_id in mine), None)
    if primary is not None:
        form.host_organisation.data = primary.organisation_id
    form.title.data = event.title
    form.slug.data = event.slug
    form.format.data = event.format
    form.timezone.data = event.timezone
    form.starts_at.data = event.starts_at.astimezone(tz).replace(tzinfo=None)
    form.ends_at.data = event.ends_at.astimezone(tz).replace(tzinfo=None)
    form.capacity.data = event.capacity
    if event.registration_closes_at:
        form.registration_closes_at.data = event.registration_closes_at.astimezone(tz).replace(
            tzinfo=None
        )
    form.summary.data = event.summary
    form.description.data = event.description
    form.venue_name.data = event.venue_name
    form.venue_street.data = event.venue_street
    form.venue_postcode.data = event.venue_postcode
    form.venue_city.data = event.venue_city
    form.region.data = event.region
    form.online_url.data = event.online_url
    form.series.data = event.series.slug if event.series else ""
    form.topics.data = [t.name for t in event.topics]
    form.language.data = event.language
    form.contact_name.data = event.contact_name
    form.contact_email.data = event.contact_email
    form.contact_phone.data = event.contact_phone
    form.funding_note.data = event.funding_note
    form.notify_mode.data = event.notify_mode
    form.confirm_email.data = event.confirm_email
    form.waitlist.data = event.waitlist
    form.waitlist_fill.data = event.waitlist_fill
    form.offer_hours.data = event.offer_hours
    form.approval.data = event.approval
    form.hybrid.data = event.hybrid
    form.online_capacity.data = event.online_capacity
    form.reminders.data = format_reminder_hours(event.reminder_offsets)
    form.feedback_enabled.data = event.feedback_enabled
    form.feedback_audience.data = event.feedback_audience
    form.feedback_named.data = not event.feedback_anonymous
    form.feedback_questions.data = format_feedback_questions(event.feedback_questions or [])
    form.certificate_mail.data = event.certificate_mail
    form.certificate_hours.data = (
        Decimal(event.certificate_minutes) / 60 if event.certificate_minutes else None
    )
    form.certificate_signatory.data = event.certificate_signatory
    form.certificate_signatory_role.data = event.certificate_signatory_role
    others = [h for h in event.hosts if h is not primary]
    for entry, host in zip(form.hosts, others, strict=False):
        entry.form.organisation.data = host.organisation.slug
        entry.form.role.data = host.role
    for entry, item in zip(form.agenda, event.agenda, strict=False):
        entry.form.starts_at.data = item.starts_at.astimezone(tz).time() if item.starts_at else None
        entry.form.ends_at.data = item.ends_at.astimezone(tz).time() if item.ends_at else None
        entry.form.title.data = item.title
        entry.form.kind.data = item.kind
        entry.form.speakers.data = format_speakers(item.speakers)


def _aware(value: dt.datetime | None, timezone: str, field: str) -> str | None:
    try:
        moment = local_to_aware(value, timezone)
    except EventError as exc:
        raise EventError(str(exc), field) from exc
    return moment.isoformat() if moment else None


def _series_fields(form: EventForm) -> dict:
    if form.series.data == NEW_SERIES:
        title = " ".join((form.new_series.data or "").split())
        return {"series": slugify(title), "series_title": title}
    return {"series": form.series.data or None}


def _new_topics(text: str) -> list[str]:
    return [" ".join(t.split()) for t in text.split(",") if t.strip()]


def event_data_from_form(form: EventForm, existing: Event | None) -> dict:
    """The form as an event record (contract JSON) for save_event."""
    tz = form.timezone.data
    primary = db.session.get(Organisation, form.host_organisation.data)
    if primary is None:
        raise EventError("host", "host_organisation")
    hosts = [{"name": primary.name, "slug": primary.slug, "role": "host"}]
    chosen = {primary.slug}
    slugs = [e.form.organisation.data for e in form.hosts if e.form.organisation.data]
    names = dict(
        db.session.execute(
            select(Organisation.slug, Organisation.name).where(Organisation.slug.in_(slugs))
        ).all()
    )
    for entry in form.hosts:
        slug = entry.form.organisation.data
        if slug and slug in names and slug not in chosen:
            chosen.add(slug)
            hosts.append({"name": names[slug], "slug": slug, "role": entry.form.role.data})
    day = form.starts_at.data.date()
    agenda = []
    for index, entry in enumerate(form.agenda):
        item = entry.form
        if not (item.title.data or "").strip():
            continue
        start = dt.datetime.combine(day, item.starts_at.data) if item.starts_at.data else None
        end = dt.datetime.combine(day, item.ends_at.data) if item.ends_at.data else None
        agenda.append(
            {
                "starts_at": _aware(start, tz, f"agenda-{index}"),
                "ends_at": _aware(end, tz, f"agenda-{index}"),
                "title": item.title.data.strip(),
                "kind": item.kind.data,
                "speakers": parse_speakers(item.speakers.data or ""),
            }
        )
    return {
        "slug": (form.slug.data or "").strip() or None,
        "title": form.title.data,
        "format": form.format.data,
        "starts_at": _aware(form.starts_at.data, tz, "starts_at"),
        "ends_at": _aware(form.ends_at.data, tz, "ends_at"),
        "timezone": tz,
        "capacity": form.capacity.data,
        "registration_closes_at": _aware(
            form.registration_closes_at.data, tz, "registration_closes_at"
        ),
        "status": existing.status if existing else "draft",
        "summary": form.summary.data or "",
        "description": form.description.data or "",
        "venue": {
            "name": form.venue_name.data or "",
            "street": form.venue_street.data or "",
            "postcode": form.venue_postcode.data or "",
            "city": form.venue_city.data or "",
            "region": form.region.data or "",
        },
        "online_url": form.online_url.data or None,
        "hosts": hosts,
        **_series_fields(form),
        "topics": [*(form.topics.data or []), *_new_topics(form.new_topics.data or "")],
        "language": form.language.data,
        "contact": {
            "name": form.contact_name.data or "",
            "email": form.contact_email.data or None,
            "phone": form.contact_phone.data or "",
        },
        "agenda": agenda,
        "funding_note": form.funding_note.data or "",
        "notify_mode": form.notify_mode.data,
        "confirm_email": bool(form.confirm_email.data),
        "waitlist": form.waitlist.data,
        "waitlist_fill": bool(form.waitlist_fill.data),
        "offer_hours": form.offer_hours.data or OFFER_HOURS_DEFAULT,
        "approval": bool(form.approval.data),
        "hybrid": bool(form.hybrid.data),
        "online_capacity": form.online_capacity.data if form.hybrid.data else None,
        "reminder_offsets": [hours * 60 for hours in parse_reminder_hours(form.reminders.data)],
        "feedback": {
            "enabled": bool(form.feedback_enabled.data),
            "audience": form.feedback_audience.data or "checked_in",
            "anonymous": not form.feedback_named.data,
            "questions": parse_feedback_questions(form.feedback_questions.data),
        },
        "certificate_mail": bool(form.certificate_mail.data),
        "certificate_hours": float(form.certificate_hours.data)
        if form.certificate_hours.data
        else None,
        "certificate_signatory": form.certificate_signatory.data or "",
        "certificate_signatory_role": form.certificate_signatory_role.data or "",
    }
