"""Data-protection records: which privacy notice a person accepted for what, and who of
the organisers looked at or downloaded attendee data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow

# What a consent record is about. "registration" records that the person was shown the
# notice when registering (the legal basis there is running the event, Art. 6 (1) b/e
# GDPR, not consent); the others are consents that can be withdrawn.
CONSENT_PURPOSES = ("registration", "directory", "contact_request", "feedback", "statistics")
CONSENT_ACTIONS = ("given", "withdrawn")
# Who performed the act the record is about: the person on the public pages ("web"), a
# colleague or employer for them on the group form ("group"), an organiser in the
# workspace ("manual") or through the organiser API ("api"). The record carries it, not
# only the registration: later acts (a directory opt-in, a withdrawal) have their own.
CONSENT_SOURCES = ("web", "group", "manual", "api")


class ConsentRecord(db.Model):
    """One "given" or "withdrawn" of one person (registration) for one purpose, with the
    version of the privacy notice in force at that moment."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(10), default="given")
    notice_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(db.Model):
    """One look at or download of attendee data by an organiser (an account) or through
    the organiser API (a key): who, when, which event, what, how many rows. Nothing about
    the attendees themselves; entries expire (EVENTHUB_AUDIT_LOG_DAYS)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_organisation_created", "organisation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    # What was done, e.g. "attendees.csv", "registrations.api", "person.export".
    action: Mapped[str] = mapped_column(String(60))
    rows: Mapped[int] = mapped_column(default=0)
