"""An organiser's own account page: their registrations and private calendar feed."""

from __future__ import annotations

from tests.calendar.test_private_feed import feed_path, register
from tests.ical import parse_ics, vevents


def test_account_page_shows_my_events_and_my_private_feed(organiser_client, make_event):
    mine = make_event(title="Fachtagung Bottrop")
    theirs = make_event(title="Fremde Veranstaltung")
    link = register(organiser_client, mine, "Orga@IHK.example")  # other spelling, same person
    register(organiser_client, theirs, "jemand@example.org")

    page = organiser_client.get("/manage/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fachtagung Bottrop" in html and "Fremde Veranstaltung" not in html
    path = feed_path(organiser_client, "/manage/account")
    # The same feed the participant's private link offers.
    assert path == feed_path(organiser_client, link)
    feed = organiser_client.get(path)
    assert {str(v["SUMMARY"]) for v in vevents(parse_ics(feed.data))} == {"Fachtagung Bottrop"}


def test_rotating_from_the_account_revokes_the_old_address(organiser_client, make_event):
    register(organiser_client, make_event(), "orga@ihk.example")
    old = feed_path(organiser_client, "/manage/account")
    response = organiser_client.post("/manage/account/feed/rotate")
    assert response.status_code == 303
    new = feed_path(organiser_client, "/manage/account")
    assert new != old
    assert organiser_client.get(old).status_code == 404
    assert organiser_client.get(new).status_code == 200


def test_account_without_registrations(organiser_client):
    html = organiser_client.get("/manage/account").get_data(as_text=True)
    assert "Sie sind mit dieser E-Mail-Adresse für keine Veranstaltung angemeldet." in html
