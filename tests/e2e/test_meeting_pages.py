"""One-to-one meetings in the browser at a phone's and a desktop's width: request a meeting
from a directory card, accept it on the meetings page with a chosen time, see it on the
agenda, which prints without the site's navigation; axe clean, no sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eventhub.extensions import db
from eventhub.network.meetings import configure_meetings
from tests.e2e.test_widths import overflow
from tests.network.meeting_data import WINTER, at, setup_values

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize("width", [360, 1280])
def test_request_accept_and_print_the_agenda(
    page, live_server, make_event, make_registration, axe_check, width
):
    page.set_viewport_size({"width": width, "height": 800})
    event = make_event(
        starts=at(WINTER, 10),
        agenda=[
            {
                "starts_at": at(WINTER, 10).isoformat(),
                "ends_at": at(WINTER, 10, 45).isoformat(),
                "title": "Begrüßung",
                "kind": "talk",
                "speakers": [],
            }
        ],
    )
    configure_meetings(event.id, **setup_values(WINTER, tables=["12"]))
    people = {}
    for first, last, organisation in (
        ("Anna", "Absender", "Bäckerei Absender GmbH"),
        ("Özlem", "Kaya-Lindemann", "Welcome Center der Region Braunschweig-Wolfsburg"),
    ):
        registration, token = make_registration(
            event, first_name=first, last_name=last, organisation=organisation
        )
        registration.directory_visibility = "participants"
        db.session.commit()
        people[first] = token

    page.goto(f"{live_server}/r/{people['Anna']}/network")
    page.get_by_role("link", name="Gespräch mit Özlem Kaya-Lindemann anfragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gesprächsanfrage an Özlem Kaya-Lindemann"
    )
    assert not overflow(page)
    axe_check(page)
    page.get_by_label("Ihre Notiz (optional)").fill("Sprechen wir über Anerkennung?")
    page.get_by_label("11:20–11:35").check()
    page.get_by_role("button", name="Gesprächsanfrage senden").click()
    expect(page.get_by_text("Ihre Anfrage an Özlem Kaya-Lindemann wurde gesendet.")).to_be_visible()
    assert not overflow(page)
    axe_check(page)

    page.goto(f"{live_server}/r/{people['Özlem']}/meetings")
    page.get_by_label("Uhrzeit").select_option(label="Mittwoch, 20. Januar 2027, 11:40–11:55 MEZ")
    page.get_by_role("button", name="Annehmen").click()
    expect(page.get_by_text("Angenommen: Mittwoch, 20. Januar 2027, 11:40–11:55")).to_be_visible()
    expect(page.locator("dd", has_text="12")).to_have_text("12")
    assert not overflow(page)
    axe_check(page)

    page.goto(f"{live_server}/r/{people['Özlem']}/agenda")
    items = page.locator(".personal-agenda > li")
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text("Gespräch mit Anna Absender")
    expect(items.nth(1)).to_contain_text("Tisch 12")
    expect(page.get_by_role("button", name="Drucken")).to_be_visible()
    assert not overflow(page)
    axe_check(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Drucken")).to_be_hidden()
    expect(items.nth(0)).to_contain_text("Begrüßung")
