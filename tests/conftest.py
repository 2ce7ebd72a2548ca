"""Fixtures: an app on a fresh database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event

from eventhub import create_app
from eventhub.events.records import upsert_event
from eventhub.events.registration import Attendee, register
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.mail.composing import CannotCompose, compose_rows
from eventhub.models import OutboxMessage
from eventhub.models.event import EVENTS_COUNTER, ChangeCounter

PG_URL = os.environ.get("EVENTHUB_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
BERLIN = ZoneInfo("Europe/Berlin")


def _worker_pg_url(worker: str) -> str:
    """One PostgreSQL database per xdist worker, created on first use."""
    base = sa.engine.make_url(PG_URL)
    name = f"{base.database}_{re.sub(r'[^a-z0-9]', '', worker)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url(worker_id):
    if not PG_URL:
        pytest.skip("EVENTHUB_TEST_DATABASE_URL is not set")
    url = _worker_pg_url(worker_id)
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


def _config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Friction for programs is tested on its own (tests/events/test_bot_protection.py).
        "BOT_PROTECTION": False,
        "BASE_URL": "http://eventhub.test",
        "SERVER_NAME": None,
        **overrides,
    }


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app_factory(backend, tmp_path, request):
    """Builds an app on a fresh, empty database; extra config as keyword arguments."""
    created = []

    def factory(**overrides):
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        else:
            url = request.getfixturevalue("pg_url")
        app = create_app(_config(url, **overrides))
        with app.app_context():
            if backend == "sqlite":
                db.create_all()
            else:
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                # The rows the migration (and create_all) start every database with.
                db.session.execute(
                    ChangeCounter.__table__.insert(), [{"name": EVENTS_COUNTER, "value": 0}]
                )
                db.session.commit()
        created.append(app)
        return app

    yield factory
    for app in created:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


class IsolatedClient(FlaskClient):
    """Runs every request in its own app context, as a server does.

    Without this, requests would share the test's app context: one database
    session and one `g` (and so one cached locale) for the whole test.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_slugs = count(1)


def in_days(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    day = dt.date.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def event_record(**overrides) -> dict:
    """A valid contract-JSON event; keyword arguments replace fields."""
    n = next(_slugs)
    starts = overrides.pop("starts", None) or in_days(30)
    record = {
        "slug": f"test-event-{n}",
        "title": f"Fachkräfte-Workshop {n}",
        "format": "workshop",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=4)).isoformat(),
        "timezone": "Europe/Berlin",
        "capacity": 50,
        "registration_closes_at": None,
        "status": "published",
        "summary": "Ein Workshop für Arbeitgeber.",
        "description": "Wir sprechen über **Anerkennung**.",
        "venue": {
            "name": "Lohnhalle",
            "street": "Im Blankenfeld 4",
            "postcode": "46238",
            "city": "Bottrop",
            "region": "Ruhrgebiet",
        },
        "hosts": [{"name": "G.I.B. NRW", "slug": "gib", "role": "host"}],
        "series": None,
        "topics": ["Integration"],
        "contact": {"name": "Erika Muster", "email": "erika@example.org", "phone": ""},
        "agenda": [],
    }
    record.update(overrides)
    return record


@pytest.fixture
def make_event(app):
    """Create an event through the import service; returns the Event."""

    def factory(**overrides):
        record = EventRecord.model_validate(event_record(**overrides))
        # End a read the test left open: a request since may have written (the audit log
        # records reads), and SQLite refuses to turn a stale read into a write.
        db.session.commit()
        upsert_event(record)
        db.session.commit()
        from eventhub.models import Event

        return db.session.scalar(sa.select(Event).where(Event.slug == record.slug))

    return factory


@pytest.fixture
def make_registration(app):
    """Register someone through the registration service; returns (registration, token)."""
    numbers = count(1)

    def factory(event, **overrides):
        n = next(numbers)
        values = {
            "first_name": "Anna",
            "last_name": f"Beispiel {n}",
            "email": f"anna{n}@example.org",
            "organisation": "Muster GmbH",
        }
        values.update(overrides)
        return register(event.id, Attendee(**values))

    return factory


# What the public registration form gets when a test does not say otherwise.
REGISTRATION_FORM = {
    "first_name": "Jürgen",
    "last_name": "Müller-Lüdenscheidt",
    "email": "j.mueller@example.org",
    "organisation": "Bäckerei Müller GmbH",
    "job_title": "Ausbildungsleiter",
    "consent_privacy": "y",
}


