"""The mail workers' heartbeats, kept in the database: each worker records when it last
ran a pass and what it delivered, so /metrics on any instance shows every worker on every
host, and a dead one by the age of its last heartbeat."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import WorkerHeartbeat
from eventhub.models.base import utcnow

log = logging.getLogger(__name__)

# An idle worker writes its heartbeat at most this often (a pass that delivered something
# writes at once, so the delivery counts are current).
IDLE_HEARTBEAT = dt.timedelta(seconds=10)
# A worker silent for this long is forgotten (its row and its series on /metrics go).
FORGET_AFTER = dt.timedelta(days=1)


def once_name() -> str:
    """The row of one-off runs (`flask mail send` from cron) on this host."""
    return f"{socket.gethostname()}:once"


@dataclass
class _Counts:
    passes: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


class Heartbeat:
    """A worker's heartbeat: `beat(report)` after each pass adds the pass's counts and
    writes them with the time, right away when something was handled, otherwise at most
    every IDLE_HEARTBEAT (`idle=dt.timedelta(0)`: every pass). While the database cannot be
    written, the counts wait for the next heartbeat."""

    def __init__(self, worker: str, *, idle: dt.timedelta = IDLE_HEARTBEAT):
        self.worker = worker
        self.idle = idle
        self._pending = _Counts()
        self._written_at: dt.datetime | None = None

    def beat(self, report) -> None:
        """`report`: what the pass did (`sent`, `retried`, `failed`)."""
        pending = self._pending
        pending.passes += 1
        pending.sent += report.sent
        pending.retried += report.retried
        pending.failed += report.failed
        now = utcnow()
        handled = pending.sent or pending.retried or pending.failed
        if not handled and self._written_at and now - self._written_at < self.idle:
            return
        try:
            _write(self.worker, pending, now)
        except SQLAlchemyError as exc:
            log.warning("could not record the heartbeat of worker %s: %s", self.worker, exc)
            return
        self._pending = _Counts()
        self._written_at = now


def _write(worker: str, counts: _Counts, now: dt.datetime) -> None:
    """Add the counts to the worker's row (made on its first heartbeat), note the time, and
    remove the rows of workers silent for FORGET_AFTER."""
    with write_transaction() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = WorkerHeartbeat.__table__
        values = {
            "passes": counts.passes,
            "sent": counts.sent,
            "retried": counts.retried,
            "failed": counts.failed,
        }
        statement = insert(table).values(worker=worker, started_at=now, last_seen_at=now, **values)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.worker],
            set_={"last_seen_at": now, **{k: table.c[k] + v for k, v in values.items()}},
        )
        session.execute(statement)
        session.execute(delete(table).where(table.c.last_seen_at < now - FORGET_AFTER))


def heartbeats() -> list[WorkerHeartbeat]:
    """Every worker heard of within FORGET_AFTER, by name."""
    return list(db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.worker)))
