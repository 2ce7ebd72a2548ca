"""The whole meeting flow in Chromium at a phone's width (360 px), as the issue describes it:
the organiser switches meetings on and sets up one block with three tables in the
workspace; Anna asks Özlem for a meeting from the directory; Özlem, who never opens her
private page, accepts from the link in her mail; both agendas show the time and table,
and the organiser's grid shows the meeting. axe clean and no sideways scrolling on every
page of the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from tests.e2e.test_widths import overflow
from tests.manage.conftest import PASSWORD, hosted_by
from tests.network.meeting_data import WINTER, at

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def checked(page, axe_check) -> None:
    # A click that navigates returns before the new page has a body: measure that one.
    page.wait_for_load_state()
    assert not overflow(page), page.url
    axe_check(page)


def phone(browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_organiser_sets_up_participants_request_and_accept_agendas_show_the_table(
    browser, live_server, make_event, make_registration, axe_check, outbox
):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(
        title="Kooperationsbörse Fachkräfte",
        starts=at(WINTER, 10),
        hosts=hosted_by("ihk-nrw"),
    )
    tokens = {}
    for first, last, organisation in (
        ("Anna", "Absender", "Bäckerei Absender GmbH"),
        ("Özlem", "Kaya", "Welcome Center der Region"),
    ):
        registration, token = make_registration(
            event,
            first_name=first,
            last_name=last,
            email=f"{first.lower().replace('ö', 'oe')}@example.org",
            organisation=organisation,
        )
        registration.directory_visibility = "participants"
        db.session.commit()
        tokens[first] = token

    # The organiser sets up 11:00–12:00, 15-minute slots, three tables.
    organiser_context, organiser = phone(browser)
    organiser.goto(live_server + "/manage/login")
    organiser.get_by_label("E-Mail-Adresse").fill("orga@ihk.example")
    organiser.get_by_label("Passwort").fill(PASSWORD)
    organiser.get_by_role("button", name="Anmelden").click()
    organiser.wait_for_url(live_server + "/manage/")
    organiser.goto(f"{live_server}/manage/events/{event.slug}")
    organiser.get_by_role("link", name=re.compile("^Einzelgespräche: Einstellungen")).click()
    organiser.get_by_role("link", name="Einstellungen für Einzelgespräche").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(
        "Einstellungen für Einzelgespräche"
    )
    checked(organiser, axe_check)
    organiser.get_by_label("Einzelgespräche bei dieser Veranstaltung anbieten").check()
    block = organiser.get_by_role("group", name="Block 1")
    block.get_by_label("Datum").fill(WINTER.isoformat())
    block.get_by_label("Von").fill("11:00")
    block.get_by_label("Bis").fill("12:00")
    organiser.get_by_label("Länge eines Zeitfensters (Minuten)").fill("15")
    organiser.get_by_label("Anzahl der Tische").fill("3")
    organiser.get_by_role("button", name="Speichern").click()
    expect(
        organiser.get_by_text("Die Einstellungen für Einzelgespräche wurden gespeichert.")
    ).to_be_visible()
    grid = organiser.get_by_role("table", name=re.compile("^Gespräche nach Zeitfenster"))
    expect(grid.get_by_role("columnheader")).to_have_text(
        ["Zeitfenster", "Tisch 1", "Tisch 2", "Tisch 3"]
    )
    checked(organiser, axe_check)

    # Anna asks Özlem from the directory of her networking page.
    anna_context, anna = phone(browser)
    anna.goto(f"{live_server}/r/{tokens['Anna']}/network")
    anna.get_by_role("link", name="Gespräch mit Özlem Kaya anfragen").click()
    checked(anna, axe_check)
    anna.get_by_role("button", name="Gesprächsanfrage senden").click()
    expect(anna.get_by_text("Ihre Anfrage an Özlem Kaya wurde gesendet.")).to_be_visible()
    checked(anna, axe_check)

    # Özlem answers from her mail, without her private link; no address before that.
    mail = outbox.last(kind="meeting_request", recipient="oezlem@example.org")
    text = outbox.text(mail)
    assert "anna@example.org" not in mail.message.decode()
    answer_url = re.search(r"(http://\S+/meetings/answer/\S+)", text).group(1)
    ozlem_context, ozlem = phone(browser)
    ozlem.goto(answer_url)
    expect(ozlem.get_by_role("heading", level=1)).to_have_text("Gesprächsanfrage von Anna Absender")
    assert "anna@example.org" not in ozlem.content()
    checked(ozlem, axe_check)
    ozlem.get_by_role("button", name="Annehmen").click()
    expect(ozlem.get_by_role("heading", level=1)).to_have_text("Gesprächsanfrage beantwortet")
    checked(ozlem, axe_check)

    # Both agendas show the meeting at 11:00 at table 1; the organiser's grid has it.
    for name, other in (("Anna", "Özlem Kaya"), ("Özlem", "Anna Absender")):
        page = anna if name == "Anna" else ozlem
        page.goto(f"{live_server}/r/{tokens[name]}/agenda")
        meeting = page.locator(".personal-agenda > li", has_text=f"Gespräch mit {other}")
        expect(meeting).to_contain_text("Tisch 1")
        expect(meeting).to_contain_text("11:00")
        checked(page, axe_check)
    organiser.reload()
    expect(grid.get_by_role("row", name=re.compile("11:00"))).to_contain_text("Anna Absender")
    expect(grid.get_by_role("row", name=re.compile("11:00"))).to_contain_text("Özlem Kaya")
    for context in (organiser_context, anna_context, ozlem_context):
        context.close()
