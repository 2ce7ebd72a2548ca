"""On an SQLite file, write_transaction() queues writers on a lock file beside the
database instead of leaving them to poll in SQLite's busy handler.

The tests take the busy handler away (busy timeout 0): a writer that finds the write lock
taken then fails at once with "database is locked" instead of polling. With the queue no
writer ever finds it taken; the control, with the queue switched off, shows the failures.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from eventhub import database
from eventhub.database import WRITER_LOCK_SUFFIX, write_transaction, writer_lock_path
from eventhub.extensions import db
from eventhub.models import Organisation
from tests.conftest import _config

THREADS = 8
ROUNDS = 4
HOLD_SECONDS = 0.01  # keeps each writer inside its transaction so they collide for sure


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def impatient_app(app_factory, monkeypatch):
    """An app on an SQLite file whose connections never wait in the busy handler."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 0)
    app = app_factory()
    with app.app_context():
        yield app


def write_rows(prefix: str, rounds: int = ROUNDS) -> list[Exception]:
    """`rounds` write transactions of one row each; returns the "database is locked"
    failures."""
    failures = []
    for n in range(rounds):
        try:
            with write_transaction() as session:
                session.add(Organisation(slug=f"{prefix}-{n}", name=f"{prefix} {n}"))
                session.flush()
                time.sleep(HOLD_SECONDS)
        except OperationalError as exc:
            assert "database is locked" in str(exc)
            failures.append(exc)
    return failures


def write_from_threads(app) -> list[Exception]:
    barrier = threading.Barrier(THREADS)
    failures: list[Exception] = []

    def worker(number: int) -> None:
        with app.app_context():
            barrier.wait()
            failures.extend(write_rows(f"thread-{number}"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def organisation_slugs() -> list[str]:
    db.session.rollback()
    return db.session.scalars(sa.select(Organisation.slug)).all()


def test_writers_in_threads_queue_instead_of_colliding(impatient_app):
    # Each write_transaction() opens the lock file anew, and flock() locks belong to the
    # open file description: threads of one process exclude each other exactly as
    # processes do, so this also stands for several gunicorn workers.
    assert write_from_threads(impatient_app) == []
    assert len(organisation_slugs()) == THREADS * ROUNDS


def test_control_without_the_queue_writers_collide(impatient_app, monkeypatch):
    @contextmanager
    def no_queue(_engine):
        yield

    monkeypatch.setattr(database, "_writer_lock", no_queue)
    failures = write_from_threads(impatient_app)
    assert failures, "without the queue some writers should find the database locked"
    assert len(organisation_slugs()) == THREADS * ROUNDS - len(failures)


def _write_in_another_process(url: str, barrier, results) -> None:
    database.SQLITE_BUSY_TIMEOUT_MS = 0
    from eventhub import create_app

    app = create_app(_config(url))
    with app.app_context():
        barrier.wait(timeout=120)
        results.put(len(write_rows("process")))


@pytest.mark.slow
def test_writers_in_two_processes_queue(impatient_app):
    """The same across a process boundary, as between gunicorn workers."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    url = impatient_app.config["SQLALCHEMY_DATABASE_URI"]
    child = context.Process(target=_write_in_another_process, args=(url, barrier, results))
    child.start()
    try:
        barrier.wait(timeout=120)  # a guard against a child that died, not a measurement
        own_failures = write_rows("parent")
        child_failures = results.get(timeout=120)
    finally:
        child.join(timeout=120)
    assert (own_failures, child_failures) == ([], 0)
    assert len(organisation_slugs()) == 2 * ROUNDS


def test_the_lock_file_lies_beside_the_database(impatient_app, tmp_path):
    with write_transaction() as session:
        session.add(Organisation(slug="ihk", name="IHK"))
    lock_mode = (tmp_path / f"test.sqlite3{WRITER_LOCK_SUFFIX}").stat().st_mode
    database_mode = (tmp_path / "test.sqlite3").stat().st_mode
    assert lock_mode & 0o777 & ~database_mode == 0  # open to no one the database is not


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "sqlite:///file:db?mode=memory&uri=true"],
)
def test_no_lock_file_for_in_memory_databases(url):
    assert writer_lock_path(sa.engine.make_url(url)) is None


def test_no_lock_file_on_postgresql():
    url = sa.engine.make_url("postgresql+psycopg://postgres@127.0.0.1:5432/eventhub")
    assert writer_lock_path(url) is None


def test_a_nested_transaction_joins_without_locking_again(impatient_app):
    # A second flock on a new descriptor would wait for the outer one forever.
    with write_transaction() as outer:
        outer.add(Organisation(slug="aussen", name="Outer"))
        with write_transaction() as inner:
            inner.add(Organisation(slug="innen", name="Inner"))
    assert sorted(organisation_slugs()) == ["aussen", "innen"]


def test_a_second_session_of_the_same_thread_does_not_wait_for_itself(impatient_app):
    """Another app context of the same thread (its own session) fails on SQLite's lock
    as before, instead of queueing forever behind its own thread."""
    with write_transaction() as outer:
        outer.add(Organisation(slug="aussen", name="Outer"))
        with (
            impatient_app.app_context(),
            pytest.raises(OperationalError, match="locked"),
            write_transaction() as other,
        ):
            other.add(Organisation(slug="anderswo", name="Elsewhere"))
    assert organisation_slugs() == ["aussen"]


def _lock_file_free(path: str) -> bool:
    import fcntl
    import os

    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also lets go of the lock if it was taken
    return True


@pytest.mark.parametrize("early", [True, False], ids=["released-at-commit", "control"])
def test_the_lock_is_free_once_committed_before_after_commit_work(impatient_app, early):
    """What runs after the COMMIT (the mail wake-up talks to Redis) holds up no writer.
    The control keeps the lock to the end of the block, as before: held then."""
    path = writer_lock_path(db.engine.url)
    seen = []

    def after_commit(_session):
        seen.append(_lock_file_free(path))

    sa.event.listen(db.session(), "after_commit", after_commit)
    try:
        with write_transaction() as session:
            session.add(Organisation(slug="early", name="Early"))
            if not early:
                session.info.pop(database._RELEASE)
    finally:
        sa.event.remove(db.session(), "after_commit", after_commit)
    assert seen == [early]
    assert _lock_file_free(path)  # and let go in the end either way
