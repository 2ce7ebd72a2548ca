"""Networking: support-service entries of organisations, participants' directory
profiles, contact requests between participants and the blocks that stop them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow
from eventhub.models.organisation import Organisation
from eventhub.models.registration import Registration

# The fixed taxonomy of support services; participants' "Wir bieten / Wir suchen" tags
# use the same codes, so an offer can be matched with a need.
SERVICE_CATEGORIES = (
    "recognition",
    "german_courses",
    "work_permits",
    "qualification",
    "apprenticeship_study",
    "job_search",
    "recruiting",
    "onboarding",
    "housing",
    "family_childcare",
    "everyday_integration",
    "counselling",
)
# Who a service is for.
AUDIENCES = ("skilled_workers", "employers", "refugees", "students", "families")
# Languages a service is offered in (ISO 639-1), the ones asked for most in the region.
SERVICE_LANGUAGES = (
    "de",
    "en",
    "ar",
    "uk",
    "ru",
    "tr",
    "fa",
    "fr",
    "es",
    "pl",
    "ro",
    "it",
    "pt",
    "vi",
    "hi",
)
# Kinds of a service entry's child rows (ServiceTag.kind).
SERVICE_TAG_KINDS = ("audience", "language", "region")

# Who sees a participant in the event's directory. "hidden" is the default; "participants"
# shows the person to the event's other listed participants only (seeing is mutual);
# "registered" shows them to everyone with an active registration for the event.
DIRECTORY_VISIBILITIES = ("hidden", "participants", "registered")
PROFILE_SIDES = ("offers", "seeks")
CONTACT_STATUSES = ("pending", "accepted", "declined", "ended")


class ServiceEntry(db.Model):
    """One support service an organisation offers ("Angebote in der Region")."""

    __tablename__ = "service_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on output
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    by_appointment: Mapped[bool] = mapped_column(default=False)
    # Casefolded title, description and organisation name for text search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Made up for the demo (plausible for the organisation's kind, not its real offer).
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Set by a site admin: the entry is kept but shown nowhere public.
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    tags: Mapped[list[ServiceTag]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceTag.id"
    )

    def _values(self, kind: str) -> list[str]:
        return [tag.value for tag in self.tags if tag.kind == kind]

    @property
    def audiences(self) -> list[str]:
        return self._values("audience")

    @property
    def languages(self) -> list[str]:
        return self._values("language")

    @property
    def regions(self) -> list[str]:
        return self._values("region")


class ServiceTag(db.Model):
    """A target group, language or region of a service entry (filterable in SQL)."""

    __tablename__ = "service_tags"
    __table_args__ = (
        UniqueConstraint("service_id", "kind", "value_folded"),
        Index("ix_service_tags_kind_value", "kind", "value_folded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service_entries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    # Casefolded, so "münster" finds "Münster" on SQLite and PostgreSQL alike.
    value_folded: Mapped[str] = mapped_column(String(100))


class NetworkProfile(db.Model):
    """What a participant offers and seeks at one event (who sees it: the registration's
    directory_visibility)."""

    __tablename__ = "network_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    offers_text: Mapped[str] = mapped_column(String(500), default="")
    seeks_text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship()
    tags: Mapped[list[NetworkTag]] = relationship(
        cascade="all, delete-orphan", order_by="NetworkTag.category"
    )

    def categories(self, side: str) -> list[str]:
        return [tag.category for tag in self.tags if tag.side == side]

    @property
    def offers(self) -> list[str]:
        return self.categories("offers")

    @property
    def seeks(self) -> list[str]:
        return self.categories("seeks")


class NetworkTag(db.Model):
    """One "Wir bieten" or "Wir suchen" category of a profile."""

    __tablename__ = "network_tags"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("network_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class ContactRequest(db.Model):
    """A participant's short message asking another participant of the same event to
    exchange email addresses; accepting reveals both addresses to both, once."""

    __tablename__ = "contact_requests"
    __table_args__ = (
        # At most one open request from one person to another.
        Index(
            "uq_contact_requests_pending",
            "sender_id",
            "recipient_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_contact_requests_sender_created", "sender_id", "created_at"),
        Index("ix_contact_requests_recipient", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # sha256 of the token in the recipient's accept/decline links (the raw token is
    # only ever in the mail).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    sender: Mapped[Registration] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[Registration] = relationship(foreign_keys=[recipient_id])


class ContactBlock(db.Model):
    """A participant stopped another from sending them contact requests at this event."""

    __tablename__ = "contact_blocks"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- one-to-one meetings at the venue ----------------------------------------------------

# requested → accepted (placed in a slot at a table at once, or later by the organisers'
# scheduler) | declined | expired; accepted → cancelled (by either side or the organisers).
MEETING_STATUSES = ("requested", "accepted", "declined", "expired", "cancelled")
MEETING_SLOT_MINUTES = (10, 60)  # the shortest and longest slot organisers may choose


class MeetingSettings(db.Model):
    """An event's meeting set-up: on or off, slot length, breaks, the cap per person and
    whether requests need the other person's acceptance."""

    __tablename__ = "meeting_settings"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=False)
    slot_minutes: Mapped[int] = mapped_column(default=15)
    break_minutes: Mapped[int] = mapped_column(default=0)
    max_per_person: Mapped[int] = mapped_column(default=6)
    # False: a request is accepted (and placed) as soon as it is made.
    needs_acceptance: Mapped[bool] = mapped_column(default=True)
    # Requests not answered by then expire (None: when the first block starts).
    requests_close_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MeetingBlock(db.Model):
    """A stretch of time the event sets aside for meetings (e.g. 16:00–18:00)."""

    __tablename__ = "meeting_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MeetingTable(db.Model):
    """A numbered or named table or room where meetings take place."""

    __tablename__ = "meeting_tables"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)


