"""The check-in scanner's page and JSON endpoint, and the registration QR as an SVG file."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import time_machine

from eventhub.events.registration import cancel_registration
from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import Event, Registration
from eventhub.urls import checkin_url
from tests.manage.conftest import PASSWORD, hosted_by, log_in

SVG = "{http://www.w3.org/2000/svg}"


def qr_text(app, event, registration) -> str:
    with app.test_request_context():
        return checkin_url(event, registration)


def scan(client, event, text):
    return client.post(f"/manage/events/{event.slug}/checkin/scanner", json={"qr": text})


def test_scanner_page_links_and_texts(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    html = organiser_client.get(f"/manage/events/{event.slug}/checkin/scanner").get_data(
        as_text=True
    )
    assert "<video" in html and "playsinline" in html
    assert 'aria-live="polite"' in html
    assert "/static/vendor/jsqr-1.4.0/jsQR.js" in html
    assert "/static/js/checkin-scanner.js" in html
    assert 'data-text-checked-in="Eingecheckt: {name}"' in html
    assert "Nicht für diese Veranstaltung" in html
    scanner = f"/manage/events/{event.slug}/checkin/scanner"
    assert scanner in organiser_client.get(f"/manage/events/{event.slug}/checkin").get_data(
        as_text=True
    )
    assert scanner in organiser_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)


def test_scan_checks_in_then_says_already_with_the_first_time(
    app, organiser_client, make_event, make_registration
):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event, first_name="Anna", last_name="Öztürk")
    text = qr_text(app, event, anna)
    first = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    local = first.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")

    with time_machine.travel(first, tick=False):
        response = scan(organiser_client, event, text)
    assert response.status_code == 200
    assert response.get_json() == {"result": "checked_in", "name": "Anna Öztürk", "at": local}
    db.session.rollback()
    assert db.session.get(Registration, anna.id).checked_in_at is not None

    with time_machine.travel(first + dt.timedelta(minutes=7), tick=False):
        again = scan(organiser_client, event, text)
    assert again.get_json() == {"result": "already", "name": "Anna Öztürk", "at": local}
    page = organiser_client.get(f"/manage/events/{event.slug}/checkin").get_data(as_text=True)
    assert "1 von 1 eingecheckt" in page


def test_scan_of_a_code_of_another_event_reveals_nothing(
    app, organiser_client, make_event, make_registration
):
    ours = make_event(hosts=hosted_by("ihk-nrw"))
    # Another event of the same organiser, and one of another organisation.
    mine_too = make_event(hosts=hosted_by("ihk-nrw"))
    foreign = make_event(hosts=hosted_by("hwk-leipzig", "HWK Leipzig"))
    for event in (mine_too, foreign):
        other, _ = make_registration(event, first_name="Berta", last_name="Geheim")
        response = scan(organiser_client, ours, qr_text(app, event, other))
        assert response.status_code == 200
        assert response.get_json() == {"result": "other_event", "name": None, "at": None}
        assert "Geheim" not in response.get_data(as_text=True)
        db.session.rollback()
        assert db.session.get(Registration, other.id).checked_in_at is None
    # The slug in the URL does not decide: ours with another event's slug is still ours.
    anna, _ = make_registration(ours)
    renamed = qr_text(app, ours, anna).replace(f"/events/{ours.slug}/", "/events/old-slug/")
    assert scan(organiser_client, ours, renamed).get_json()["result"] == "checked_in"


def test_scan_of_unknown_or_forged_codes(app, organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event)
    genuine = qr_text(app, event, anna)
    forged = genuine[:-32] + "0" * 32
    gone = genuine.replace(anna.uid, "f" * 32)
    for text in ("hello", "https://example.org/", forged, gone, "", "\x00/manage/events/"):
        response = scan(organiser_client, event, text)
        assert response.status_code == 200, text
        assert response.get_json() == {"result": "unknown", "name": None, "at": None}
    db.session.rollback()
    assert db.session.get(Registration, anna.id).checked_in_at is None
    # Not JSON, no text, or far too long: a client error, never a 500.
    url = f"/manage/events/{event.slug}/checkin/scanner"
    assert organiser_client.post(url, data="qr=x").status_code == 400
    assert organiser_client.post(url, json={"qr": 5}).status_code == 400
    assert organiser_client.post(url, json=["x"]).status_code == 400
    assert organiser_client.post(url, json={"qr": "x" * 5000}).status_code == 400


def test_scan_of_a_cancelled_registration_is_refused(
    app, organiser_client, make_event, make_registration
):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event, first_name="Anna", last_name="Storno")
    cancel_registration(anna.id)
    response = scan(organiser_client, event, qr_text(app, event, anna))
    assert response.get_json() == {"result": "not_confirmed", "name": "Anna Storno", "at": None}
    db.session.rollback()
    assert db.session.get(Registration, anna.id).checked_in_at is None


def test_organiser_of_another_organisation_gets_404(
    app, client, make_organiser, make_event, make_registration
):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event)
    make_organiser("fremd@hwk.example", org="hwk-leipzig")
    log_in(client, "fremd@hwk.example")
    assert client.get(f"/manage/events/{event.slug}/checkin/scanner").status_code == 404
    assert scan(client, event, qr_text(app, event, anna)).status_code == 404
    db.session.rollback()
    assert db.session.get(Registration, anna.id).checked_in_at is None


def test_scanner_needs_login(app, client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    response = scan(client, event, "x")
    assert response.headers["Location"].startswith("/manage/login")


def test_scan_needs_the_csrf_token_of_the_page(app_factory):
    from eventhub.events.records import upsert_event
    from eventhub.events.registration import Attendee, register
    from eventhub.events.schema import EventRecord
    from tests.conftest import event_record

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(email="a@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
        upsert_event(
            EventRecord.model_validate(event_record(slug="tuer", hosts=hosted_by("ihk-nrw")))
        )
        db.session.commit()
        event = db.session.scalar(db.select(Event))
        registration, _ = register(
            event.id, Attendee(first_name="A", last_name="B", email="a@example.org")
        )
        with app.test_request_context():
            text = checkin_url(event, registration)
    client = app.test_client()
    login_page = client.get("/manage/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/manage/login", data={"email": "a@ihk.example", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/manage/events/tuer/checkin/scanner").get_data(as_text=True)
    csrf = page.split('data-csrf="')[1].split('"')[0]
    url = "/manage/events/tuer/checkin/scanner"
    assert client.post(url, json={"qr": text}).status_code == 400
    assert client.post(url, json={"qr": text}, headers={"X-CSRFToken": "nope"}).status_code == 400
    response = client.post(url, json={"qr": text}, headers={"X-CSRFToken": csrf})
    assert response.get_json()["result"] == "checked_in"


def test_registration_qr_is_a_complete_svg_document(
    organiser_client, make_event, make_registration
):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event, first_name="Anna", last_name="Öztürk & <Söhne>")
    response = organiser_client.get(f"/manage/events/{event.slug}/registrations/{anna.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    # Parses as XML on its own, not only inside HTML (our own response: no untrusted XML).
    root = ET.fromstring(response.data)  # noqa: S314
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Anna Öztürk & <Söhne>"
    assert root.find(f"{SVG}path") is not None
