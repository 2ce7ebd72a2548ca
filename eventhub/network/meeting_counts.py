"""The figures of an event's one-to-one meetings, for its report; kept by the retention
job (eventhub.privacy.retention) when the meetings themselves go."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import case, func, select

from eventhub.extensions import db
from eventhub.models import EventRetention
from eventhub.models.network import Meeting


@dataclass(frozen=True)
class MeetingCounts:
    """One-to-one meetings of an event: every request ever made, how they were answered,
    how many got a time and a table, and how many took place."""

    requested: int  # by participants (arranged ones are counted apart)
    arranged: int  # set up by the organisers
    accepted: int  # accepted and still on (placed or waiting for a time)
    scheduled: int  # of those, with a slot and a table
    held: int
    declined: int
    expired: int
    cancelled: int
    open: int  # not answered yet

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def count_meetings(event_id: int) -> MeetingCounts:
    """The figures as the meetings table has them (one query)."""
    accepted = Meeting.status == "accepted"

    def count(condition):
        return func.count(case((condition, 1)))

    row = db.session.execute(
        select(
            count(Meeting.arranged.is_(False)),
            count(Meeting.arranged.is_(True)),
            count(accepted),
            count(accepted & Meeting.slot_start.is_not(None)),
            count(Meeting.held_at.is_not(None)),
            count(Meeting.status == "declined"),
            count(Meeting.status == "expired"),
            count(Meeting.status == "cancelled"),
            count(Meeting.status == "requested"),
        ).where(Meeting.event_id == event_id)
    ).one()
    return MeetingCounts(*row)


def meeting_figures(event_id: int) -> MeetingCounts:
    """The figures for the report: those kept when the meetings went, else counted."""
    kept = db.session.scalar(
        select(EventRetention.meeting_counts).where(EventRetention.event_id == event_id)
    )
    return MeetingCounts(**kept) if kept else count_meetings(event_id)
