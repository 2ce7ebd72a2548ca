"""The mail outbox: one row per message, written in the transaction that causes it."""

from __future__ import annotations

import contextlib
import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow

OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


def mailbox_key(address: str) -> str:
    """The inbox an address delivers to, for limits per recipient: case-folded, the domain
    in its ASCII form, and a "+tag" dropped (victim+1@ and victim+2@ are one inbox)."""
    local, _at, domain = address.strip().rpartition("@")
    with contextlib.suppress(UnicodeError):  # not a valid domain: keep it as given
        domain = domain.encode("idna").decode("ascii")
    return f"{local.split('+', 1)[0].casefold()}@{domain.casefold()}"[:254]


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_mailbox_created", "mailbox", "created_at"),
        # The mails whose content the retention job has yet to empty, oldest first.
        Index(
            "ix_outbox_messages_unpurged",
            "created_at",
            sqlite_where=text("recipient != ''"),
            postgresql_where=text("recipient != ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    # mailbox_key(recipient): what the per-recipient mail limit counts.
    mailbox: Mapped[str] = mapped_column(String(254), default="", server_default="")
    subject: Mapped[str] = mapped_column(String(300))
    # The complete RFC 5322 message: built when the row is written, or, for the mails a
    # registration writes (see compose_args), by the worker just before it sends.
    message: Mapped[bytes] = mapped_column(LargeBinary)
    # What the mail's composer (by kind, eventhub.mail.composing) needs to build the
    # message later, e.g. the private link's token; None once the message is composed.
    compose_args: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
