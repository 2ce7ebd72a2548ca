"""Files an event's organisers upload for its records (the signed sign-in sheet's scan)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow

# What a file is for; one file of each kind per event (a new upload replaces it).
EVENT_FILE_KINDS = ("signin_scan",)


class EventFile(db.Model):
    """Kept in the database, not on disk, so that every worker of every host sees it."""

    __tablename__ = "event_files"
    __table_args__ = (UniqueConstraint("event_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))  # application/pdf, image/png, image/jpeg
    size: Mapped[int]
    pages: Mapped[int]
    # Loaded only when the bytes are needed (a listing reads the other columns).
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
