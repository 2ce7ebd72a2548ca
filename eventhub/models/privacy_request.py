"""Requests for access to one's data (Art. 15 GDPR): the one-time link mailed to an address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow


class PrivacyRequest(db.Model):
    """One mailed link to see (and erase) what is stored about an address. Written for
    every request, known address or not; only the token's SHA-256 is kept. `used_at` is set
    once, by a conditional UPDATE, when the person opens their data with it."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # normalise_email() of the address asked for: what the access shows.
    email_normalised: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
