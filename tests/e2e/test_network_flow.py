"""The networking flow in a real browser at a phone's width: Özlem registers and opts in on
the form, fills her profile; Jan finds her through a suggestion and asks for contact; Özlem
accepts from the link in her mail, and only then do both learn each other's address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_widths import overflow

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def test_opt_in_suggestion_request_and_accept_from_the_mail(
    browser, live_server, make_event, make_registration, axe_check, outbox
):
    event = make_event(title="Fachkräfte für Übermorgen", slug="fachkraefte-uebermorgen")

    # Özlem registers on the form and ticks the directory opt-in.
    ozlem_context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800})
    ozlem = ozlem_context.new_page()
    ozlem.set_default_timeout(15_000)
    ozlem.goto(f"{live_server}/events/{event.slug}/register")
    ozlem.get_by_label("Vorname").fill("Özlem")
    ozlem.get_by_label("Nachname").fill("Kaya")
    ozlem.get_by_label("E-Mail-Adresse").fill("oezlem.kaya@example.org")
    ozlem.get_by_label("Organisation oder Unternehmen").fill("Welcome Center der Region")
    ozlem.locator("input[name=show_in_directory]").check()
    ozlem.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    ozlem.get_by_role("button", name="Anmelden").click()
    expect(ozlem.get_by_role("heading", level=1)).to_have_text("Sie sind angemeldet")

    ozlem.get_by_role("link", name="Zum Networking").click()
    heading = ozlem.get_by_role("heading", level=1)
    expect(heading).to_have_text("Networking bei dieser Veranstaltung")
    # The form's opt-in is the narrower choice: seen by the other listed participants.
    expect(ozlem.get_by_label("Sichtbar für die anderen sichtbaren Teilnehmenden")).to_be_checked()
    ozlem.get_by_role("group", name="Wir bieten").get_by_label(
        "Anerkennung ausländischer Abschlüsse"
    ).check()
    ozlem.get_by_role("group", name="Wir suchen").get_by_label(
        "Unterstützung für Arbeitgeber bei der Fachkräftegewinnung"
    ).check()
    ozlem.get_by_role("button", name="Profil speichern").click()
    expect(ozlem.get_by_text("Ihr Networking-Profil wurde gespeichert.")).to_be_visible()
    assert not overflow(ozlem)
    axe_check(ozlem)

    # Jan, registered by his employer, opts in and says what he looks for.
    _jan_registration, jan_token = make_registration(
        event, first_name="Jan", last_name="Nowak", email="jan.nowak@example.org"
    )
    jan_context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800})
    jan = jan_context.new_page()
    jan.set_default_timeout(15_000)
    jan.goto(f"{live_server}/r/{jan_token}/network")
    expect(jan.get_by_text("Özlem Kaya")).to_have_count(0)  # mutual: not listed, sees nobody
    jan.get_by_label("Sichtbar für die anderen sichtbaren Teilnehmenden").check()
    jan.get_by_role("button", name="Sichtbarkeit speichern").click()
    jan.get_by_role("group", name="Wir suchen").get_by_label(
        "Anerkennung ausländischer Abschlüsse"
    ).check()
    jan.get_by_role("button", name="Profil speichern").click()

    suggestions = jan.get_by_role("list", name="Vorschläge für Sie")
    expect(suggestions).to_contain_text("Özlem Kaya")
    expect(suggestions).to_contain_text("bietet: Anerkennung ausländischer Abschlüsse")
    assert "oezlem.kaya@example.org" not in jan.content()
    axe_check(jan)

    suggestions.get_by_role("link", name="Kontakt mit Özlem Kaya anfragen").click()
    expect(jan.get_by_role("heading", level=1)).to_contain_text("Özlem Kaya")
    assert not overflow(jan)
    axe_check(jan)
    jan.get_by_role("textbox", name="Ihre Nachricht").fill(
        "Guten Tag, wir suchen Beratung zur Anerkennung für zwei neue Kollegen."
    )
    jan.get_by_role("button", name="Kontaktanfrage senden").click()
    expect(jan.get_by_role("heading", level=1)).to_have_text(re.compile("Kontaktanfragen"))
    axe_check(jan)

    # Özlem's mail: Jan's name and message, never his address; she follows the link.
    request_mail = outbox.last(kind="contact_request", recipient="oezlem.kaya@example.org")
    text = outbox.text(request_mail)
    assert "Jan Nowak" in text and "jan.nowak@example.org" not in request_mail.message.decode()
    accept_url = re.search(r"(http://\S+/network/requests/\S+\?answer=accept)", text).group(1)
    ozlem.goto(accept_url)
    expect(ozlem.get_by_role("heading", level=1)).to_have_text("Kontaktanfrage von Jan Nowak")
    assert outbox.last(kind="contact_accepted") is None  # opening the link changed nothing
    axe_check(ozlem)
    ozlem.get_by_role("button", name="Annehmen und E-Mail-Adressen austauschen").click()
    expect(ozlem.get_by_text("Sie haben diese Anfrage angenommen.")).to_be_visible()

    # Both now have the other's address, by mail and on their requests page.
    to_jan = outbox.text(outbox.last(kind="contact_accepted", recipient="jan.nowak@example.org"))
    to_ozlem = outbox.text(
        outbox.last(kind="contact_accepted", recipient="oezlem.kaya@example.org")
    )
    assert "oezlem.kaya@example.org" in to_jan
    assert "jan.nowak@example.org" in to_ozlem
    jan.reload()
    expect(jan.get_by_role("link", name="oezlem.kaya@example.org")).to_be_visible()
    axe_check(jan)
    ozlem_context.close()
    jan_context.close()
