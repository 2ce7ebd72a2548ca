"""The .ics download of an event."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject

from eventhub.events.records import upsert_event
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from tests.conftest import event_record
from tests.ical import parse_ics, vevents

BERLIN = ZoneInfo("Europe/Berlin")


def fetch(client, slug: str):
    response = client.get(f"/events/{slug}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response.data


def test_event_ics_is_valid_and_complete(client, make_event):
    event = make_event(
        title="Fachtagung Integration",
        summary="Für Arbeitgeber, Kammern und Behörden.",
        topics=["Integration", "Anerkennung"],
    )
    cal = parse_ics(fetch(client, event.slug))
    assert cal["METHOD"] == "PUBLISH"
    [vevent] = vevents(cal)
    assert str(vevent["SUMMARY"]) == "Fachtagung Integration"
    assert str(vevent["UID"]).startswith("event-")
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["LOCATION"]) == "Lohnhalle, Im Blankenfeld 4, 46238 Bottrop"
    assert str(vevent["URL"]) == f"http://eventhub.test/events/{event.slug}"
    assert str(vevent["ORGANIZER"]) == "mailto:erika@example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Erika Muster"
    assert "ATTENDEE" not in vevent
    assert cal.walk("VTIMEZONE"), "the TZID must be defined"


def test_uid_is_stable_across_changes(client, make_event):
    event = make_event(title="Erster Titel")
    first = vevents(parse_ics(fetch(client, event.slug)))[0]
    record = event_record(
        slug=event.slug, title="Neuer Titel", starts=event.starts_at + dt.timedelta(days=1)
    )
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()
    second = vevents(parse_ics(fetch(client, event.slug)))[0]
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert str(second["SUMMARY"]) == "Neuer Titel"


def test_local_times_in_winter_and_summer(client, make_event):
    winter = make_event(
        starts=dt.datetime(2030, 1, 15, 10, 0, tzinfo=BERLIN),
    )
    summer = make_event(
        starts=dt.datetime(2030, 7, 15, 10, 0, tzinfo=BERLIN),
    )
    for event, utc_hour in ((winter, 9), (summer, 8)):
        body = fetch(client, event.slug)
        assert b"DTSTART;TZID=Europe/Berlin:2030" in body
        assert b"T100000" in body
        [vevent] = vevents(parse_ics(body))
        start = vevent.decoded("DTSTART")
        assert start.astimezone(dt.UTC).hour == utc_hour
        # vobject resolves the VTIMEZONE we ship, not its own database
        parsed = vobject.readOne(body.decode())
        assert parsed.vevent.dtstart.value.astimezone(dt.UTC).hour == utc_hour


def test_special_characters_are_escaped_and_folded(client, make_event):
    title = 'Recht, Arbeit; Anerkennung \\ Beruf – "Teil 2" ' + "Ä" * 60
    event = make_event(
        title=title,
        summary="Zeile eins\nZeile zwei; mit, Sonderzeichen \\ und Umlauten äöüß",
        venue={
            "name": "Alte Essig-Manufactur",
            "street": "Weg 1; Hof",
            "postcode": "04107",
            "city": "Leipzig",
            "region": "Sachsen",
        },
    )
    body = fetch(client, event.slug)
    assert b"\\," in body and b"\\;" in body and b"\\\\" in body and b"\\n" in body
    [vevent] = vevents(parse_ics(body))
    assert str(vevent["SUMMARY"]) == " ".join(title.split())
    assert str(vevent["DESCRIPTION"]).startswith(
        "Zeile eins\nZeile zwei; mit, Sonderzeichen \\ und Umlauten äöüß"
    )
    assert "Weg 1; Hof" in str(vevent["LOCATION"])


def test_title_cannot_inject_properties(client, make_event):
    event = make_event(title="Workshop\r\nATTENDEE:mailto:x@y\r\nMETHOD:CANCEL")
    body = fetch(client, event.slug)
    cal = parse_ics(body)
    [vevent] = vevents(cal)
    assert "ATTENDEE" not in vevent
    assert cal["METHOD"] == "PUBLISH"
    assert b"\r\nATTENDEE" not in body


def test_cancelled_event_is_marked_cancelled(client, make_event):
    event = make_event(status="cancelled")
    [vevent] = vevents(parse_ics(fetch(client, event.slug)))
    assert str(vevent["STATUS"]) == "CANCELLED"


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
