"""Events with their hosts, series, topics and agenda."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow
from eventhub.models.organisation import Organisation

EVENT_FORMATS = ("workshop", "fachtagung", "info", "kooperation", "exchange", "networking")
EVENT_STATUSES = ("draft", "published", "cancelled")
NOTIFY_MODES = ("each", "digest", "none")
HOST_ROLES = ("host", "cohost", "partner", "funder")
# Roles that manage the event (workspace, attendee lists, organiser API).
MANAGING_ROLES = ("host", "cohost")
# What happens when the event is full: no waiting list, seats freed go to the next in line
# at once ("auto"), or the next in line gets an offer to accept within offer_hours ("offer").
WAITLIST_MODES = ("off", "auto", "offer")
# Where a person attends: every event has the on-site pool (`capacity`); a hybrid event
# has a second pool for online seats (`online_capacity`).
ATTENDANCE_MODES = ("onsite", "online")
OFFER_HOURS_DEFAULT = 24
AGENDA_KINDS = ("welcome", "talk", "panel", "discussion", "workshop", "break", "networking")


def new_uid() -> str:
    return uuid.uuid4().hex


event_topics = Table(
    "event_topics",
    db.Model.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


# Who is asked for feedback after the event: those checked in, or everyone confirmed.
FEEDBACK_AUDIENCES = ("checked_in", "confirmed")

# Reminders by default: two days and two hours before the start (minutes).
REMINDER_OFFSETS_DEFAULT = (2880, 120)


class Series(db.Model):
    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=new_uid)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    capacity: Mapped[int | None]
    registration_closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="de")
    funding_note: Mapped[str] = mapped_column(Text, default="")

    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_street: Mapped[str] = mapped_column(String(200), default="")
    venue_postcode: Mapped[str] = mapped_column(String(20), default="")
    venue_city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="", index=True)
    online_url: Mapped[str | None] = mapped_column(String(500))

    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(60), default="")

    # Casefolded title, summary, place, hosts and topics: one LIKE finds "Über" with
    # "über" on SQLite too, whose lower() only knows ASCII.
    search_text: Mapped[str] = mapped_column(Text, default="")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"), index=True)
    # Confirmed registrations, kept in step by the registration service under a
    # lock so "seats left" never needs a COUNT and capacity can be claimed atomically.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # How the event's contact hears of registrations: "each", "digest" (daily) or "none".
    notify_mode: Mapped[str] = mapped_column(String(10), default="digest")
    # Registrations through the public forms hold a seat until the person confirms their
    # address by the link in a mail (against registrations in other people's names).
    confirm_email: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The waiting list (WAITLIST_MODES): on by default; it only matters with a capacity.
    waitlist: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    # "Fill seats with whoever fits": a group at the head that does not fit lets the
    # smaller entries behind it move up. Off: nobody skips the head of the list.
    waitlist_fill: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # How long an offered seat waits for the person to accept (shorter near the event).
    offer_hours: Mapped[int] = mapped_column(
        default=OFFER_HOURS_DEFAULT, server_default=str(OFFER_HOURS_DEFAULT)
    )
    # Registrations through the public forms await the organisers' approval ("pending").
    approval: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Hybrid: on-site seats (capacity, confirmed_count) and online seats (online_capacity,
    # online_confirmed_count, null = unlimited); each person picks one.
    hybrid: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    online_capacity: Mapped[int | None]
    online_confirmed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Reminders to confirmed people, in minutes before the start (empty: none).
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(REMINDER_OFFSETS_DEFAULT), server_default="[2880, 120]"
    )
    # Feedback after the event (eventhub.events.feedback): on or off, who is asked
    # (FEEDBACK_AUDIENCES), anonymous answers (default) or answers with the person's name,
    # and the organisers' own questions: [{"label": str, "choices": [str, ...]}] (no
    # choices: a free-text question), at most five.
    feedback_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    feedback_audience: Mapped[str] = mapped_column(
        String(20), default="checked_in", server_default="checked_in"
    )
    feedback_anonymous: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    feedback_questions: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    # Certificates of attendance: mailed to the people who came once the event is over;
    # the hours they state (None: the event's own length); who signs them (optional).
    certificate_mail: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    certificate_minutes: Mapped[int | None]
    certificate_signatory: Mapped[str] = mapped_column(String(200), default="", server_default="")
    certificate_signatory_role: Mapped[str] = mapped_column(
        String(200), default="", server_default=""
    )
    digest_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attendee_list_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # iCalendar SEQUENCE: raised with every change attendees must see.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[Series | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=event_topics, order_by="Topic.name")
    hosts: Mapped[list[EventHost]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventHost.position"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_starts_at(self) -> dt.datetime:
        return self.starts_at.astimezone(self.tz)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def confirmed_total(self) -> int:
        """Seats held in every pool (on site and, at a hybrid event, online)."""
        return self.confirmed_count + self.online_confirmed_count

    @property
    def online_seats_left(self) -> int | None:
        if self.online_capacity is None:
            return None
        return max(self.online_capacity - self.online_confirmed_count, 0)

    @property
    def attendance_modes(self) -> tuple[str, ...]:
        """The seat pools a person can pick from."""
        return ATTENDANCE_MODES if self.hybrid else ATTENDANCE_MODES[:1]

    def pool_capacity(self, mode: str) -> int | None:
        return self.online_capacity if mode == "online" else self.capacity

    def pool_seats_left(self, mode: str) -> int | None:
        return self.online_seats_left if mode == "online" else self.seats_left

    @property
    def has_waitlist(self) -> bool:
        return self.waitlist != "off"

    @property
    def registration_state(self) -> str:
        """One of open, full, closed, cancelled, running, past, draft."""
        now = utcnow()
        if self.status == "cancelled":
            return "cancelled"
        if self.status != "published":
            return "draft"
        if self.ends_at <= now:
            return "past"
        if self.starts_at <= now:
            return "running"
        if self.registration_closes_at is not None and self.registration_closes_at <= now:
            return "closed"
        if all(self.pool_seats_left(mode) == 0 for mode in self.attendance_modes):
            return "full"
        return "open"

    @property
    def registrations_open(self) -> bool:
        return self.registration_state == "open"

    def hosts_with_role(self, role: str) -> list[EventHost]:
        """Accepted links in that role (a pending one is not shown as a host)."""
        return [h for h in self.hosts if h.role == role and h.accepted]

    @property
    def public_hosts(self) -> list[EventHost]:
        """The links the public sees: accepted ones, and partners and funders named
        without consent yet (shown as plain text, not as that organisation)."""
        return [h for h in self.hosts if h.accepted or h.role not in MANAGING_ROLES]


class EventHost(db.Model):
    __tablename__ = "event_hosts"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="host")
    position: Mapped[int] = mapped_column(default=0)
    # When the organisation agreed to be named (None: pending). Naming an organisation
    # the editor does not belong to waits for one of its owners; until then the link
    # grants no access and is not shown as that organisation.
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="hosts")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="talk")
    # [{"name": ..., "affiliation": ...}] in speaking order.
    speakers: Mapped[list[dict]] = mapped_column(JSON, default=list)

    event: Mapped[Event] = relationship(back_populates="agenda")


class ChangeCounter(db.Model):
    """Counters raised in the same transaction as a change, so every worker's caches
    can tell in one primary-key read whether what they hold is still current."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


EVENTS_COUNTER = "events"
