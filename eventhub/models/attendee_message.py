"""Messages organisers write to a group of an event's attendees, and who received each."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow

# Who a message goes to (eventhub.manage.attendee_messages.group_condition says exactly).
MESSAGE_GROUPS = ("confirmed", "waiting", "checked_in", "no_show")
MESSAGE_SUBJECT_MAX = 150
MESSAGE_BODY_MAX = 10_000


class AttendeeMessage(db.Model):
    """One message as the organiser wrote it; the mails are outbox rows, one per person."""

    __tablename__ = "attendee_messages"
    __table_args__ = (Index("ix_attendee_messages_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    group: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(MESSAGE_SUBJECT_MAX))
    # Markdown as written; pages and mails render it with eventhub.text.render_markdown.
    body: Mapped[str] = mapped_column(Text)
    recipient_count: Mapped[int] = mapped_column(default=0)
    # The preview's one-time value: a second POST of the same preview (a double click,
    # a reload, two tabs) finds the message it already sent instead of sending again.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class AttendeeMessageRecipient(db.Model):
    """One person a message went to, with the outbox row of their mail. The unique pair
    makes it once per person and message, whatever happens around it."""

    __tablename__ = "attendee_message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("attendee_messages.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
