"""Optional Redis wake-up: new outbox rows are announced after commit, so a waiting
worker sends them within a second. The outbox stays the only source of truth: a lost
announcement only means the row goes out with the worker's next regular sweep."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from eventhub.models import OutboxMessage

log = logging.getLogger(__name__)
QUEUE = "eventhub:mail:new"
_PENDING = "eventhub_new_mail"


def init_app(app: Flask) -> None:
    """Announce committed outbox rows when EVENTHUB_REDIS_URL is set.

    The session listeners are installed once per process (they hang on SQLAlchemy's
    Session class); an app without Redis has no client, so they announce nothing.
    """
    for name, listener in (
        ("after_flush", _collect),
        ("after_commit", _announce),
        ("after_rollback", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    if not app.config.get("REDIS_URL"):
        return
    import redis

    url = app.config["REDIS_URL"]
    # Requests announce with tight timeouts: a slow Redis must not slow registrations.
    app.extensions["eventhub_redis"] = redis.Redis.from_url(
        url, socket_timeout=0.2, socket_connect_timeout=0.2
    )
    # The worker's blocking wait needs a socket that outlives the BLPOP timeout.
    app.extensions["eventhub_redis_wait"] = redis.Redis.from_url(
        url, socket_timeout=None, socket_connect_timeout=2
    )


def _collect(session: Session, _context) -> None:
    new = [obj for obj in session.new if isinstance(obj, OutboxMessage)]
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


def _announce(session: Session) -> None:
    rows = session.info.pop(_PENDING, None)
    if not rows:
        return
    try:
        client = current_app.extensions.get("eventhub_redis")
    except RuntimeError:  # no app context (scripts): nothing to announce to
        return
    if client is None:
        return
    try:
        client.rpush(QUEUE, *(row.id for row in rows))
    except Exception as exc:
        log.warning("could not announce %d new mails to Redis: %s", len(rows), exc)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def wait_for_new_mail(seconds: float) -> None:
    """Sleep until a new mail is announced or `seconds` pass (the worker's idle wait)."""
    client = current_app.extensions.get("eventhub_redis_wait")
    if client is None:
        import time

        time.sleep(seconds)
        return
    try:
        client.blpop([QUEUE], timeout=max(seconds, 0.1))
        client.delete(QUEUE)  # one wake-up serves them all: the worker claims by query
    except Exception as exc:
        log.warning("Redis wait failed (%s); polling instead", exc)
        import time

        time.sleep(seconds)
