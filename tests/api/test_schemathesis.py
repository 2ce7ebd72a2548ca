"""schemathesis generates requests from /api/v1/openapi.json: no 5xx, every response
matches the documented schema (a bounded number of cases per operation)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from eventhub import create_app
from eventhub.events.exchange import load_demo
from eventhub.extensions import db


def _app():
    directory = Path(tempfile.mkdtemp(prefix="eventhub-schemathesis-"))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{directory / 'api.sqlite3'}",
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://eventhub.test",
        }
    )
    with app.app_context():
        db.create_all()
        import datetime as dt

        load_demo(dt.date.today())
    return app


APP = _app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    case.call_and_validate()
