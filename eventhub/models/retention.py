"""Retention of an event's personal data: its own periods where organisers set them, what
has gone already, and who changed the periods and why."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow
from eventhub.models.organisation import User

# What goes when, counted in days from the event's end (the site's periods are
# EVENTHUB_RETENTION_<KIND>_DAYS). Organisers may set their own period for the kinds in
# RETENTION_EVENT_KINDS: shorter freely, longer than the site's only with a reason, and
# never longer than EVENTHUB_RETENTION_MAX_DAYS.
RETENTION_KINDS = ("sensitive", "network", "registrations", "signin_scan", "certificates")
RETENTION_EVENT_KINDS = ("registrations", "signin_scan")


class EventRetention(db.Model):
    """One event's retention state, written when its periods are changed or its data
    starts to go (no row: the site's periods, nothing gone yet). A table of its own so
    that the purge's stamps never touch the event row (its updated_at, its feeds)."""

    __tablename__ = "event_retention"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    # The event's own periods (None: the site's).
    registrations_days: Mapped[int | None]
    signin_scan_days: Mapped[int | None]
    # When each kind of data went (None: still there, or not due yet).
    sensitive_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    network_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registrations_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    signin_scan_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    certificates_done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The event's meeting figures (eventhub.network.meeting_counts), kept when the
    # meetings themselves went, so the report still shows them.
    meeting_counts: Mapped[dict | None] = mapped_column(JSON)


class RetentionChange(db.Model):
    """An organiser changed an event's retention period: who, when, to what, and why (a
    reason is required for a period longer than the site's)."""

    __tablename__ = "retention_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    days: Mapped[int | None]  # None: back to the site's period
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
