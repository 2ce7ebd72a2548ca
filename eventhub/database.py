"""Engine set-up and the write transaction every rule with a race goes through."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

try:
    import fcntl
except ImportError:  # not POSIX: writers wait in SQLite's busy handler as before
    fcntl = None

from eventhub.extensions import db
from eventhub.querying import SQLITE_LOWER_FUNCTION, sqlite_lower

SQLITE_BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "eventhub_begin_immediate"
_WRITING = "eventhub_writing"
_FLUSHED = "eventhub_flushed"
_RELEASE = "eventhub_release_writer_lock"
WRITER_LOCK_SUFFIX = "-writer.lock"

log = logging.getLogger(__name__)
_held = threading.local()  # lock files this thread holds, so it never queues behind itself


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
    if not event.contains(Session, "after_commit", _release_writer_lock):
        # First of the after_commit listeners: what they do after the COMMIT (the mail
        # wake-up talks to Redis) must not hold up the next writer.
        event.listen(Session, "after_commit", _release_writer_lock, insert=True)


def _release_writer_lock(session: Session) -> None:
    release = session.info.pop(_RELEASE, None)
    if release is not None:
        release()


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

    On an SQLite file the writers first queue on a lock file beside the database
    (`_writer_lock`), held from before BEGIN IMMEDIATE until after COMMIT or ROLLBACK.
    Without it, a writer that finds the write lock taken waits in SQLite's busy
    handler, which polls: it sleeps 1, 2, 5, 10 ... up to 100 ms between tries, so
    under load the lock sits idle while waiters sleep and the unlucky ones wait
    seconds. flock() waits in the kernel (without the GIL) and wakes the next waiter as
    soon as the lock is released. The busy timeout stays as the safety net for writers
    that do not come through here. A nested call joins the outer transaction and its
    lock.
    """
    session = db.session()
    if session.info.get(_WRITING):
        yield session  # already inside a write transaction: join it
        return
    if session.in_transaction():
        if _has_changes(session):
            raise UncommittedChanges("changes made outside write_transaction()")
        session.commit()
    # Queue before taking a pooled connection, so waiters do not hold connections.
    with _writer_lock(session.get_bind()) if immediate else _no_lock() as release:
        session.connection(execution_options={_IMMEDIATE: immediate})
        session.info[_WRITING] = True
        session.info[_RELEASE] = release  # at the COMMIT (_release_writer_lock), or below
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_WRITING, None)
            session.info.pop(_RELEASE, None)


def _nothing() -> None:
    return None


@contextmanager
def _no_lock() -> Iterator[Callable[[], None]]:
    yield _nothing


def writer_lock_path(url: URL) -> str | None:
    """The lock file writers queue on for this database URL; None where there is none
    (not SQLite, an in-memory database, or no flock on this platform)."""
    if fcntl is None or url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if url.query.get("uri") in ("true", "1") and database.startswith("file:"):
        # pysqlite passes the URL's query on to SQLite's own URI
        path, _, query = database[len("file:") :].partition("?")
        if url.query.get("mode") == "memory" or "mode=memory" in query:
            return None
        database = path
    if database in ("", ":memory:"):
        return None
    return os.path.abspath(database) + WRITER_LOCK_SUFFIX


@contextmanager
def _writer_lock(engine: Engine) -> Iterator[Callable[[], None]]:
    """Hold the exclusive flock on the database's writer lock file for the block.

    Every acquisition opens the file anew: flock() locks belong to the open file
    description, so threads of one process queue just as processes do. A thread that
    already holds the lock (a write transaction of another session in the same thread)
    does not wait for itself. Yields the function that lets go of it: write_transaction
    calls it right after the COMMIT, before the after_commit listeners run.
    """
    path = writer_lock_path(engine.url)
    held = getattr(_held, "paths", None)
    if held is None:
        held = _held.paths = set()
    if path is None or path in held:
        yield _nothing
        return
    fd = _open_lock_file(path)
    if fd is None:
        yield _nothing
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # a file system without flock (some network or FUSE mounts)
        os.close(fd)
        log.warning("cannot lock %s: writers wait in SQLite's busy handler", path, exc_info=True)
        yield _nothing
        return
    held.add(path)
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            held.discard(path)
            os.close(fd)  # closing the last descriptor releases the lock

    try:
        yield release
    finally:
        release()


def _open_lock_file(path: str) -> int | None:
    """Open (create) the lock file; read access is all flock() needs. It gets the
    database file's permissions, so whoever may use the database may queue."""
    try:
        mode = os.stat(path.removesuffix(WRITER_LOCK_SUFFIX)).st_mode & 0o666
    except OSError:
        mode = 0o600
    try:
        return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, mode)
    except OSError:
        log.warning("cannot open %s: writers wait in SQLite's busy handler", path, exc_info=True)
        return None
