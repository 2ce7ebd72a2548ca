"""Reminders before an event: which one is due, and who gets it (each person once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select, update

from eventhub.events.notifications import reminder_row
from eventhub.extensions import db
from eventhub.models import Event, Meeting, OutboxMessage, Registration, ReminderSend
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


@dataclass
class ComposedReminders:
    """Reminders built for one due offset, not yet written: (registration id, hash of
    the fresh private link's token, the outbox row) per person."""

    offset: int
    rows: list[tuple[int, str, OutboxMessage]] = field(default_factory=list)


def compose_reminders(event: Event, now: dt.datetime, *, limit: int) -> ComposedReminders | None:
    """Build the due reminder for the next `limit` confirmed people registered before its
    moment who have not had it; no lock needed (building the mails is the slow part,
    about 20 ms each). None when no reminder is due; write them with write_reminders."""
    offset = due_offset(event, now) if event.status == "published" else None
    if offset is None:
        return None
    registrations = db.session.scalars(
        _due(event, offset).order_by(Registration.id).limit(limit)
    ).all()
    meetings = _meetings_by_person(event.id, {r.id for r in registrations})
    composed = ComposedReminders(offset)
    for registration in registrations:
        token, token_hash = new_token()
        row = reminder_row(event, registration, token, meetings=meetings.get(registration.id, []))
        composed.rows.append((registration.id, token_hash, row))
    return composed


def write_reminders(event: Event, composed: ComposedReminders, now: dt.datetime) -> int:
    """Write the composed reminders of those still due, each with its send row and the
    fresh link's token, in the caller's transaction, which holds the event's row lock
    (the unique send row is the backstop): whoever cancelled, was reminded by another
    scheduler meanwhile, or whose reminder changed with the event's settings, is
    skipped. Returns how many were written."""
    if event.status != "published" or due_offset(event, now) != composed.offset:
        return 0
    ids = [registration_id for registration_id, _hash, _row in composed.rows]
    still_due = _still_due(event, composed.offset, ids)
    written = [item for item in composed.rows if item[0] in still_due]
    if not written:
        return 0
    db.session.execute(
        update(Registration),
        [{"id": rid, "resent_token_hash": token_hash} for rid, token_hash, _row in written],
    )
    for registration_id, _hash, row in written:
        db.session.add(row)
        db.session.add(
            ReminderSend(
                registration_id=registration_id, offset_minutes=composed.offset, sent_at=now
            )
        )
    return len(written)


def _due(event: Event, offset: int):
    """Confirmed people registered before the reminder's moment who have not had it."""
    return select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == "confirmed",
        Registration.created_at <= reminder_moment(event, offset),
        ~exists().where(
            ReminderSend.registration_id == Registration.id,
            ReminderSend.offset_minutes == offset,
        ),
    )


def _still_due(event: Event, offset: int, ids: list[int]) -> set[int]:
    rows = db.session.scalars(
        _due(event, offset).with_only_columns(Registration.id).where(Registration.id.in_(ids))
    )
    return set(rows)


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
