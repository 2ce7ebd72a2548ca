"""When the database (or Redis) is away: 503 with Retry-After, in the user's language or
as JSON; nothing half-written; the app answers again once it is back, without a restart."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from eventhub import create_app
from eventhub.extensions import db
from eventhub.models import OutboxMessage, Registration
from tests.conftest import REGISTRATION_FORM, _config

REDIS_URL = os.environ.get("EVENTHUB_TEST_REDIS_URL")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_app():
    """An app whose PostgreSQL listens nowhere (a loopback port just closed)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/eventhub"
    app = create_app(_config(url))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/", "/events/", "/events/some-event", "/calendar.ics"])
def test_pages_answer_503_in_the_users_language(unreachable_app, path):
    client = unreachable_app.test_client()
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
    assert "vorübergehend nicht erreichbar" in response.get_data(as_text=True)
    english = client.get(path, headers={"Accept-Language": "en"})
    assert "temporarily unavailable" in english.get_data(as_text=True)


def test_a_registration_during_the_outage_is_503(unreachable_app):
    response = unreachable_app.test_client().post(
        "/events/some-event/register", data=REGISTRATION_FORM
    )
    assert response.status_code == 503


@pytest.mark.parametrize("path", ["/api/v1/events", "/healthz", "/readyz"])
def test_api_and_health_answer_json_503(unreachable_app, path):
    response = unreachable_app.test_client().get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    error = response.get_json()["error"]
    assert error["status"] == 503 and error["message"]


def test_readyz_when_all_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_503_when_redis_is_away(app_factory):
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["error"]["checks"] == {"database": "ok", "redis": "unavailable"}
    # Liveness does not hang on Redis: a load balancer must not restart the app for it.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_names_the_database_when_it_is_away(unreachable_app):
    response = unreachable_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["error"]["checks"] == {"database": "unavailable"}


@pytest.mark.skipif(not REDIS_URL, reason="EVENTHUB_TEST_REDIS_URL is not set")
def test_readyz_with_redis(app_factory):
    app = app_factory(REDIS_URL=REDIS_URL)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.parametrize("backend", ["sqlite"])  # a database file that can go away
def test_sqlite_outage_and_recovery_without_a_restart(tmp_path, make_event, outbox):
    """The database file disappears (a directory in its place), then comes back."""
    event = make_event()
    path = Path(db.engine.url.database)
    # A fresh connection per request, so the outage is not hidden by an open one.
    url = f"sqlite:///{path}"
    app = create_app(_config(url, SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool}))
    client = app.test_client()
    assert client.get(f"/events/{event.slug}").status_code == 200
    db.session.remove()
    db.engine.dispose()

    moved = tmp_path / "moved"
    moved.mkdir()
    for file in path.parent.glob(path.name + "*"):
        file.rename(moved / file.name)
    path.mkdir()  # the file is away and cannot be created again
    try:
        assert client.get(f"/events/{event.slug}").status_code == 503
        data = {**REGISTRATION_FORM, "email": "during@example.org"}
        assert client.post(f"/events/{event.slug}/register", data=data).status_code == 503
        assert client.get("/healthz").status_code == 503
    finally:
        path.rmdir()
        for file in moved.iterdir():
            file.rename(path.parent / file.name)

    assert client.get(f"/events/{event.slug}").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert outbox() == []  # the attempt during the outage left nothing behind
    assert db.session.scalars(sa.select(Registration)).all() == []
    data = {**REGISTRATION_FORM, "email": "after@example.org"}
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 303
    db.session.rollback()
    emails = db.session.scalars(sa.select(Registration.email)).all()
    assert emails == ["after@example.org"]
    assert [row.recipient for row in db.session.scalars(sa.select(OutboxMessage))] == [
        "after@example.org"
    ]
    with app.app_context():
        db.engine.dispose()