class Meeting(db.Model):
    """A one-to-one meeting between two participants of an event, with its own stable iCal
    UID and SEQUENCE. Placed = `slot_start` and `table_id` set; the database refuses two
    placed meetings at one table in one slot (and MeetingBooking two for one person)."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index(
            "uq_meetings_table_slot",
            "table_id",
            "slot_start",
            unique=True,
            sqlite_where=text("status = 'accepted' AND slot_start IS NOT NULL"),
            postgresql_where=text("status = 'accepted' AND slot_start IS NOT NULL"),
        ),
        Index("ix_meetings_event_status", "event_id", "status"),
        Index("ix_meetings_requester", "requester_id"),
        Index("ix_meetings_partner", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="requested")
    # Slot starts (UTC ISO 8601) the requester prefers; empty: any.
    preferred_slots: Mapped[list] = mapped_column(JSON, default=list)
    slot_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    slot_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_tables.id", ondelete="RESTRICT")
    )
    sequence: Mapped[int] = mapped_column(default=0)
    # Set up by the organisers (Kooperationsbörse), not requested by a participant.
    arranged: Mapped[bool] = mapped_column(default=False)
    # The partner accepted the request themselves: only then may each see the other's
    # address (not for meetings accepted automatically or arranged by the organisers).
    addresses_shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    # sha256 of the token in the partner's answer link (the raw token is only ever in the
    # request mail): people who never open their private link answer from the mail.
    answer_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    requester: Mapped[Registration] = relationship(foreign_keys=[requester_id])
    partner: Mapped[Registration] = relationship(foreign_keys=[partner_id])
    table: Mapped[MeetingTable | None] = relationship()

    @property
    def shares_addresses(self) -> bool:
        """Whether each may see the other's address: only while the meeting is on and the
        partner accepted the request themselves."""
        return self.status == "accepted" and self.addresses_shared and not self.arranged


class MeetingBooking(db.Model):
    """One person's place in one slot, written with a placed meeting and removed with it:
    the unique constraint is what makes a double booking impossible."""

    __tablename__ = "meeting_bookings"
    __table_args__ = (UniqueConstraint("registration_id", "slot_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    slot_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MeetingUnavailable(db.Model):
    """A slot a participant has marked as not available for meetings."""

    __tablename__ = "meeting_unavailable"
    __table_args__ = (UniqueConstraint("registration_id", "slot_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    slot_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
