"""Regressions found in review: each test names the failure it guards against."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import vobject
from sqlalchemy import select

from eventhub.events.exchange import upsert_event
from eventhub.events.schema import EventRecord
from eventhub.events.services import Attendee, RegistrationRefused, cancel_registration, register
from eventhub.extensions import db
from eventhub.models import Event, Registration
from tests.conftest import event_record, in_days, run_together
from tests.ical import parse_ics, vevents


def test_concurrent_cancels_free_one_seat(app_factory):
    """Two cancels of one registration at once used to decrement the counter twice."""
    from tests.events.test_concurrency import build_event

    app = app_factory()
    build_event(app, "zwei-plaetze", 2)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "zwei-plaetze"))
        first, _ = register(event.id, Attendee("A", "A", "a@example.org"))
        register(event.id, Attendee("B", "B", "b@example.org"))
        registration_id, event_id = first.id, event.id
    assert run_together(app, lambda: cancel_registration(registration_id), 8) == []
    with app.app_context():
        assert db.session.scalar(select(Event.confirmed_count)) == 1
        register(event_id, Attendee("C", "C", "c@example.org"))
        with pytest.raises(RegistrationRefused):
            register(event_id, Attendee("D", "D", "d@example.org"))


def test_registering_does_not_touch_the_event_calendar_data(make_event, make_registration):
    event = make_event()
    before = (event.updated_at, event.sequence)
    make_registration(event)
    db.session.rollback()
    assert (event.updated_at, event.sequence) == before


def test_internationalised_domains_are_one_person(make_event, make_registration):
    event = make_event()
    make_registration(event, email="anna@münchen.example")
    with pytest.raises(RegistrationRefused):
        make_registration(event, email="Anna@xn--mnchen-3ya.example")


@pytest.mark.parametrize(
    "path",
    [
        "/?endpoint=x",
        "/?_anchor=x",
        "/?_scheme=x&_external=1",
        "/?_method=POST",
        "/events/archive?endpoint=x",
        "/privacy?_anchor=x",
        "/events/?page=%C2%B2",
        "/events/?page=" + "9" * 5000,
        "/events/?page=%D9%A3",
        "/api/v1/events?page=%C2%B2",
    ],
)
def test_odd_query_strings_are_not_errors(client, path):
    response = client.get(path)
    assert response.status_code in (200, 400), (path, response.status_code)


def test_reserved_names_in_the_query_on_pages_with_parameters(client, make_event):
    event = make_event()
    assert client.get(f"/events/{event.slug}?slug=x").status_code == 200
    assert client.get(f"/events/{event.slug}/register?slug=x").status_code == 200
    assert client.get("/r/abc?token=x").status_code == 404
    html = client.get("/?_external=1").get_data(as_text=True)
    assert 'href="/?_external=1&amp;lang=en"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/events/%00",
        "/events/%00/register",
        "/events/%00.ics",
        "/api/v1/events/%00",
        "/events/Gro%C3%9F",
        "/r/%00",
    ],
)
def test_junk_in_slugs_and_tokens_is_404(client, path):
    assert client.get(path).status_code == 404


def test_page_after_the_last_is_404(client, make_event):
    make_event()
    assert client.get("/events/?page=2").status_code == 404
    assert client.get("/api/v1/events?page=2").status_code == 404
    assert client.get("/events/?page=1&format=info").status_code == 200  # empty page 1


def test_ics_has_an_organizer_without_contact_and_fresh_dtstamp(client, make_event):
    event = make_event(contact={"name": "", "email": None, "phone": ""})
    [vevent] = vevents(parse_ics(client.get(f"/events/{event.slug}.ics").data))
    assert str(vevent["ORGANIZER"]) == "mailto:noreply@eventhub.localhost"
    assert vevent["ORGANIZER"].params["CN"] == "G.I.B. NRW"
    stamp = vevent.decoded("DTSTAMP")
    assert stamp.tzinfo is not None and abs(dt.datetime.now(dt.UTC) - stamp).total_seconds() < 60


def test_calendar_name_is_escaped(client, make_event):
    event = make_event(title="Komma, Semikolon; Backslash \\ Ende")
    body = client.get(f"/events/{event.slug}.ics").data
    assert b"X-WR-CALNAME:Komma\\, Semikolon\\; Backslash \\\\ Ende" in body


@pytest.mark.parametrize(
    ("zone", "local", "utc_hour"),
    [
        ("Asia/Jerusalem", dt.datetime(2030, 7, 1, 10), 7),
        ("America/Santiago", dt.datetime(2030, 1, 15, 10), 13),
    ],
)
def test_zones_with_odd_transition_hours(client, make_event, zone, local, utc_hour):
    event = make_event(timezone=zone, starts=local.replace(tzinfo=ZoneInfo(zone)))
    body = client.get(f"/events/{event.slug}.ics").data
    parse_ics(body)
    parsed = vobject.readOne(body.decode())
    assert parsed.vevent.dtstart.value.astimezone(dt.UTC).hour == utc_hour


def test_import_survives_topics_that_differ_in_case(runner, app, tmp_path):
    records = [
        event_record(slug="eins", topics=["Integration", "integration", "C++", "C#"]),
        event_record(slug="zwei"),
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    again = runner.invoke(args=["events", "import", str(path)])
    assert "2 unchanged" in again.output


def test_reimport_with_differently_named_shared_host_is_unchanged(runner, app, tmp_path):
    records = [
        event_record(slug="eins", hosts=[{"name": "IHK Essen", "slug": "ihk", "role": "host"}]),
        event_record(slug="zwei", hosts=[{"name": "IHK zu Essen", "slug": "ihk", "role": "host"}]),
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    runner.invoke(args=["events", "import", str(path)])
    again = runner.invoke(args=["events", "import", str(path)])
    assert "0 updated, 2 unchanged" in again.output


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Tag\x01ung"},
        {"summary": "Glocke\x07"},
        {"description": "NUL\x00"},
        {"starts_at": "0001-01-01T10:00:00+01:00", "ends_at": "0001-01-01T12:00:00+01:00"},
        {"venue": {"name": "x" * 250}},
        {"venue": {"city": "y" * 150}},
        {"contact": {"name": "z" * 250}},
        {"online_url": "https://example.org/" + "a" * 600},
    ],
)
def test_import_reports_what_the_database_would_refuse(runner, app, tmp_path, overrides):
    path = tmp_path / "events.json"
    path.write_text(json.dumps([event_record(**overrides)]), encoding="utf-8")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 1
    assert "record 0:" in result.output and "Traceback" not in result.output


def test_running_event_is_not_shown_as_past(client, make_event):
    make_event(
        title="Läuft gerade",
        starts=dt.datetime.now(ZoneInfo("Europe/Berlin")) - dt.timedelta(hours=1),
    )
    html = client.get("/events/").get_data(as_text=True)
    assert "Läuft gerade" in html and "Findet gerade statt" in html


def test_personal_pages_are_not_cached(client, make_event, make_registration):
    event = make_event()
    _registration, token = make_registration(event)
    assert client.get(f"/r/{token}").headers["Cache-Control"] == "private, no-store"
    assert client.get("/manage/login").headers["Cache-Control"] == "private, no-store"


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "events.example",
}


def proxy_test_app(app_factory, **config):
    """An app with a one-per-minute registration limit, an event and a route that shows
    the client address, scheme and host the app sees."""
    app = app_factory(RATELIMIT_ENABLED=True, REGISTRATION_RATELIMIT="1 per minute", **config)

    @app.get("/test-remote")
    def remote():
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    with app.app_context():
        upsert_event(EventRecord.model_validate(event_record(slug="proxy-test")))
        db.session.commit()
    return app


def test_proxy_headers_only_when_configured(app_factory, register_by_form):
    """X-Forwarded-* are whatever a client chooses to send unless a proxy of ours sets
    them: only with EVENTHUB_PROXY_COUNT may they change the client address (and so the
    rate-limit key), the scheme and the host of absolute URLs."""

    def register_from(client, address: str, email: str) -> int:
        response = register_by_form(
            "proxy-test", client=client, email=email, headers={"X-Forwarded-For": address}
        )
        return response.status_code

    direct = proxy_test_app(app_factory).test_client()
    assert direct.get("/test-remote", headers=FORWARDED).get_json() == {
        "addr": "127.0.0.1",
        "scheme": "http",
        "host": "localhost",
    }
    event = direct.get("/api/v1/events/proxy-test", headers=FORWARDED).get_json()
    assert event["url"] == "http://localhost/events/proxy-test"
    assert register_from(direct, "203.0.113.1", "a@example.org") == 303
    assert register_from(direct, "203.0.113.2", "b@example.org") == 429  # one client, one limit

    proxied = proxy_test_app(app_factory, PROXY_COUNT=1).test_client()
    assert proxied.get("/test-remote", headers=FORWARDED).get_json() == {
        "addr": "203.0.113.9",
        "scheme": "https",
        "host": "events.example",
    }
    # Only the address the one trusted proxy added counts, not what the client claimed.
    spoofed = {**FORWARDED, "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert proxied.get("/test-remote", headers=spoofed).get_json()["addr"] == "203.0.113.9"
    event = proxied.get("/api/v1/events/proxy-test", headers=FORWARDED).get_json()
    assert event["url"] == "https://events.example/events/proxy-test"
    assert register_from(proxied, "203.0.113.1", "c@example.org") == 303
    assert register_from(proxied, "203.0.113.2", "d@example.org") == 303  # another visitor
    assert register_from(proxied, "203.0.113.1", "e@example.org") == 429  # the first one again


def test_event_listing_unchanged_by_registration_rows(
    client, make_event, make_registration, bulk_registrations, query_counter, monkeypatch
):
    """Registrations are no part of the listings: many rows change neither what the
    catalogue and the API list (a search for an attendee's name finds no event) nor how
    many queries that takes."""
    from eventhub.events import changes

    # Without a capacity no seat count is shown: the one thing registrations may change.
    events = [make_event(starts=in_days(5 + n), capacity=None) for n in range(3)]
    paths = ("/events/", "/events/?q=anna", "/api/v1/events", "/api/v1/events?q=anna")
    clock = [changes.time.monotonic()]
    monkeypatch.setattr(changes.time, "monotonic", lambda: clock[0])

    def listings() -> dict[str, tuple[str, int]]:
        seen = {}
        for path in paths:
            clock[0] += 3600  # every memo has expired: each listing does its whole work
            with query_counter() as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            seen[path] = (response.get_data(as_text=True), len(statements))
        return seen

    without = listings()
    make_registration(events[0])
    assert db.session.scalar(select(Registration.search_text)).startswith("anna")
    for event in events:
        bulk_registrations(event, 500)
    with_rows = listings()
    for path in paths:
        assert with_rows[path][1] == without[path][1], f"{path}: number of queries"
        assert with_rows[path][0] == without[path][0], f"{path}: output"


def test_ids_beyond_32_bits_are_404_not_overflow(client, make_event):
    """SQLite raised OverflowError (500) for /…/registrations/99999999999999999999."""
    from eventhub.api.tokens import create_token
    from eventhub.models import Organisation

    event = make_event()
    _token, raw = create_token(
        db.session.scalar(select(Organisation).where(Organisation.slug == "gib")),
        "CRM",
        can_write=True,
        created_by=None,
    )
    headers = {"Authorization": f"Bearer {raw}"}
    base = f"/api/v1/organiser/events/{event.slug}/registrations"
    for tail in ("99999999999999999999", "2147483648", "0", "007"):
        for method in ("GET", "DELETE"):
            response = client.open(f"{base}/{tail}", method=method, headers=headers)
            assert response.status_code == 404, (tail, method, response.status_code)
