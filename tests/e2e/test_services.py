"""The services directory in a real browser, at a phone's and a desktop's width: the
filter form gives a stable URL, the cards and the detail page fit and pass axe."""

from __future__ import annotations

import pytest

from eventhub.network.records import load_demo_services

pytestmark = pytest.mark.e2e

WIDTHS = {"phone": (360, 640), "desktop": (1280, 800)}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize("width", WIDTHS)
def test_filter_and_open_a_service(app, browser, live_server, axe_check, width):
    load_demo_services()
    w, h = WIDTHS[width]
    context = browser.new_context(locale="de-DE", viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server + "/")
    if width == "phone":
        page.get_by_role("button", name="Menü").click()
    page.get_by_role("link", name="Angebote in der Region").click()
    page.wait_for_url(live_server + "/services")
    assert page.get_by_role("heading", level=1).inner_text() == "Angebote in der Region"
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits)
    axe_check(page)

    page.get_by_label("Kategorie").select_option(label="Anerkennung ausländischer Abschlüsse")
    page.get_by_label("Region").fill("leipzig")
    page.get_by_role("button", name="Angebote anzeigen").click()
    page.wait_for_url("**/services?*")
    assert "category=recognition" in page.url and "region=leipzig" in page.url
    assert page.get_by_role("status").inner_text() == "1 Angebot gefunden"
    cards = page.locator(".service-card")
    assert cards.count() == 1
    assert "Demodaten" in cards.first.inner_text()
    assert page.get_by_role("link", name="IQ Netzwerk Sachsen").get_attribute("href") == (
        "/organisations/iq-netzwerk-sachsen"
    )

    page.get_by_role("link", name="Anerkennungsberatung für ausländische Berufsabschlüsse").click()
    page.wait_for_url("**/services/iq-sachsen-anerkennungsberatung")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.evaluate(fits)
    axe_check(page)

    page.goto(live_server + "/services?region=nirgendwo")
    assert "keine Angebote" in page.locator("main").inner_text()
    axe_check(page)
    context.close()
