"""Certificates of attendance and the materials organisers share after an event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow
from eventhub.models.event import Event
from eventhub.models.registration import Registration

# How a certificate came about: by the rules (the person was checked in and the event is
# over) or by an organiser's hand (someone who came but was not scanned).
CERTIFICATE_SOURCES = ("auto", "manual")


class Certificate(db.Model):
    """One person's certificate for one event. What it states (name, title, dates,
    hours) is copied when it is issued, so the public check shows what was certified even
    after the registration or the event changed or the registration was erased."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # At most one per registration: the unique key makes issuing exactly once.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    # The verification code, stored normalised (no dashes, upper case).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[str] = mapped_column(String(201))
    event_title: Mapped[str] = mapped_column(String(300))
    event_starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    event_ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    minutes: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(10), default="auto")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the certificate went into the outbox (the event's "mail certificates" switch).
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration | None] = relationship()

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class EventMaterial(db.Model):
    """A link the organisers share after the event: slides, documentation, recordings."""

    __tablename__ = "event_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the attendees were mailed this link (None: not yet; the next run sends it).
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
