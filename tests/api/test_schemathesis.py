"""schemathesis generates requests from /api/v1/openapi.json: no 5xx, every response
matches the documented schema (a bounded number of cases per operation)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import schemathesis
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select

from eventhub import create_app
from eventhub.events.records import load_demo
from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.models import Event


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
        load_demo(dt.date.today())
        # An API key of the organisation hosting the Bottrop Fachtagung, so the organiser
        # operations are exercised past authentication too.
        event = db.session.scalar(select(Event).where(Event.capacity == 170))
        host = next(h.organisation for h in event.hosts if h.role == "host")
        _token, raw = create_token(host.id, "schemathesis", can_write=True, created_by_id=None)
        return app, event.slug, raw


APP, MANAGED_SLUG, TOKEN = _app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


def _deliverable(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# The document says "format: email" and that special-use domains (.test, ...) are refused;
# schemathesis' own email generator uses "username.test", so valid data comes from here.
schemathesis.openapi.format("email", st.emails().filter(_deliverable))


@schema.auth()
class OrganisationKey:
    """The API key for the operations whose document asks for one (bearer auth)."""

    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if (
        case.operation.path.startswith("/organiser/events/")
        and path is not None
        and path.mode == GenerationMode.POSITIVE
    ):
        # Random slugs only ever meet the 404; a real one reaches the registration rules.
        case.path_parameters["slug"] = MANAGED_SLUG
    case.call_and_validate()


def test_organiser_operations_refuse_requests_without_a_key():
    client = APP.test_client()
    for path in (
        "/api/v1/organiser/events",
        f"/api/v1/organiser/events/{MANAGED_SLUG}/registrations",
    ):
        response = client.get(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
