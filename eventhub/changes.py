"""The events change counter: raised in the transaction of every change to public event
data, read by caches (feeds, catalogue filter options) in every worker.

Writing an event, its hosts, agenda, topics, series or an organisation through the ORM
marks the session; right before COMMIT the counter is raised in the same transaction, so
the new value commits (or rolls back) with the change itself. Seat counts and mail
bookkeeping do not count: they are written with Core UPDATEs or listed in BOOKKEEPING,
and no cached page shows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from eventhub.cache import LruCache
from eventhub.extensions import db
from eventhub.models import AgendaItem, Event, EventHost, Organisation, Series, Topic
from eventhub.models.event import EVENTS_COUNTER, ChangeCounter

WATCHED = (Event, EventHost, AgendaItem, Series, Topic, Organisation)
BOOKKEEPING = frozenset({"confirmed_count", "digest_sent_at", "attendee_list_sent_at"})

_counter = ChangeCounter.__table__
_read = select(_counter.c.value).where(_counter.c.name == EVENTS_COUNTER)
_raise = (
    update(_counter).where(_counter.c.name == EVENTS_COUNTER).values(value=_counter.c.value + 1)
)


# A worker re-reads the counter at most this often; changes committed by the worker itself
# are seen at once. Feeds tell shared caches max-age=300, so a second is well inside that.
GENERATION_TRUST_SECONDS = 1.0
_PENDING = "eventhub_events_changed"
_RAISED = "eventhub_events_counter_raised"
_SEATS = "eventhub_seats_changed"
_local_commits = [0]  # raised by this process's commits that moved the counter
_local_seat_commits = [0]  # raised by this process's commits that changed seat counters


def local_seat_commits() -> int:
    """How many commits of this process changed an event's seat counters: pages kept for
    a couple of seconds (eventhub.page_cache) show this worker's own registrations at once.
    Other workers' show within the page cache's lag."""
    return _local_seat_commits[0]


def events_generation() -> int | None:
    """The current value of the counter (one primary-key read); None without the row."""
    return db.session.execute(_read).scalar_one_or_none()


def request_events_generation() -> int | None:
    """events_generation(), read once per request: the first read is the oldest, so a value
    computed after it from the database is at least as new as the value it is kept under."""
    if not has_request_context():
        return events_generation()
    if "events_generation" not in g:
        g.events_generation = events_generation()
    return g.events_generation


def recent_events_generation() -> int | None:
    """events_generation(), read from the database at most once a second per worker."""
    state = current_app.extensions.setdefault("eventhub_generation", [None, -1.0, -1])
    value, read_at, seen_commits = state
    now = time.monotonic()
    if seen_commits == _local_commits[0] and 0 <= now - read_at < GENERATION_TRUST_SECONDS:
        return value
    commits = _local_commits[0]
    value = events_generation()
    state[:] = [value, now, commits]
    return value


def _changes_public_data(session: Session) -> bool:
    for obj in session.new:
        if isinstance(obj, WATCHED):
            return True
    for obj in session.deleted:
        if isinstance(obj, WATCHED):
            return True
    for obj in session.dirty:
        if not isinstance(obj, WATCHED):
            continue
        if not isinstance(obj, Event):
            if session.is_modified(obj):
                return True
            continue
        for attribute in inspect(obj).attrs:
            if attribute.key not in BOOKKEEPING and attribute.history.has_changes():
                return True
    return False


def _before_flush(session: Session, _context, _instances) -> None:
    if _changes_public_data(session):
        session.info[_PENDING] = True


def _orm_execute(state) -> None:
    # Seat counters move with Core-style UPDATEs on events (eventhub.events.seats).
    if state.is_update and getattr(state.statement.table, "name", None) == _EVENTS_TABLE:
        state.session.info[_SEATS] = True


_EVENTS_TABLE = Event.__tablename__


def _before_commit(session: Session) -> None:
    # The counter is raised last, right before COMMIT, so its row lock (PostgreSQL) is the
    # last one a transaction takes and is held only for the commit: taken at the first
    # flush it would order against the events' FOR UPDATE locks and could deadlock.
    # SQLAlchemy fires this for a savepoint's release too; only the real COMMIT counts.
    if session.in_nested_transaction():
        return
    session.flush()
    if session.info.pop(_PENDING, False):
        # On the connection, not session.execute: nothing to autoflush, no ORM overhead.
        session.connection().execute(_raise)
        session.info[_RAISED] = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    if session.info.pop(_RAISED, False):
        _local_commits[0] += 1
    if session.info.pop(_SEATS, False):
        _local_seat_commits[0] += 1


def _after_transaction_end(session: Session, transaction) -> None:
    # Only when the outermost transaction ends: a savepoint rolled back (one bad record of
    # an import) must not forget the changes of the records before it.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_RAISED, None)
        session.info.pop(_SEATS, None)


def has_uncommitted_changes(session: Session) -> bool:
    """True while the session holds public event changes not yet committed."""
    return bool(session.info.get(_PENDING) or session.info.get(_RAISED))


def _first_counters(table, connection, **_kw) -> None:
    """Databases made with create_all (tests, benchmarks) get the row the migration adds."""
    connection.execute(table.insert(), [{"name": EVENTS_COUNTER, "value": 0}])


def init_app(app: Flask) -> None:
    """Install the listeners that keep the counter (once per process: they hang on
    SQLAlchemy's Session class and the table, and create_app may run many times)."""
    for target, name, listener in (
        (Session, "before_flush", _before_flush),
        (Session, "before_commit", _before_commit),
        (Session, "after_commit", _after_commit),
        (Session, "after_transaction_end", _after_transaction_end),
        (Session, "do_orm_execute", _orm_execute),
        (_counter, "after_create", _first_counters),
    ):
        if not sa_event.contains(target, name, listener):
            sa_event.listen(target, name, listener)


class GenerationMemo:
    """Values computed from public event data, reused while the events counter stands
    still, and for at most `ttl` seconds for what also depends on the clock (feeds drop
    events that ended long ago). One primary-key read replaces the computation."""

    def __init__(self, ttl: float, size: int = 512):
        self.ttl = ttl
        self.entries = LruCache(size)  # key -> (generation, expires at, value)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        generation = recent_events_generation()
        if generation is None:  # a database without the counter row: never trust a memo
            return compute()
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and hit[0] == generation and hit[1] > now:
            return hit[2]
        # Store under the counter as this request's own transaction sees it, read before
        # computing: the shared value may be newer than the snapshot compute() reads
        # (SQLite keeps one snapshot per transaction), which would pin old data under it.
        session = db.session()
        generation = request_events_generation()
        value = compute()
        if generation is None or has_uncommitted_changes(session):
            return value  # computed from changes that may still roll back
        self.entries.put(key, (generation, now + self.ttl, value))
        return value


def memo(name: str, ttl: float) -> GenerationMemo:
    """The app's memo of that name (per app, so test apps on other databases never mix)."""
    memos = current_app.extensions.setdefault("eventhub_memos", {})
    if name not in memos:
        memos[name] = GenerationMemo(ttl)
    return memos[name]
