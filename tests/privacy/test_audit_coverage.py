"""Every route that shows or exports attendee data writes an audit entry (issue 16).

The walk requests every GET route of the workspace and the organiser API (and the
filtered variants of the lists) as the event's organiser, with attendees whose names and
addresses are unique strings. A route whose answer (page, CSV, opened spreadsheet, PDF
text, JSON) contains one of them but wrote no audit entry fails the test; a route that
wrote one must name the event and at least one row."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pypdf
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventhub.events.feedback import SurveyAnswer, submit_feedback
from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.manage.attendee_messages import send_message
from eventhub.manage.questions import QuestionData, add_question
from eventhub.manage.scheduled import run_scheduled
from eventhub.manage.signin_scans import save_scan
from eventhub.models import (
    AttendeeMessage,
    AuditEntry,
    EventMaterial,
    FeedbackInvite,
    Organisation,
    Question,
    Registration,
)
from eventhub.models.network import Meeting
from eventhub.network.directory import set_visibility
from eventhub.network.meeting_admin import add_speaker, arrange_meeting
from eventhub.network.meetings import configure_meetings
from eventhub.privacy import audit
from eventhub.urls import checkin_code, checkin_url
from tests.events.test_feedback import ENDS, STARTS, ended_event
from tests.manage.conftest import hosted_by, log_in
from tests.manage.test_funder_report import png
from tests.manage.test_reminders import at

# Last names (also the addresses' local parts, <tag>@example.org) nobody else uses.
CAME = ("zwirbelbart", "quastenflosser")
STAYED_HOME = ("yggdrasilowa",)
WAITING = "wartelistowski"
SPEAKER = "rednerowitsch"
SECRETS = (*CAME, *STAYED_HOME, WAITING, SPEAKER)

# Routes whose answer carries no person, whatever the data (checked by the walk too:
# were one of them to show a person without an audit entry, the walk fails).
PREFIXES = ("/manage/", "/api/v1/")


@pytest.fixture
def audit_world(app, make_organiser, make_event):
    """A past event of "Audit-Kammer" with people who came, one who stayed home and one
    waiting; named feedback, arranged meetings, a question, a message, a material link
    and a read-only API key; an owner signed in through `client`."""
    make_organiser("owner@kammer.example", "audit-kammer")
    event = ended_event(
        make_event,
        checked_in=CAME,
        others=STAYED_HOME,
        hosts=hosted_by("audit-kammer", "Audit-Kammer"),
        audience="confirmed",
        anonymous=False,
    )
    with at(STARTS - dt.timedelta(days=10)):
        register(event.id, Attendee("Dana", WAITING, f"{WAITING}@example.org"), if_full="wait")
    run_scheduled(ENDS + dt.timedelta(hours=2))
    db.session.rollback()
    people = {
        r.last_name: r
        for r in db.session.scalars(select(Registration).where(Registration.event_id == event.id))
    }
    invite = db.session.scalar(
        select(FeedbackInvite).where(FeedbackInvite.registration_id == people[CAME[0]].id)
    )
    submit_feedback(
        invite.id, SurveyAnswer(5, ["contacts"], "Gut", []), ENDS + dt.timedelta(days=1)
    )
    with at(STARTS - dt.timedelta(days=5)):
        configure_meetings(
            event.id,
            enabled=True,
            slot_minutes=15,
            max_per_person=3,
            blocks=[(STARTS, STARTS + dt.timedelta(hours=1))],
            tables=["1"],
        )
        arrange_meeting(event.id, people[CAME[0]].id, people[CAME[1]].id, slot_start=STARTS)
        add_question(event.id, QuestionData("text", "Woher kommen Sie?"))
        add_speaker(event.id, "Dana", SPEAKER, f"{SPEAKER}@example.org")
        set_visibility(people[STAYED_HOME[0]].id, "participants")
        send_message(
            event.id,
            author_id=None,
            group="confirmed",
            subject="Unterlagen",
            body="Hallo",
            nonce="audit-message-nonce-1",
        )
    save_scan(event.id, "liste.png", png(), user_id=None, max_bytes=10**6)  # signed sheet
    db.session.add(EventMaterial(event_id=event.id, title="Folien", url="https://k.example/f"))
    db.session.commit()
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == "audit-kammer")
    )
    key, raw_key = create_token(organisation.id, "Audit CRM", can_write=False, created_by_id=None)
    db.session.refresh(event)
    return {
        "event": event,
        "person": people[CAME[0]],
        "organisation_id": organisation.id,
        "key_id": key.id,
        "raw_key": raw_key,
    }


def _values(world) -> dict:
    event, person = world["event"], world["person"]
    return {
        "slug": event.slug,
        "registration_id": person.id,
        "registration_uid": person.uid,
        "code": checkin_code(person),
        "org_slug": "audit-kammer",
        "token": "x" * 43,
        "token_id": world["key_id"],
        "link_id": 1,
        "answer": "accept",
        "entry_id": 1,
        "meeting_id": db.session.scalar(select(Meeting.id).where(Meeting.event_id == event.id)),
        "question_id": db.session.scalar(select(Question.id).where(Question.event_id == event.id)),
        "message_id": db.session.scalar(
            select(AttendeeMessage.id).where(AttendeeMessage.event_id == event.id)
        ),
        "material_id": db.session.scalar(
            select(EventMaterial.id).where(EventMaterial.event_id == event.id)
        ),
    }


# Filtered views of the lists, requested besides each route's plain URL.
VARIANTS = {
    "manage.event": ["?q=zwirbelbart", "?status=waiting", "?status=confirmed&page=1"],
    "manage.checkin": ["?q=quastenflosser"],
    "manage.attendees_csv": ["?status=waiting"],
    "manage.attendees_xlsx": ["?status=confirmed"],
    "manage.bulk_cancel": ["?domain=example.org", "?organisation=Nirgendwo"],
    "api.organiser_registrations": ["?status=waiting", "?updated_since=2020-01-01T00:00:00Z"],
}


def walked_urls(app, world):
    """(endpoint, url) of every GET route under /manage and /api/v1, with its variants."""
    values = _values(world)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or not rule.rule.startswith(PREFIXES):
            continue
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        yield rule.endpoint, url
        for variant in VARIANTS.get(rule.endpoint, ()):
            yield rule.endpoint, url + variant


def readable(response) -> str:
    """The answer as text: spreadsheets opened, PDFs' text extracted."""
    kind = response.mimetype
    if kind.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if kind == "application/pdf":
        return "\n".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages
        )
    return response.get_data().decode("utf-8", "replace")  # pages, CSV, JSON, SVG; images


