"""Public calendar feeds: filters, conventions, cancellations, conditional GET."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from eventhub.events.records import upsert_event
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.models import Event
from tests.conftest import event_record, in_days
from tests.ical import parse_ics, vevents

BACKSLASH_COMMA = "\\,"


def feed(client, query: str = ""):
    response = client.get(f"/calendar.ics{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response, parse_ics(response.data)


def summaries(cal) -> set[str]:
    return {str(v["SUMMARY"]) for v in vevents(cal)}


def test_feed_follows_subscription_conventions(client, make_event):
    event = make_event(title="Fachtagung Bottrop")
    response, cal = feed(client)
    assert cal["METHOD"] == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "eventhub: Veranstaltungen"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H" in response.data
    assert b"X-PUBLISHED-TTL:PT12H" in response.data
    [vevent] = vevents(cal)
    assert "ATTENDEE" not in vevent
    single = parse_ics(client.get(f"/events/{event.slug}.ics").data)
    assert vevents(single)[0]["UID"] == vevent["UID"]


def test_filters_give_exactly_the_matching_events(client, make_event):
    make_event(
        title="A Workshop Ruhr",
        format="workshop",
        topics=["Integration"],
        series="reihe",
        hosts=[{"name": "RVR", "slug": "rvr", "role": "host"}],
    )
    make_event(
        title="B Fachtagung Sachsen",
        format="fachtagung",
        topics=["Anerkennung"],
        venue={"name": "Halle", "city": "Leipzig", "region": "Sachsen"},
    )
    assert summaries(feed(client, "?format=workshop")[1]) == {"A Workshop Ruhr"}
    assert summaries(feed(client, "?topic=anerkennung")[1]) == {"B Fachtagung Sachsen"}
    assert summaries(feed(client, "?region=Sachsen")[1]) == {"B Fachtagung Sachsen"}
    assert summaries(feed(client, "?series=reihe")[1]) == {"A Workshop Ruhr"}
    assert summaries(feed(client, "?host=rvr")[1]) == {"A Workshop Ruhr"}
    assert summaries(feed(client)[1]) == {"A Workshop Ruhr", "B Fachtagung Sachsen"}
    _response, cal = feed(client, "?topic=integration&region=Ruhrgebiet")
    assert str(cal["X-WR-CALNAME"]).replace(BACKSLASH_COMMA, ",") == (
        "eventhub: Veranstaltungen – Thema Integration, Region Ruhrgebiet"
    )
    assert client.get("/calendar.ics?format=gala").status_code == 400


def test_cancelled_kept_for_a_while_past_only_within_a_window(client, make_event):
    make_event(title="Abgesagt", status="cancelled")
    make_event(title="Letzte Woche", starts=in_days(-7))
    make_event(title="Letztes Jahr", starts=in_days(-200))
    old = make_event(title="Lange abgesagt", status="cancelled")
    db.session.execute(
        update(Event)
        .where(Event.id == old.id)
        .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=60))
    )
    db.session.commit()
    _response, cal = feed(client)
    assert summaries(cal) == {"Abgesagt", "Letzte Woche"}
    cancelled = next(v for v in vevents(cal) if str(v["SUMMARY"]) == "Abgesagt")
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_conditional_get_and_change_detection(client, make_event, make_registration):
    event = make_event(title="Vorher")
    response, cal = feed(client)
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    before = vevents(cal)[0]
    again = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/calendar.ics", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    make_registration(event)  # seats are not in the feed: nothing changes
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304

    record = event_record(
        slug=event.slug,
        title="Nachher",
        starts=event.starts_at.astimezone(event.tz) + dt.timedelta(hours=1),
    )
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    after = vevents(parse_ics(changed.data))[0]
    assert after["UID"] == before["UID"] and after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert str(after["SUMMARY"]) == "Nachher"


def test_event_ics_is_conditional_too(client, make_event):
    event = make_event()
    first = client.get(f"/events/{event.slug}.ics")
    again = client.get(
        f"/events/{event.slug}.ics", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_feed_name_in_english(client, make_event):
    make_event()
    _response, cal = feed(client, "?lang=en&format=workshop")
    assert str(cal["X-WR-CALNAME"]) == "eventhub: events – format workshop"
