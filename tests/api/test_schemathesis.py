"""schemathesis generates requests from /api/v1/openapi.json: no 5xx, every response
matches the documented schema (a bounded number of cases per operation).

The schema is loaded from a session fixture when the test runs, not at import: building
the app with the demo data and every operation's cases costs half a minute, which each
xdist worker would otherwise pay while collecting, whether or not it runs this test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import schemathesis
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select

from eventhub import create_app
from eventhub.events.records import load_demo
from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.models import Event
from eventhub.network.meetings import accept_meeting, configure_meetings, request_meeting
from eventhub.network.records import load_demo_services


@dataclass(frozen=True)
class DemoApi:
    app: Flask
    managed_slug: str  # an event of the organisation the key belongs to
    token: str
    participant_token: str  # a private registration link's token, with meetings


@pytest.fixture(scope="session")
def demo_api(tmp_path_factory) -> DemoApi:
    directory = tmp_path_factory.mktemp("schemathesis")
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
        load_demo_services()
        # An API key of the organisation hosting the Bottrop Fachtagung, so the organiser
        # operations are exercised past authentication too.
        event = db.session.scalar(select(Event).where(Event.capacity == 170))
        host = next(h.organisation for h in event.hosts if h.role == "host")
        _token, raw = create_token(host.id, "schemathesis", can_write=True, created_by_id=None)
        demo = DemoApi(app, event.slug, raw, _meetings_at(event))
    yield demo
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _meetings_at(event: Event) -> str:
    """Meetings at the event (one placed, one requested), so the meeting operations
    answer with content; returns the first participant's private token."""
    hour = dt.timedelta(hours=1)
    configure_meetings(
        event.id,
        enabled=True,
        slot_minutes=15,
        max_per_person=3,
        blocks=[(event.starts_at + hour, event.starts_at + 2 * hour)],
        tables=["1", "2"],
    )
    people = []
    for name in ("Aylin", "Bernd", "Carla"):
        person, token = register(
            event.id,
            Attendee(first_name=name, last_name="Test", email=f"{name.lower()}@beispiel.de"),
        )
        person.directory_visibility = "participants"
        db.session.commit()
        people.append((person.id, token))
    (first, token), (second, _), (third, _) = people
    meeting, _placement = request_meeting(first, second, "Kurz?", [])
    accept_meeting(meeting.id, second)
    request_meeting(third, first)
    return token


@pytest.fixture(scope="session")
def api_schema(demo_api):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_api.app)

    @loaded.auth()
    class OrganisationKey:
        """The API key for the operations whose document asks for one (bearer auth)."""

        def get(self, case, context):
            return demo_api.token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _item_nodeid_for_schemathesis(request):
    """schemathesis 4.32's from_fixture tells the operations apart by rewriting the running
    item's `_nodeid`, an attribute pytest 9.2 no longer has (it keeps `_id`): without it
    the test fails with AttributeError before running a case. pytest reports from `_id`,
    so the attribute only has to exist."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _deliverable(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# The document says "format: email" and that special-use domains (.test, ...) are refused;
# schemathesis' own email generator uses "username.test", so valid data comes from here.
schemathesis.openapi.format("email", st.emails().filter(_deliverable))


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, demo_api):
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if (
        case.operation.path.startswith("/organiser/events/")
        and path is not None
        and path.mode == GenerationMode.POSITIVE
    ):
        # Random slugs only ever meet the 404; a real one reaches the registration rules.
        case.path_parameters["slug"] = demo_api.managed_slug
    body = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
    if (
        case.operation.path == "/organiser/events/{slug}/registrations"
        and body is not None
        and body.mode == GenerationMode.POSITIVE
        and isinstance(case.body, dict)
    ):
        # Answers are keyed by the ids of the event's questions, which a document cannot
        # list (like real slugs above); the demo event asks none, so valid means none.
        case.body["answers"] = {}
    if (
        case.operation.path.startswith("/participant/")
        and path is not None
        and path.mode == GenerationMode.POSITIVE
    ):
        case.path_parameters["token"] = demo_api.participant_token
    case.call_and_validate()


def test_organiser_operations_refuse_requests_without_a_key(demo_api):
    client = demo_api.app.test_client()
    for path in (
        "/api/v1/organiser/events",
        f"/api/v1/organiser/events/{demo_api.managed_slug}/registrations",
    ):
        response = client.get(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