@pytest.fixture
def register_by_form(request):
    """POST the public registration form of `event` (an Event or a slug); returns the response.

    Keyword arguments replace fields of REGISTRATION_FORM, None leaves a field out. `client`
    defaults to the `client` fixture, `lang` adds ?lang=..., `headers` go with the request.
    """

    def post(event, *, client=None, lang: str | None = None, headers=None, **fields):
        client = client if client is not None else request.getfixturevalue("client")
        slug = event if isinstance(event, str) else event.slug
        data = {k: v for k, v in {**REGISTRATION_FORM, **fields}.items() if v is not None}
        query = f"?lang={lang}" if lang else ""
        return client.post(f"/events/{slug}/register{query}", data=data, headers=headers)

    return post


class Outbox:
    """The mail in the outbox as committed so far, oldest first.

    `outbox()` gives the rows, `outbox.emails()` the parsed messages; both filter by kind,
    recipient and status. Every read ends the test's own transaction first, so it sees
    what requests and services committed in the meantime, and composes the rows left to
    the worker (confirmations, organiser notices) with the worker's own code first, so
    tests read the real messages.
    """

    def __call__(
        self, *, kind: str | None = None, recipient: str | None = None, status: str | None = None
    ) -> list[OutboxMessage]:
        db.session.rollback()
        for problem in compose_rows().values():
            if not isinstance(problem, CannotCompose):
                raise problem
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in (
            (OutboxMessage.kind, kind),
            (OutboxMessage.recipient, recipient),
            (OutboxMessage.status, status),
        ):
            if value is not None:
                query = query.where(column == value)
        return list(db.session.scalars(query))

    def emails(self, **filters) -> list[EmailMessage]:
        return [self.parse(row) for row in self(**filters)]

    def last(self, **filters) -> OutboxMessage | None:
        rows = self(**filters)
        return rows[-1] if rows else None

    def count_by(self, column: str, **filters) -> Counter:
        """How many rows per value of `column` ("kind", "status", ...)."""
        return Counter(getattr(row, column) for row in self(**filters))

    @staticmethod
    def parse(row: OutboxMessage) -> EmailMessage:
        return message_from_bytes(row.message, policy=policy.default)

    @classmethod
    def text(cls, row: OutboxMessage) -> str:
        """The plain-text body of a row's message."""
        return cls.parse(row).get_body(("plain",)).get_content()


@pytest.fixture
def outbox(app) -> Outbox:
    """The mail captured in the outbox (nothing is sent without an SMTP server)."""
    return Outbox()


@pytest.fixture
def query_counter(app):
    """Counts SQL statements sent to the database inside `with query_counter() as n:`."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            # Transaction control depends on what the test itself left open; count work.
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                statements.append(statement)

        engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa_event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def bulk_registrations(app):
    """Insert many confirmed registrations directly (for size tests, not for rules)."""
    import hashlib
    import uuid

    from sqlalchemy import insert, update

    from eventhub.models import Event, Registration
    from eventhub.models.base import utcnow

    def factory(event, count: int) -> None:
        db.session.commit()  # end a stale read (see make_event)
        now = utcnow()
        rows = [
            {
                "uid": uuid.uuid4().hex,
                "event_id": event.id,
                "status": "confirmed",
                "first_name": "Bulk",
                "last_name": f"Person {n}",
                "email": f"bulk{n}-{event.id}@example.org",
                "email_normalised": f"bulk{n}-{event.id}@example.org",
                "organisation": "Muster GmbH",
                "organisation_type": "company",
                "search_text": f"bulk person {n}",
                "job_title": "",
                "show_in_directory": False,
                "language": "de",
                "token_hash": hashlib.sha256(f"{event.id}-{n}".encode()).hexdigest(),
                "sequence": 0,
                "source": "web",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        db.session.execute(insert(Registration), rows)
        db.session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(confirmed_count=Event.confirmed_count + count)
        )
        db.session.commit()

    return factory


def run_together(app, job, count: int = 2) -> list[Exception]:
    """Run `job` in `count` threads released at the same moment, each in its own app
    context; returns what they raised."""
    import threading

    barrier = threading.Barrier(count)
    errors: list[Exception] = []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                job()
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
