"""A participant's private feed: own events only, unguessable, rotatable."""

from __future__ import annotations

import re

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import ParticipantFeed
from tests.ical import parse_ics, vevents


def register(register_by_form, event, email: str) -> str:
    """Register `email` by the form; returns the path of the private page."""
    response = register_by_form(event, first_name="A", last_name="B", email=email)
    assert response.status_code == 303
    return response.headers["Location"].split("?")[0]


def feed_path(client, link: str) -> str:
    html = client.get(link).get_data(as_text=True)
    url = re.search(r'href="(http://eventhub\.test/feeds/[^"]+\.ics)"', html).group(1)
    assert 'href="webcal://eventhub.test/feeds/' in html
    return url.removeprefix("http://eventhub.test")


def test_private_feed_lists_my_events_only(client, make_event, register_by_form):
    mine = make_event(title="Meins")
    also_mine = make_event(title="Auch meins")
    theirs = make_event(title="Fremd")
    link = register(register_by_form, mine, "leyla@example.org")
    register(register_by_form, also_mine, "LEYLA@example.org")
    register(register_by_form, theirs, "jemand@example.org")
    path = feed_path(client, link)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    cal = parse_ics(response.data)
    assert {str(v["SUMMARY"]) for v in vevents(cal)} == {"Meins", "Auch meins"}
    assert b"jemand@example.org" not in response.data and b"ATTENDEE" not in response.data
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_wrong_or_rotated_token_is_404_and_no_raw_token_is_stored(
    client, make_event, register_by_form
):
    link = register(register_by_form, make_event(), "leyla@example.org")
    old = feed_path(client, link)
    assert client.get("/feeds/" + "A" * 32 + ".ics").status_code == 404
    assert client.post(link + "/feed/rotate").status_code == 303
    new = feed_path(client, link)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    db.session.rollback()
    stored = db.session.scalar(select(ParticipantFeed))
    token = new.removeprefix("/feeds/").removesuffix(".ics")
    assert len(token) >= 32 and token not in stored.token_hash