def _entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def walk(app, client, world):
    """Request every route; returns (shown but not audited, audited, bad entries)."""
    headers = {"Authorization": f"Bearer {world['raw_key']}"}
    unaudited, audited, bad = [], set(), []
    for endpoint, url in walked_urls(app, world):
        before = len(_entries())
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        assert response.status_code < 500, url
        body = readable(response).lower() if response.status_code == 200 else ""
        shown = [secret for secret in SECRETS if secret in body]
        new = _entries()[before:]
        if shown and not new:
            unaudited.append((url, shown))
        for entry in new:
            audited.add(endpoint)
            api = url.startswith("/api/")
            fine = (
                entry.event_id == world["event"].id
                and entry.rows >= 1
                and entry.organisation_id == world["organisation_id"]
                and (entry.api_token_id == world["key_id"] if api else entry.user_id is not None)
            )
            if len(new) > 1 or not fine:
                bad.append((url, entry.action, entry.event_id, entry.rows, len(new)))
    return unaudited, audited, bad


def test_every_route_showing_attendees_writes_an_audit_entry(app, client, audit_world):
    assert log_in(client, "owner@kammer.example").status_code == 303
    unaudited, audited, bad = walk(app, client, audit_world)
    assert unaudited == [], "\n".join(f"{u} {s}" for u, s in unaudited)
    assert bad == []
    # The world is rich enough: every decorated route wrote its entry in the walk.
    assert decorated_endpoints(app) - audited == NOT_EXERCISED


