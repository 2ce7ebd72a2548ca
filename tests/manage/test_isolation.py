"""No organiser sees another organisation's events or attendees."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.manage.attendee_messages import send_message
from eventhub.manage.questions import QuestionData, add_question
from eventhub.models import (
    ApiToken,
    AttendeeMessage,
    Event,
    EventHost,
    EventMaterial,
    Organisation,
    Question,
)
from eventhub.models.network import Meeting
from eventhub.network.meeting_admin import arrange_meeting
from eventhub.network.meetings import configure_meetings
from tests.manage.conftest import hosted_by, log_in

# Routes that do not belong to an event or organisation, with what A may see there.
OPEN_TO_ANY_ORGANISER = {
    "auth.login",
    "auth.logout",
    "manage.dashboard",
    "manage.new_event",
    "auth.forgot_password",
    "manage.account",  # the signed-in person's own registrations and feed
    "manage.send_account_feed",
}


@pytest.fixture
def two_organisations(app, make_organiser, make_event, make_registration):
    make_organiser("a@ihk.example", "ihk-nrw")
    make_organiser("b@hwk.example", "hwk-leipzig")
    theirs = make_event(
        title="Geheime Veranstaltung der HWK",
        hosts=[
            {"name": "HWK Leipzig", "slug": "hwk-leipzig", "role": "host"},
            {"name": "IHK NRW", "slug": "ihk-nrw", "role": "partner"},
        ],
    )
    registration, _token = make_registration(
        theirs, first_name="Vertraulich", last_name="Teilnehmerin"
    )
    # Their meetings: a set-up and one arranged meeting, so the meeting routes are walked
    # with a real meeting id of theirs.
    other, _token = make_registration(theirs, first_name="Geheim", last_name="Partner")
    start = theirs.starts_at
    configure_meetings(
        theirs.id,
        enabled=True,
        slot_minutes=15,
        max_per_person=3,
        blocks=[(start, start + dt.timedelta(hours=1))],
        tables=["1"],
    )
    arrange_meeting(theirs.id, registration.id, other.id, slot_start=start)
    # A question on their form, so the question routes are walked with a real id of theirs.
    add_question(theirs.id, QuestionData("text", "Vertraulich: interne Frage"))
    # A message to their attendees, so the message routes are walked with a real id.
    send_message(
        theirs.id,
        author_id=None,
        group="confirmed",
        subject="Vertraulich: Nachricht",
        body="Geheim",
        nonce="their-message-nonce-1",
    )
    # A link among their materials, so the remove route is walked with a real id of theirs.
    db.session.add(
        EventMaterial(event_id=theirs.id, title="Vertraulich", url="https://hwk.example/x")
    )
    mine = make_event(title="Meine Veranstaltung", hosts=hosted_by("ihk-nrw"))
    db.session.commit()
    hwk = db.session.scalar(select(Organisation).where(Organisation.slug == "hwk-leipzig"))
    create_token(hwk.id, "Geheimes CRM", can_write=True, created_by_id=None)
    return theirs, registration, mine


def their_token() -> ApiToken:
    return db.session.scalar(select(ApiToken).where(ApiToken.name == "Geheimes CRM"))


def manage_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("manage.", "auth.")):
            yield rule


def url_for_rule(rule, event, registration) -> str:
    values = {
        "slug": event.slug,
        "registration_id": registration.id,
        "code": "0" * 32,
        "registration_uid": registration.uid,
        "org_slug": "hwk-leipzig",
        "token": "x" * 43,
        "token_id": their_token().id,
        "link_id": 1,
        "answer": "accept",
        "entry_id": 1,
        "kind": "signin_scan",
        "meeting_id": db.session.scalar(select(Meeting.id).where(Meeting.event_id == event.id)),
        "question_id": db.session.scalar(select(Question.id).where(Question.event_id == event.id)),
        "message_id": db.session.scalar(
            select(AttendeeMessage.id).where(AttendeeMessage.event_id == event.id)
        ),
        "material_id": db.session.scalar(
            select(EventMaterial.id).where(EventMaterial.event_id == event.id)
        ),
    }
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def test_every_workspace_route_hides_other_organisations(app, client, two_organisations):
    theirs, registration, _mine = two_organisations
    assert log_in(client, "a@ihk.example").status_code == 303
    checked = 0
    for rule in manage_routes(app):
        url = url_for_rule(rule, theirs, registration)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(
                url, method=method, data={"action": "publish", "checked_in": "1"}
            )
            body = response.get_data(as_text=True)
            for secret in ("Vertraulich", "Geheime Veranstaltung", "Geheimes CRM"):
                assert secret not in body, url
            if rule.endpoint in OPEN_TO_ANY_ORGANISER:
                continue
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
        if rule.endpoint == "auth.logout":
            assert log_in(client, "a@ihk.example").status_code == 303
    assert checked >= 15
    # and nothing changed on their event
    db.session.rollback()
    db.session.refresh(theirs)
    db.session.refresh(registration)
    assert theirs.status == "published" and registration.status == "confirmed"
    assert registration.checked_in_at is None
    assert their_token().revoked_at is None


def test_dashboard_lists_only_own_events(client, two_organisations):
    log_in(client, "a@ihk.example")
    html = client.get("/manage/").get_data(as_text=True)
    assert "Meine Veranstaltung" in html
    assert "Geheime Veranstaltung" not in html


def test_anonymous_users_are_sent_to_login(app, client, two_organisations):
    theirs, registration, _mine = two_organisations
    for rule in manage_routes(app):
        url = url_for_rule(rule, theirs, registration)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if rule.endpoint in ("auth.login", "auth.forgot_password"):
                assert response.status_code in (200, 422)
            elif rule.endpoint in ("auth.accept_invitation", "auth.reset_password"):
                assert response.status_code == 404
            else:
                assert response.status_code == 302, (method, url)
                assert response.headers["Location"].startswith("/manage/login")


def test_state_changes_need_post_and_csrf(app_factory):
    """With CSRF on, every POST without a token is refused and GET cannot change state."""
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.manage.accounts import create_user
    from tests.conftest import event_record

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(email="a@ihk.example", password="richtig-langes-passwort", org_slug="ihk-nrw")
        upsert_event(
            EventRecord.model_validate(
                event_record(slug="eigene", status="draft", hosts=hosted_by("ihk-nrw"))
            )
        )
        named = hosted_by("hwk-leipzig") + [
            {"name": "IHK NRW", "slug": "ihk-nrw", "role": "cohost", "pending": True}
        ]
        upsert_event(EventRecord.model_validate(event_record(slug="fremde", hosts=named)))
        db.session.commit()
        own = db.session.scalar(select(Organisation).where(Organisation.slug == "ihk-nrw"))
        request_id = db.session.scalar(
            select(EventHost.id).where(
                EventHost.organisation_id == own.id, EventHost.accepted_at.is_(None)
            )
        )
        own_token_id = create_token(own.id, "CRM", can_write=True, created_by_id=None)[0].id
    client = app.test_client()
    login_page = client.get("/manage/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        client.post(
            "/manage/login",
            data={
                "email": "a@ihk.example",
                "password": "richtig-langes-passwort",
                "csrf_token": token,
            },
        ).status_code
        == 303
    )
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("manage.", "auth.")) or "POST" not in rule.methods:
            continue
        if rule.endpoint == "auth.login":
            continue
        url = rule.build(
            {
                k: {
                    "slug": "eigene",
                    "registration_id": 1,
                    "registration_uid": "x",
                    "code": "0",
                    "org_slug": "ihk-nrw",
                    "token": "x",
                    "token_id": own_token_id,
                    "link_id": request_id,
                    "answer": "accept",
                    "entry_id": 1,
                    "meeting_id": 1,
                    "question_id": 1,
                    "material_id": 1,
                    "kind": "registrations",
                }[k]
                for k in rule.arguments
            },
            append_unknown=False,
        )[1]
        response = client.post(url, data={"action": "publish"})
        assert response.status_code in (400, 404), (url, response.status_code)
    assert client.get("/manage/events/eigene/status").status_code == 405
    with app.app_context():
        assert db.session.get(ApiToken, own_token_id).revoked_at is None
        assert db.session.scalar(select(func.count(ApiToken.id))) == 1
    with app.app_context():
        assert db.session.scalar(select(Event.status).where(Event.slug == "eigene")) == "draft"
        assert db.session.get(EventHost, request_id).accepted_at is None


def test_ids_beyond_32_bits_are_404(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    for tail in ("99999999999999999999", "2147483648", "0"):
        response = organiser_client.get(f"/manage/events/{event.slug}/registrations/{tail}")
        assert response.status_code == 404, tail


def test_the_audit_log_shows_no_other_organisations_access(app, client, two_organisations):
    """HWK reads its attendees in the workspace and through its key; IHK's owner (a
    partner named on that event, not a host) finds none of it in IHK's audit log, and
    cannot filter by HWK's event."""
    theirs, registration, mine = two_organisations
    assert log_in(client, "b@hwk.example").status_code == 303
    assert client.get(f"/manage/events/{theirs.slug}/attendees.csv").status_code == 200
    client.get("/manage/logout")
    _key, raw = create_token(
        their_token().organisation_id, "Zweiter Schlüssel", can_write=False, created_by_id=None
    )
    path = f"/api/v1/organiser/events/{theirs.slug}/registrations/{registration.id}"
    assert client.get(path, headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    # Their owner sees both.
    assert log_in(client, "b@hwk.example").status_code == 303
    html = client.get("/manage/organisations/hwk-leipzig/audit").get_data(as_text=True)
    assert "b@hwk.example" in html and "Zweiter Schlüssel" in html
    client.get("/manage/logout")
    assert log_in(client, "a@ihk.example").status_code == 303
    page = client.get("/manage/organisations/ihk-nrw/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for secret in ("Geheime Veranstaltung", "b@hwk.example", "Zweiter Schlüssel"):
        assert secret not in html
    assert "Keine Einträge." in html
    assert client.get(f"/manage/organisations/ihk-nrw/audit?event={theirs.id}").status_code == 404
    assert client.get("/manage/organisations/hwk-leipzig/audit").status_code == 404
