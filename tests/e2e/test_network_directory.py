"""The participant's networking page at a phone's and a desktop's width: choose a
visibility, fill the profile, see another listed participant as a suggestion; axe clean,
no sideways scrolling. (The whole flow with contact requests is tested elsewhere.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eventhub.network.directory import save_profile, set_visibility
from tests.e2e.test_widths import overflow

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize("width", [360, 1280])
def test_opt_in_fill_the_profile_and_find_a_match(
    page, live_server, make_event, make_registration, axe_check, width
):
    page.set_viewport_size({"width": width, "height": 800})
    event = make_event(title="Fachkräfte für Übermorgen")
    other, _ = make_registration(
        event,
        first_name="Özlem",
        last_name="Kaya-Lindemann",
        organisation="Welcome Center der Region Braunschweig-Wolfsburg",
        job_title="Anerkennungsberaterin",
    )
    set_visibility(other.id, "participants")
    save_profile(
        other.id,
        offers=["recognition"],
        seeks=["recruiting"],
        offers_text="Wir beraten zur Anerkennung ausländischer Berufsabschlüsse.",
        seeks_text="",
        organisation="Welcome Center der Region Braunschweig-Wolfsburg",
        job_title="Anerkennungsberaterin",
    )
    _me, token = make_registration(event, email="anna@example.org")

    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("link", name="Zum Networking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Networking bei dieser Veranstaltung")
    expect(page.get_by_text("Özlem Kaya-Lindemann")).to_have_count(0)  # not listed: mutual
    assert not overflow(page)
    axe_check(page)

    page.get_by_label("Sichtbar für die anderen sichtbaren Teilnehmenden").check()
    page.get_by_role("button", name="Sichtbarkeit speichern").click()
    expect(page.get_by_text("Ihre Sichtbarkeit im Verzeichnis wurde gespeichert.")).to_be_visible()
    expect(page.get_by_role("heading", name="Özlem Kaya-Lindemann")).to_have_count(1)

    offers = page.get_by_role("group", name="Wir bieten")
    seeks = page.get_by_role("group", name="Wir suchen")
    offers.get_by_label("Unterstützung für Arbeitgeber bei der Fachkräftegewinnung").check()
    seeks.get_by_label("Anerkennung ausländischer Abschlüsse").check()
    page.get_by_label("Was wir suchen, in eigenen Worten (freiwillig)").fill(
        "Beratung für zwei Pflegekräfte aus Kolumbien"
    )
    page.get_by_label("Rolle oder Funktion").fill("Personalleitung")
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_text("Ihr Networking-Profil wurde gespeichert.")).to_be_visible()
    suggestions = page.locator("ol[aria-labelledby=suggestions-heading]")
    expect(suggestions.get_by_text("bietet: Anerkennung ausländischer Abschlüsse")).to_be_visible()
    expect(
        suggestions.get_by_role("link", name="Kontakt mit Özlem Kaya-Lindemann anfragen")
    ).to_be_visible()
    assert not overflow(page)
    axe_check(page)

    # The browser keeps the text within the limit the server enforces.
    field = page.get_by_label("Was wir bieten, in eigenen Worten (freiwillig)")
    field.fill("x" * 501)
    assert len(field.input_value()) == 500