# Decorated routes this world does not reach with people: the plan preview has nothing
# left to place (all meetings placed); the door scanner and the message preview answer a
# POST (their own tests below).
# The scanned sign-in sheet is an image: the walk cannot read names in it, but its routes
# must still write right entries.
NOT_EXERCISED = {"manage.meeting_schedule", "manage.checkin_scanned", "manage.preview_message"}


def decorated_endpoints(app) -> set[str]:
    """Endpoints whose view (under any other decorators) is wrapped by @audited."""
    found = set()
    for endpoint, view in app.view_functions.items():
        while view is not None:
            if hasattr(view, "audit_action"):
                found.add(endpoint)
                break
            view = getattr(view, "__wrapped__", None)
    return found


@pytest.mark.parametrize(
    ("endpoint", "action"),
    [
        ("manage.attendees_xlsx", "attendees.xlsx"),
        ("api.organiser_registration", "registration.api"),
    ],
)
def test_the_walk_catches_a_route_without_its_audit(
    app, client, audit_world, monkeypatch, endpoint, action
):
    """Control: the same walk with one route's audit switched off fails on that route."""
    record = audit._record_request

    def all_but_one(recorded_action, note):
        if recorded_action != action:
            record(recorded_action, note)

    monkeypatch.setattr(audit, "_record_request", all_but_one)
    assert log_in(client, "owner@kammer.example").status_code == 303
    unaudited, audited, _bad = walk(app, client, audit_world)
    assert unaudited
    assert {endpoint_of(app, url) for url, _shown in unaudited} == {endpoint}
    assert endpoint not in audited


def endpoint_of(app, url: str) -> str:
    adapter = app.url_map.bind("eventhub.test")
    return adapter.match(url.split("?")[0])[0]


def test_a_download_writes_one_insert_however_many_rows(
    app, client, make_organiser, make_event, make_registration
):
    make_organiser("owner@kammer.example", "audit-kammer")
    event = make_event(hosts=hosted_by("audit-kammer", "Audit-Kammer"), capacity=None)
    log_in(client, "owner@kammer.example")
    inserts = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    figures = []
    for people in (2, 25):
        while db.session.scalar(select(func.count(Registration.id))) < people:
            make_registration(event)
        inserts.clear()
        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/manage/events/{event.slug}/attendees.csv")
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("@example.org") == people
        figures.append(len(inserts))
        assert _entries()[-1].rows == people
    assert figures == [1, 1]


def test_a_door_scan_is_recorded_when_it_names_somebody(app, client, audit_world):
    event, person = audit_world["event"], audit_world["person"]
    assert log_in(client, "owner@kammer.example").status_code == 303
    scanner = f"/manage/events/{event.slug}/checkin/scanner"
    before = len(_entries())
    unknown = client.post(scanner, json={"qr": "https://elsewhere.example/x"})
    assert unknown.get_json()["name"] is None
    assert len(_entries()) == before  # nobody named, nothing recorded
    known = client.post(scanner, json={"qr": checkin_url(event, person)})
    assert known.get_json()["name"] == person.full_name
    (entry,) = _entries()[before:]
    assert (entry.action, entry.event_id, entry.rows) == ("checkin.scan", event.id, 1)


def test_a_message_preview_names_one_recipient_and_is_recorded(app, client, audit_world):
    event = audit_world["event"]
    assert log_in(client, "owner@kammer.example").status_code == 303
    path = f"/manage/events/{event.slug}/messages/preview"
    fields = {"group": "confirmed", "subject": "Hinweise", "body": "Hallo zusammen"}
    before = len(_entries())
    again = client.post(path, data={**fields, "edit": "1"})  # back to the form: nobody
    assert again.status_code == 200 and len(_entries()) == before
    shown = client.post(path, data=fields)
    assert shown.status_code == 200
    assert any(tag in shown.get_data(as_text=True).lower() for tag in SECRETS)
    (entry,) = _entries()[before:]
    assert (entry.action, entry.event_id, entry.rows) == ("messages.preview", event.id, 1)
