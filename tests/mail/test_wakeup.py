"""With Redis, a waiting worker is woken by new mail instead of waiting for its next poll."""

from __future__ import annotations

import os
import threading
import time
from urllib.parse import urlsplit

import pytest

from eventhub.mail.delivery import run_worker
from eventhub.mail.wakeup import QUEUE, wait_for_new_mail

REDIS_URL = os.environ.get("EVENTHUB_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="EVENTHUB_TEST_REDIS_URL is not set")


@pytest.fixture
def redis_app(app_factory, smtp_server, worker_id):
    # One Redis database per xdist worker, counting down from the one the URL names.
    parts = urlsplit(REDIS_URL)
    first = int(parts.path.strip("/") or 15)
    database = first - (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    url = parts._replace(path=f"/{database}").geturl()
    app = app_factory(REDIS_URL=url, SMTP_URL=smtp_server.url)
    client = app.extensions["eventhub_redis"]
    client.delete(QUEUE)
    yield app
    client.delete(QUEUE)


def make_event(app) -> str:
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from tests.conftest import event_record

    with app.app_context():
        upsert_event(EventRecord.model_validate(event_record(slug="redis-test", capacity=1)))
        db.session.commit()
    return "redis-test"


def test_committed_mail_is_announced_and_refused_is_not(redis_app, register_by_form):
    slug = make_event(redis_app)
    client = redis_app.test_client()
    redis = redis_app.extensions["eventhub_redis"]

    def register(email: str) -> int:
        response = register_by_form(slug, client=client, first_name="A", last_name="B", email=email)
        return response.status_code

    assert register("a@example.org") == 303
    assert redis.llen(QUEUE) == 1
    assert register("b@example.org") == 409
    assert redis.llen(QUEUE) == 1


def test_waiting_worker_sends_new_mail_at_once(redis_app, smtp_server, register_by_form):
    slug = make_event(redis_app)
    stop = threading.Event()

    def worker():
        with redis_app.app_context():
            run_worker(
                loop=True, idle_seconds=60, wait_for_push=wait_for_new_mail, until=stop.is_set
            )

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    time.sleep(0.5)  # the worker found nothing and waits (60 s without a wake-up)
    register_by_form(
        slug, client=redis_app.test_client(), first_name="A", last_name="B", email="a@example.org"
    )
    deadline = time.monotonic() + 20
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    redis_app.extensions["eventhub_redis"].rpush(QUEUE, 0)  # wake it to see the stop flag
    thread.join(timeout=10)
    assert len(smtp_server.messages) == 1  # well before the 60 s poll
