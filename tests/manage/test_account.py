"""An account's own page: the private calendar feed is mailed to the account's address."""

from __future__ import annotations

import re

from tests.calendar.test_private_feed import feed_path, register
from tests.ical import parse_ics, vevents


def mailed_feed_path(outbox) -> str:
    mail = outbox.last(kind="private_feed")
    assert mail is not None and mail.recipient == "orga@ihk.example"
    text = outbox.text(mail)
    assert "webcal://eventhub.test/feeds/" in text
    return re.search(r"http://eventhub\.test(/feeds/[A-Za-z0-9_-]+\.ics)", text).group(1)


def test_the_feed_link_goes_to_the_accounts_mailbox_not_the_page(
    organiser_client, make_event, register_by_form, outbox
):
    mine = make_event(title="Fachtagung Bottrop")
    theirs = make_event(title="Fremde Veranstaltung")
    # other spelling, same person
    link = register(register_by_form, mine, "Orga@IHK.example")
    register(register_by_form, theirs, "jemand@example.org")

    page = organiser_client.get("/manage/account").get_data(as_text=True)
    # Whoever made the account need not read its mailbox: nothing personal on the page.
    assert "/feeds/" not in page and "Fachtagung Bottrop" not in page
    sent = organiser_client.post("/manage/account/feed")
    assert sent.status_code == 303
    assert "orga@ihk.example" in organiser_client.get("/manage/account").get_data(as_text=True)

    path = mailed_feed_path(outbox)
    assert path == feed_path(organiser_client, link)  # the feed the private link offers
    feed = organiser_client.get(path)
    assert {str(v["SUMMARY"]) for v in vevents(parse_ics(feed.data))} == {"Fachtagung Bottrop"}
    mail = outbox(kind="private_feed")[0]
    text = outbox.text(mail)
    assert "Fachtagung Bottrop" in text and "Fremde Veranstaltung" not in text


def test_sending_needs_a_post_with_csrf_and_an_account(client, organiser_client, outbox):
    assert organiser_client.get("/manage/account/feed").status_code == 405
    organiser_client.post("/manage/logout")
    anonymous = organiser_client.post("/manage/account/feed")
    assert anonymous.status_code == 302
    assert outbox(kind="private_feed") == []
