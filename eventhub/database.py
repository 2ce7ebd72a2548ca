"""Engine set-up and the write transaction every rule with a race goes through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from eventhub.extensions import db
from eventhub.querying import SQLITE_LOWER_FUNCTION, sqlite_lower

SQLITE_BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "eventhub_begin_immediate"
_WRITING = "eventhub_writing"
_FLUSHED = "eventhub_flushed"


class UncommittedChanges(RuntimeError):
    """write_transaction() was entered with changes outside it (a programming error)."""


def init_app(app: Flask) -> None:
    """Give SQLite engines WAL, foreign keys and explicit BEGIN control, and let
    write_transaction() see changes flushed outside it."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine)
    for name, listener in (
        ("after_flush", _note_flush),
        ("after_transaction_end", _forget_flush),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _note_flush(session: Session, _context) -> None:
    session.info[_FLUSHED] = True


def _forget_flush(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_FLUSHED, None)


def _has_changes(session: Session) -> bool:
    return bool(
        session.new
        or session.deleted
        or any(session.is_modified(obj) for obj in session.dirty)
        or session.info.get(_FLUSHED)
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.create_function(SQLITE_LOWER_FUNCTION, 1, sqlite_lower, deterministic=True)
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A deferred transaction that reads and then writes fails with "database is
        # locked" when another writer got in between; writers take the lock first.
        if connection.get_execution_options().get(_IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction(*, immediate: bool = True) -> Iterator[Session]:
    """Run the block as one writing transaction and commit it.

    On SQLite the transaction starts with BEGIN IMMEDIATE, so check and write
    happen under the database's write lock; PostgreSQL relies on row locks and
    conditional updates inside the block. A transaction the request had open for
    reading is ended first so the block sees current data; one with changes is refused
    (UncommittedChanges) rather than committed behind its owner's back.
    """
    session = db.session()
    if session.info.get(_WRITING):
        yield session  # already inside a write transaction: join it
        return
    if session.in_transaction():
        if _has_changes(session):
            raise UncommittedChanges("changes made outside write_transaction()")
        session.commit()
    session.connection(execution_options={_IMMEDIATE: immediate})
    session.info[_WRITING] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_WRITING, None)
