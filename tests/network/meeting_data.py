"""Building blocks for meeting tests: two event days (winter and summer time), the set-up
values most tests start from, the refusal and row helpers, and one independent checker of
the meetings in the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models.network import Meeting, MeetingBooking, MeetingUnavailable
from eventhub.network.meetings import MeetingRefused, meeting_setup

BERLIN = ZoneInfo("Europe/Berlin")
# An event day in winter and one in summer (CET / CEST), both in the future.
WINTER = dt.date(2027, 1, 20)
SUMMER = dt.date(2027, 7, 14)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def setup_values(day: dt.date, **overrides) -> dict:
    values = {
        "enabled": True,
        "slot_minutes": 15,
        "break_minutes": 5,
        "max_per_person": 6,
        "needs_acceptance": True,
        "requests_close_at": None,
        # 11:00–12:00: slots 11:00, 11:20, 11:40.
        "blocks": [(at(day, 11), at(day, 12))],
        "tables": ["1", "2", "3"],
    }
    values.update(overrides)
    return values


def refusal(reason: str, call, *args, **kwargs) -> str:
    """Run the call, expect MeetingRefused(reason); returns its German message."""
    db.session.rollback()
    with pytest.raises(MeetingRefused) as caught:
        call(*args, **kwargs)
    assert caught.value.reason == reason, caught.value.reason
    assert 400 <= caught.value.status < 500
    with force_locale("de"):
        return caught.value.message


def committed(model, **filters):
    db.session.rollback()
    return list(db.session.scalars(select(model).filter_by(**filters)))


def check_meetings_in_database(event_id: int) -> list[Meeting]:
    """An independent checker reading the database: nobody twice in a slot, one meeting per
    table and slot, nobody in a slot they marked unavailable, nobody over the cap, one
    booking per person of each placed meeting and no other bookings."""
    db.session.rollback()
    cap = meeting_setup(event_id).settings.max_per_person
    accepted = list(
        db.session.scalars(
            select(Meeting).where(Meeting.event_id == event_id, Meeting.status == "accepted")
        )
    )
    placed = [m for m in accepted if m.slot_start is not None]
    people = Counter((p, m.slot_start) for m in placed for p in (m.requester_id, m.partner_id))
    tables = Counter((m.table_id, m.slot_start) for m in placed)
    per_person = Counter(p for m in accepted for p in (m.requester_id, m.partner_id))
    assert max(people.values(), default=1) == 1, people
    assert max(tables.values(), default=1) == 1, tables
    assert max(per_person.values(), default=0) <= cap, per_person
    assert all(m.table_id is not None and m.slot_end is not None for m in placed)
    marks = {
        (row.registration_id, row.slot_start)
        for row in db.session.scalars(select(MeetingUnavailable))
    }
    assert not marks & set(people), marks & set(people)
    bookings = {
        (b.meeting_id, b.registration_id, b.slot_start)
        for b in db.session.scalars(select(MeetingBooking))
    }
    assert bookings == {
        (m.id, p, m.slot_start) for m in placed for p in (m.requester_id, m.partner_id)
    }
    return placed
