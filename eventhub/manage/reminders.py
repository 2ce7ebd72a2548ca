"""Reminders before an event: which one is due, and who gets it (each person once)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, or_, select

from eventhub.events.notifications import reminder_row
from eventhub.extensions import db
from eventhub.models import Event, Meeting, Registration, ReminderSend
from eventhub.tokens import new_token


def reminder_moment(event: Event, offset: int) -> dt.datetime:
    """When a reminder is due: whole days back on the event's local clock (two days
    before a 10:00 start is 10:00, across a change to or from summer time), the rest in
    minutes."""
    days, minutes = divmod(offset, 24 * 60)
    local = event.starts_at.astimezone(event.tz)
    wall = local.replace(tzinfo=None) - dt.timedelta(days=days)
    return wall.replace(tzinfo=event.tz).astimezone(dt.UTC) - dt.timedelta(minutes=minutes)


def due_offset(event: Event, now: dt.datetime) -> int | None:
    """The latest reminder whose moment has passed, while the event has not started.

    Only that one: an earlier reminder that was missed (the scheduler was down, or the
    settings changed late) is not sent any more next to the one due now."""
    if now >= event.starts_at:
        return None
    passed = [m for m in event.reminder_offsets or () if reminder_moment(event, m) <= now]
    return min(passed) if passed else None


def queue_reminders(event: Event, now: dt.datetime, *, limit: int | None = None) -> int:
    """Write the due reminder for every confirmed person registered before its moment
    who has not had it, each with its send row, in the caller's transaction (which holds
    the event's row lock; the unique send row is the backstop), at most `limit` of them.
    Returns how many."""
    offset = due_offset(event, now) if event.status == "published" else None
    if offset is None:
        return 0
    registrations = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            Registration.created_at <= reminder_moment(event, offset),
            ~exists().where(
                ReminderSend.registration_id == Registration.id,
                ReminderSend.offset_minutes == offset,
            ),
        )
        .order_by(Registration.id)
        .limit(limit)
    ).all()
    if not registrations:
        return 0
    meetings = _meetings_by_person(event.id, {r.id for r in registrations})
    for registration in registrations:
        token, registration.resent_token_hash = new_token()
        db.session.add(
            reminder_row(event, registration, token, meetings=meetings.get(registration.id, []))
        )
        db.session.add(
            ReminderSend(registration_id=registration.id, offset_minutes=offset, sent_at=now)
        )
    return len(registrations)


def _meetings_by_person(event_id: int, ids: set[int]) -> dict[int, list[tuple]]:
    """Each person's placed, accepted meetings: (start, end, partner's name, table)."""
    found: dict[int, list[tuple]] = {}
    rows = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.event_id == event_id,
            Meeting.status == "accepted",
            Meeting.slot_start.is_not(None),
            or_(Meeting.requester_id.in_(ids), Meeting.partner_id.in_(ids)),
        )
        .order_by(Meeting.slot_start)
    ).all()
    for meeting in rows:
        table = meeting.table.name if meeting.table else ""
        for me, other in (
            (meeting.requester, meeting.partner),
            (meeting.partner, meeting.requester),
        ):
            if me.id in ids:
                found.setdefault(me.id, []).append(
                    (meeting.slot_start, meeting.slot_end, other.full_name, table)
                )
    return found
