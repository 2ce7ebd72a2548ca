"""Mail workers' heartbeats: when each last ran a pass and what it delivered so far."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow


class WorkerHeartbeat(db.Model):
    """One row per running `flask mail send --loop` (`host:pid`), and one per host for the
    one-off runs (`host:once`, from cron). The counts only ever grow: /metrics reads them as
    counters. Rows silent for a day are removed by the next heartbeat (eventhub.heartbeats)."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    passes: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    retried: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
