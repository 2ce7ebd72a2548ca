"""A participant cancels from the private link (asked first) and asks for lost links, at
phone and desktop widths (overflow at 360 px is checked for every page elsewhere)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize("width", [360, 1280])
def test_cancel_asks_first_and_lost_links(
    page, live_server, make_event, make_registration, axe_check, outbox, width
):
    page.set_viewport_size({"width": width, "height": 800})
    event = make_event(title="Fachkräfte für Übermorgen")
    _registration, token = make_registration(event, email="anna@example.org")
    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("link", name="Anmeldung stornieren …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung wirklich stornieren?")
    axe_check(page)
    page.get_by_role("link", name="Nein, Anmeldung behalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Anmeldung")
    page.get_by_role("link", name="Anmeldung stornieren …").click()
    page.get_by_role("button", name="Ja, meine Anmeldung stornieren").click()
    expect(page.get_by_text("Ihre Anmeldung ist storniert")).to_be_visible()
    expect(page.get_by_role("link", name="In den Kalender eintragen (.ics)")).to_have_count(0)
    axe_check(page)

    page.goto(f"{live_server}/my-registrations")
    axe_check(page)
    page.get_by_label("E-Mail-Adresse").fill("niemand@example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Bitte sehen Sie in Ihrem Postfach")).to_be_visible()
    axe_check(page)
