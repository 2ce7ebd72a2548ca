"""Calendar data for hybrid events and the waiting list: the invitation carries the
person's own place, and only confirmed people have the event in their private feed."""

from __future__ import annotations

import re

from tests.ical import parse_ics, vevents

ONLINE_URL = "https://meet.example.org/fachkraefte"


def hybrid_event(make_event, **overrides):
    return make_event(
        capacity=5, hybrid=True, online_capacity=5, online_url=ONLINE_URL, **overrides
    )


def invite_of(outbox, recipient: str):
    row = outbox.last(kind="confirmation", recipient=recipient)
    message = outbox.parse(row)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert parts and len({p.get_payload(decode=True) for p in parts}) == 1
    cal = parse_ics(parts[0].get_payload(decode=True))
    assert str(cal["METHOD"]) == "REQUEST"
    [vevent] = vevents(cal)
    return message, vevent


def test_the_invitation_carries_the_venue_or_the_online_link(make_event, make_registration, outbox):
    event = hybrid_event(make_event)
    make_registration(event, email="vorort@example.org", attendance="onsite")
    make_registration(event, email="online@example.org", attendance="online")

    message, onsite = invite_of(outbox, "vorort@example.org")
    assert str(onsite["LOCATION"]) == "Lohnhalle, Im Blankenfeld 4, 46238 Bottrop"
    assert ONLINE_URL not in onsite.to_ical().decode()
    text = message.get_body(("plain",)).get_content()
    assert "Lohnhalle" in text and ONLINE_URL not in text

    message, online = invite_of(outbox, "online@example.org")
    assert str(online["LOCATION"]) == ONLINE_URL
    assert str(online["URL"]) == ONLINE_URL
    assert ONLINE_URL in str(online["DESCRIPTION"])
    assert "Lohnhalle" not in online.to_ical().decode()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert ONLINE_URL in text and "Lohnhalle" not in text and "Lohnhalle" not in html
    # One invitation per registration: the UIDs differ, each stays with its person.
    assert str(onsite["UID"]) != str(online["UID"])


def test_an_event_that_is_not_hybrid_keeps_venue_and_link(make_event, make_registration, outbox):
    event = make_event(online_url=ONLINE_URL)
    make_registration(event, email="anna@example.org")
    message, vevent = invite_of(outbox, "anna@example.org")
    assert str(vevent["LOCATION"]).startswith("Lohnhalle")
    text = message.get_body(("plain",)).get_content()
    assert "Lohnhalle" in text and ONLINE_URL in text


def feed_of(client, path: str) -> set[str]:
    page = client.get(path).get_data(as_text=True)
    url = re.search(r'href="(http://eventhub\.test/feeds/[^"]+\.ics)"', page).group(1)
    response = client.get(url.removeprefix("http://eventhub.test"))
    return {str(v["SUMMARY"]) for v in vevents(parse_ics(response.data))}


def test_private_feed_lists_only_events_with_a_confirmed_seat(
    client, make_event, make_registration, register_by_form
):
    email = "leyla@example.org"
    confirmed = make_event(title="Bestätigt")
    waiting = make_event(title="Wartend", capacity=1)
    offered = make_event(title="Angeboten", capacity=1, waitlist="offer")
    pending = make_event(title="Zur Freigabe", approval=True)
    make_registration(waiting)
    _registration, token = make_registration(offered)

    def register(event, **extra):
        response = register_by_form(event, email=email, **extra)
        assert response.status_code == 303
        return response.headers["Location"].split("?")[0]

    mine = register(confirmed)
    register(waiting, if_full="wait")
    register(offered, if_full="wait")
    client.post(f"/r/{token}/cancel")  # the seat is offered to Leyla now
    register(pending)
    assert feed_of(client, mine) == {"Bestätigt"}
