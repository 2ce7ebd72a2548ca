"""Rate limits are shared by every worker through Redis, and a warning says when they
are not."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from eventhub import create_app
from tests.conftest import _config

REDIS_URL = os.environ.get("EVENTHUB_TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent
WRONG = {"email": "orga@ihk.example", "password": "falsch-falsch"}

# Another worker: a fresh interpreter with its own app (and its own Flask-Limiter), which
# tries once more and prints the status it got.
OTHER_WORKER = textwrap.dedent(
    """
    import json, sys
    from eventhub import create_app
    app = create_app(json.loads(sys.argv[1]))
    response = app.test_client().post("/manage/login", data=json.loads(sys.argv[2]))
    print(response.status_code)
    """
)


def limiter_redis_url(worker_id: str) -> str:
    """A Redis database of our own: tests/mail/test_wakeup.py counts down from the one
    EVENTHUB_TEST_REDIS_URL names (one per xdist worker); this counts up from the next."""
    parts = urlsplit(REDIS_URL)
    first = int(parts.path.strip("/") or 15)
    offset = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    return parts._replace(path=f"/{(first + 1 + offset) % 16}").geturl()


def other_worker_status(config: dict) -> int:
    import json

    result = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, json.dumps(config), json.dumps(WRONG)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory-control"])
def test_two_workers_share_the_login_limit_through_redis(app_factory, worker_id, shared):
    if shared and not REDIS_URL:
        pytest.skip("EVENTHUB_TEST_REDIS_URL is not set")
    extra = {"REDIS_URL": limiter_redis_url(worker_id)} if shared else {}
    app = app_factory(RATELIMIT_ENABLED=True, **extra)
    if shared:
        app.extensions["eventhub_redis"].flushdb()
    client = app.test_client()
    assert [client.post("/manage/login", data=WRONG).status_code for _ in range(5)] == [401] * 5
    config = {**_config(app.config["SQLALCHEMY_DATABASE_URI"]), "RATELIMIT_ENABLED": True}
    config.update(extra)
    # With Redis the other worker knows of the five failures; in memory it does not.
    assert other_worker_status(config) == (429 if shared else 401)


def test_memory_storage_outside_debug_is_warned_about(tmp_path, caplog):
    config = _config(f"sqlite:///{tmp_path / 'db.sqlite3'}", TESTING=False)
    with caplog.at_level(logging.WARNING, logger="eventhub"):
        create_app({**config, "RATELIMIT_ENABLED": True})
    assert "EVENTHUB_REDIS_URL" in caplog.text and "per worker" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="eventhub"):
        create_app({**config, "RATELIMIT_ENABLED": True, "REDIS_URL": "redis://127.0.0.1:1/0"})
        create_app({**config, "RATELIMIT_ENABLED": False})
    assert "per worker" not in caplog.text
