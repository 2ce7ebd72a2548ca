"""Two eventhub instances on one PostgreSQL and one Redis, as on two hosts.

Two gunicorn masters (2 gthread workers each) on different ports stand in for two hosts,
each with its own mail worker (`flask mail send --loop`) delivering to one real SMTP
server. Through their HTTP ports only: registrations from many clients spread over both
never exceed the capacity; a change made through one reaches the other's event page and
feed within the documented lag; every outbox message is delivered exactly once although
both workers poll the same outbox; a rate limit counts requests to both instances.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from eventhub.changes import GENERATION_TRUST_SECONDS
from eventhub.config import Config
from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import Event, OutboxMessage, Registration
from tests.conftest import PG_URL
from tests.mail.conftest import free_port, smtp_server  # noqa: F401 - a fixture
from tests.manage.conftest import PASSWORD, hosted_by
from tests.test_rate_limits import REDIS_URL, limiter_redis_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="needs PostgreSQL and Redis"),
    pytest.mark.parametrize("backend", ["postgresql"]),
]

# The documented lag of pages and feeds behind the database, across hosts: a page kept
# for anonymous visitors lives PAGE_CACHE_SECONDS at most (and goes earlier when the
# events counter moves, which each worker re-reads every GENERATION_TRUST_SECONDS); a
# margin for the request itself.
LAG_SECONDS = max(Config.PAGE_CACHE_SECONDS, GENERATION_TRUST_SECONDS) + 0.3
CAPACITY = 12
CLIENTS = 30  # people trying to register at once, over both instances
# The lost-links form's limit per client address, low so that the test can exhaust it.
LOST_LINKS_LIMIT = 4


class Instance:
    """One gunicorn master with the production settings (deploy/gunicorn.conf.py: 2 gthread
    workers x 4 threads), on a port of its own."""

    def __init__(self, env: dict[str, str], name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = name
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "deploy/gunicorn.conf.py",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "EVENTHUB_WEB_BIND": f"127.0.0.1:{self.port}"},
        )

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still starting
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not become ready")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def cluster(app_factory, smtp_server, worker_id):  # noqa: F811 - the SMTP fixture
    redis_url = limiter_redis_url(worker_id)
    app = app_factory()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "EVENTHUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVENTHUB_SECRET_KEY": "scale-out-test-secret-key-0123456789abcdef",
        "EVENTHUB_BASE_URL": "http://127.0.0.1",
        "EVENTHUB_REDIS_URL": redis_url,
        "EVENTHUB_SMTP_URL": smtp_server.url,
        "EVENTHUB_BOT_PROTECTION": "false",
        # Everyone here comes from 127.0.0.1: the per-address registration limits would
        # refuse the crowd; the lost-links limit stays low to be exhausted on purpose.
        "EVENTHUB_REGISTRATION_RATELIMIT": "1000 per minute",
        "EVENTHUB_SEAT_RATELIMIT": "1000 per hour",
        "EVENTHUB_LOST_LINKS_RATELIMIT": f"{LOST_LINKS_LIMIT} per hour",
        "EVENTHUB_MAILS_PER_MAILBOX_PER_HOUR": "100",
    }
    env.pop("FLASK_DEBUG", None)
    with ExitStack() as stack:
        instances = [Instance(env, "a"), Instance(env, "b")]
        for instance in instances:
            stack.callback(_stop, instance.process)
        workers = []
        for _ in instances:
            worker = subprocess.Popen(
                [str(BIN / "flask"), "--app", "app", "mail", "send", "--loop", "--no-scheduled"]
                + ["--interval", "0.5"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            stack.callback(_stop, worker)
            workers.append(worker)
        deadline = time.monotonic() + 60
        for instance in instances:
            instance.wait_ready(deadline)
        yield app, instances, workers


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _register(base: str, slug: str, n: int) -> int:
    with requests.Session() as session:
        form = session.get(f"{base}/events/{slug}/register", timeout=30)
        assert form.status_code == 200
        response = session.post(
            f"{base}/events/{slug}/register",
            data={
                "csrf_token": _csrf(form.text),
                "first_name": "Jana",
                "last_name": f"Schmidt {n}",
                "email": f"jana.schmidt{n}@example.org",
                "organisation": "Muster GmbH",
                "consent_privacy": "y",
            },
            allow_redirects=False,
            timeout=30,
        )
        return response.status_code


def _page(instance: Instance, slug: str) -> str:
    response = requests.get(
        f"{instance.url}/events/{slug}", timeout=10, headers={"Accept-Language": "de"}
    )
    assert response.status_code == 200
    return response.text


def _feed(instance: Instance) -> str:
    response = requests.get(f"{instance.url}/calendar.ics", timeout=10)
    assert response.status_code == 200
    return response.text


def _count(status: str, event_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event_id, Registration.status == status)
    )


def _wait_for_outbox(deadline: float) -> list[OutboxMessage]:
    while time.monotonic() < deadline:
        db.session.rollback()
        rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        if rows and all(row.status != "queued" for row in rows):
            return rows
        time.sleep(0.3)
    raise AssertionError("the mail workers did not empty the outbox")


def test_two_instances_share_capacity_changes_mail_and_limits(cluster, make_event, smtp_server):  # noqa: F811
    app, (a, b), _workers = cluster
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(capacity=CAPACITY, hosts=hosted_by("ihk-nrw"))
    slug, event_id = event.slug, event.id

    # b's pages, seen (and possibly cached) before anything changes.
    assert "ausgebucht" not in _page(b, slug).lower()
    assert "STATUS:CANCELLED" not in _feed(b)

    # Capacity: a crowd over both instances; no seat is given twice.
    codes: list[int] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        code = _register((a, b)[n % 2].url, slug, n)
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == CLIENTS
    assert _count("confirmed", event_id) == CAPACITY
    # Everyone else got the form back with the refusal (full), nobody an error.
    assert sorted(codes) == [303] * CAPACITY + [409] * (CLIENTS - CAPACITY)

    time.sleep(LAG_SECONDS)
    assert "ausgebucht" in _page(b, slug).lower()  # seats left, no later than the lag

    # A change made through instance a reaches b's event page and feed within the lag.
    with requests.Session() as organiser:
        login = organiser.get(f"{a.url}/manage/login", timeout=10)
        organiser.post(
            f"{a.url}/manage/login",
            data={
                "csrf_token": _csrf(login.text),
                "email": "orga@ihk.example",
                "password": PASSWORD,
            },
            timeout=10,
        )
        page = organiser.get(f"{a.url}/manage/events/{slug}", timeout=10)
        response = organiser.post(
            f"{a.url}/manage/events/{slug}/status",
            data={"csrf_token": _csrf(page.text), "action": "cancel"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Event, event_id).status == "cancelled"
    time.sleep(LAG_SECONDS)
    assert "abgesagt" in _page(b, slug).lower()
    assert "STATUS:CANCELLED" in _feed(b)

    # Rate limits are shared: the lost-links form refuses the request that crosses the
    # limit wherever it arrives.
    statuses = []
    for n in range(LOST_LINKS_LIMIT + 1):
        instance = (a, b)[n % 2]
        with requests.Session() as visitor:
            form = visitor.get(f"{instance.url}/my-registrations", timeout=10)
            if form.status_code == 429:
                statuses.append(429)
                continue
            statuses.append(
                visitor.post(
                    f"{instance.url}/my-registrations",
                    data={"csrf_token": _csrf(form.text), "email": f"nobody{n}@example.org"},
                    allow_redirects=False,
                    timeout=10,
                ).status_code
            )
    assert statuses[-1] == 429 and 429 not in statuses[: LOST_LINKS_LIMIT - 1], statuses

    # Every mail (confirmations, waiting-list notes, the cancellations, the organisers'
    # notices) is delivered once, by one of the two workers.
    rows = _wait_for_outbox(time.monotonic() + 60)
    assert {row.status for row in rows} == {"sent"}
    delivered = [message["Message-ID"].strip() for message in smtp_server.messages]
    assert len(delivered) == len(set(delivered)) == len(rows)
    assert set(delivered) == {row.message_id for row in rows}
