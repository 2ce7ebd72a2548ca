"""Subscribe links, add-to-calendar links and schema.org JSON-LD on the pages."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit


def json_ld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_event_page_json_ld(client, make_event, make_registration):
    event = make_event(
        title="Leipzig gewinnt </script><script>alert(1)</script> Fachkräfte", capacity=70
    )
    make_registration(event)
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    data = json_ld(html)
    assert data["@type"] == "Event"
    assert data["name"].startswith("Leipzig gewinnt </script>")
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["address"]["addressLocality"] == "Bottrop"
    assert data["organizer"] == [{"@type": "Organization", "name": "G.I.B. NRW"}]
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["remainingAttendeeCapacity"] == 69
    assert data["startDate"].endswith(("+01:00", "+02:00"))


def test_cancelled_and_full_events_say_so(client, make_event, make_registration):
    cancelled = make_event(status="cancelled")
    assert (
        json_ld(client.get(f"/events/{cancelled.slug}").get_data(as_text=True))["eventStatus"]
        == "https://schema.org/EventCancelled"
    )
    full = make_event(capacity=1)
    make_registration(full)
    assert (
        json_ld(client.get(f"/events/{full.slug}").get_data(as_text=True))["offers"]["availability"]
        == "https://schema.org/SoldOut"
    )


def test_add_to_calendar_links(client, make_event):
    event = make_event(title="Welcome Ruhrgebiet", series="fachkraefte-reihe")
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html).group(1)
    query = parse_qs(urlsplit(google.replace("&amp;", "&")).query)
    assert query["text"] == ["Welcome Ruhrgebiet"] and query["action"] == ["TEMPLATE"]
    start, end = query["dates"][0].split("/")
    assert start.endswith("Z") and end > start
    assert "outlook.live.com/calendar/0/deeplink/compose" in html
    assert "webcal://eventhub.test/calendar.ics?series=fachkraefte-reihe" in html


def test_catalogue_offers_the_filtered_feed(client, make_event):
    make_event()
    html = client.get("/events/?topic=integration&region=Ruhrgebiet").get_data(as_text=True)
    assert (
        'href="webcal://eventhub.test/calendar.ics?topic=integration&amp;region=Ruhrgebiet"' in html
    )
    assert (
        'href="http://eventhub.test/calendar.ics?topic=integration&amp;region=Ruhrgebiet"' in html
    )


def test_every_event_page_offers_a_subscription(client, make_event):
    """Issue 11: only events in a series offered webcal. Now every event offers its own
    .ics as a subscription and its host's feed; both answer with a calendar that says
    how often to look for changes (or the host's events)."""
    event = make_event(
        series=None, hosts=[{"name": "IHK Nord", "slug": "ihk-nord", "role": "host"}]
    )
    make_event(title="Anderer Veranstalter", hosts=[{"name": "HWK", "slug": "hwk", "role": "host"}])
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'href="webcal://eventhub.test/events/{event.slug}.ics"' in html
    assert f'href="http://eventhub.test/events/{event.slug}.ics"' in html
    assert 'href="webcal://eventhub.test/calendar.ics?host=ihk-nord"' in html
    assert "IHK Nord" in html

    own = client.get(f"/events/{event.slug}.ics")
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H" in own.data
    assert own.data.count(b"BEGIN:VEVENT") == 1
    host = client.get("/calendar.ics?host=ihk-nord").get_data(as_text=True)
    assert event.title in host and "Anderer Veranstalter" not in host
