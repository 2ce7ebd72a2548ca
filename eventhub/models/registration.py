"""Registrations of people for events."""

from __future__ import annotations

import datetime as dt

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow
from eventhub.models.event import Event, new_uid

REGISTRATION_STATUSES = (
    "confirmed",
    "cancelled",
    "unverified",
    "waiting",
    "offered",
    "pending",
    "declined",
)
REGISTRATION_SOURCES = ("web", "manual", "api")
# A speaker is added by the organisers as a meeting partner: confirmed, listed for every
# participant, and holding no seat (capacity is for the audience).
REGISTRATION_ROLES = ("participant", "speaker")
# What kind of organisation a participant comes from (for the event report).
ORGANISATION_TYPES = (
    "company",
    "chamber",
    "public_authority",
    "employment_agency",
    "education",
    "association",
    "counselling",
    "other",
)
# Statuses that hold a seat (counted in the event's confirmed_count or
# online_confirmed_count): "unverified" holds it briefly until the address is confirmed by
# the link in a mail, "offered" until the person accepts the waiting list's offer or it
# expires.
SEAT_STATUSES = ("confirmed", "unverified", "offered")
# Statuses that count as the person's one registration for the event: the seat holders,
# and people on the waiting list or awaiting approval (who hold no seat).
ACTIVE_STATUSES = (*SEAT_STATUSES, "waiting", "pending")
# Why a registration ended (status_reason), where the status alone does not tell.
STATUS_REASONS = ("", "offer_expired", "left_waiting_list", "declined", "hold_expired")
HOLD_MINUTES = 30  # how long an unverified registration holds its seat
# What a registration says about the person (and an organiser may correct).
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "organisation",
    "job_title",
    "organisation_type",
)


def normalise_email(email: str) -> str:
    """The key for "one registration per person": case-folded, domain in its ASCII form.

    a@münchen.de and A@xn--mnchen-3ya.de are the same mailbox and get the same key.
    """
    email = email.strip()
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email.lower()
    return f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"


_ACTIVE_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_STATUSES))


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per person and event, enforced by the database
        # so concurrent double submits cannot both succeed.
        Index(
            "uq_registrations_active_email",
            "event_id",
            "email_normalised",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_registrations_event_status", "event_id", "status"),
        # The waiting list in its order: one range scan per event and pool.
        Index(
            "ix_registrations_waiting",
            "event_id",
            "attendance",
            "waiting_rank",
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Known before the row is written, so the confirmation (iCal UID, check-in code)
    # can be composed outside the write lock.
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_normalised: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    organisation_type: Mapped[str] = mapped_column(String(30), default="")
    # Casefolded name, email and organisation for searches that treat "Ö" like "ö".
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Who sees this person in the event's participant directory
    # (models.network.DIRECTORY_VISIBILITIES); "hidden" unless they opt in.
    directory_visibility: Mapped[str] = mapped_column(
        String(20), default="hidden", server_default="hidden"
    )
    language: Mapped[str] = mapped_column(String(5), default="de")
    # sha256 of the private manage-link token; the raw token is only ever in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # sha256 of the second private link, the one "send me my links" mailed last (each
    # request replaces it). A second column rather than renewing token_hash: anyone may
    # ask for any address's links, and that must not break the link in the confirmation.
    resent_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(10), default="web")
    role: Mapped[str] = mapped_column(
        String(20), default="participant", server_default="participant"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # While "unverified": the seat is held until then, and released after.
    hold_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Which seat pool: "onsite" (the event's capacity) or "online" (a hybrid event's
    # online seats); the invitation carries the venue or the online link accordingly.
    attendance: Mapped[str] = mapped_column(String(10), default="onsite", server_default="onsite")
    # The people registered together by one group registration: they wait, and are
    # promoted, as one entry of the waiting list.
    group_uid: Mapped[str | None] = mapped_column(String(32), index=True)
    # The order on the waiting list (lower is served first); a group's members share it.
    waiting_rank: Mapped[int | None]
    # While "offered": the seat is held for the person until then.
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # STATUS_REASONS: why a registration was cancelled or declined, where it tells more.
    status_reason: Mapped[str] = mapped_column(String(30), default="", server_default="")
    # When the person's data was removed (retention or erasure): the row stays for the
    # counts, without anything that names or reaches the person (eventhub.privacy).
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def offer_lapsed(self) -> bool:
        """Offered, but past the deadline: the scheduled job has not ended it yet. Pages
        show it as expired; accepting is refused (events.waitlist.accept_offer)."""
        return (
            self.status == "offered"
            and self.offer_expires_at is not None
            and self.offer_expires_at <= utcnow()
        )

    @property
    def show_in_directory(self) -> bool:
        """The registration form's opt-in: listed in the directory at all."""
        return self.directory_visibility != "hidden"

    @show_in_directory.setter
    def show_in_directory(self, listed: bool) -> None:
        # The form's checkbox opts in to the narrower choice: seen by the other listed
        # participants only. The networking page offers the wider one.
        if not listed:
            self.directory_visibility = "hidden"
        elif self.directory_visibility in (None, "hidden"):
            self.directory_visibility = "participants"


class ParticipantFeed(db.Model):
    """A participant's private calendar feed of the events they registered for.

    The URL token is derived (HMAC of the address and a version), never stored: the row
    keeps its SHA-256 for the lookup, and raising `version` revokes the old URL.
    """

    __tablename__ = "participant_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_normalised: Mapped[str] = mapped_column(String(254), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderSend(db.Model):
    """One reminder written for one registration: the unique pair makes it exactly once,
    however many schedulers run at the same time."""

    __tablename__ = "reminder_sends"
    __table_args__ = (UniqueConstraint("registration_id", "offset_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    offset_minutes: Mapped[int]
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
