"""A visitor finds an event through the filters, registers and downloads the .ics."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import in_days
from tests.ical import parse_ics, vevents

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"  # the browser flow needs one backend; PostgreSQL is covered below it


def test_find_register_and_download_ics(page, live_server, make_event, axe_check, tmp_path):
    make_event(
        title="Welcome Ruhrgebiet – Gemeinsam Fachkräfte gewinnen",
        format="workshop",
        venue={
            "name": "RVR",
            "street": "Kronprinzenstraße 35",
            "postcode": "45128",
            "city": "Essen",
            "region": "Ruhrgebiet",
        },
    )
    make_event(
        title="Integration von Geflüchteten in Arbeit und Ausbildung",
        format="fachtagung",
        capacity=170,
        starts=in_days(50, 10),
        agenda=[
            {
                "title": "Grußwort",
                "kind": "welcome",
                "speakers": [{"name": "Stefan Kulozik", "affiliation": "MAGS NRW"}],
            }
        ],
    )

    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Kommende Veranstaltungen"
    axe_check(page)

    page.get_by_label("Format").select_option("fachtagung")
    page.get_by_role("button", name="Veranstaltungen anzeigen").click()
    page.wait_for_url("**format=fachtagung**")
    assert page.get_by_text("Welcome Ruhrgebiet").count() == 0
    page.get_by_role("link", name="Integration von Geflüchteten in Arbeit und Ausbildung").click()

    page.wait_for_url("**/events/*")
    expect(page.locator("body")).to_contain_text("170 Plätze frei")
    expect(page.get_by_text("Stefan Kulozik")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Jetzt anmelden").click()
    page.wait_for_url("**/register")
    axe_check(page)
    # a first attempt without consent is refused with a message next to the checkbox
    page.get_by_label("Vorname").fill("Leyla")
    page.get_by_label("Nachname").fill("Öztürk")
    page.get_by_label("E-Mail-Adresse").fill("leyla.oeztuerk@example.org")
    page.get_by_label("Organisation oder Unternehmen").fill("Stadtwerke Bottrop")
    page.get_by_role("button", name="Anmelden").click()
    expect(
        page.get_by_text(
            "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben"
        ).first
    ).to_be_visible()
    axe_check(page)

    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/r/*")
    expect(page.get_by_role("heading", name="Sie sind angemeldet")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Leyla Öztürk")
    axe_check(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="In den Kalender eintragen (.ics)").click()
    path = tmp_path / "event.ics"
    info.value.save_as(path)
    [vevent] = vevents(parse_ics(path.read_bytes()))
    assert str(vevent["SUMMARY"]) == "Integration von Geflüchteten in Arbeit und Ausbildung"

    # the private page: correct details, then cancel (the forms pass axe too)
    page.get_by_label("Organisation oder Unternehmen").fill("Stadtwerke Bottrop GmbH")
    page.get_by_role("button", name="Änderungen speichern").click()
    expect(page.get_by_text("Ihre Angaben wurden aktualisiert.")).to_be_visible()
    axe_check(page)

    page.goto(live_server + "/events/")
    expect(page.locator("body")).to_contain_text("169 Plätze frei")


def test_language_switch_and_keyboard_navigation(page, live_server, make_event, axe_check):
    make_event(title="Leipzig gewinnt ausländische Fachkräfte", format="info")
    page.goto(live_server + "/events/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Upcoming events"
    assert page.locator("html").get_attribute("lang") == "en"
    axe_check(page)
    page.get_by_role("link", name="Leipzig gewinnt ausländische Fachkräfte").click()
    expect(page.get_by_role("link", name="Register now")).to_be_visible()


def test_group_registration_and_password_pages_are_accessible(
    page, live_server, make_event, axe_check
):
    event = make_event(title="Kooperationsgespräch Hamm", capacity=30)
    page.goto(f"{live_server}/events/{event.slug}")
    page.get_by_role("link", name="Mehrere Kolleginnen und Kollegen anmelden").click()
    axe_check(page)
    page.get_by_label("Ihr Name").fill("Petra Personal")
    page.get_by_label("Ihre E-Mail-Adresse").fill("personal@stadtwerke.example")
    person = page.get_by_role("group", name="Person 1")
    person.get_by_label("Vorname").fill("Ayşe")
    person.get_by_label("Nachname").fill("Yılmaz")
    person.get_by_label("E-Mail-Adresse").fill("ayse@stadtwerke.example")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Person hinzufügen").click()
    expect(page.get_by_role("group", name="Person 6")).to_be_visible()
    # static/js/group-rows.js added the row in the page (without it the server does).
    assert page.evaluate("window.sameDocument") is True
    # The new row's first field has the focus; what was typed is still there.
    expect(page.get_by_role("group", name="Person 6").get_by_label("Vorname")).to_be_focused()
    expect(page.get_by_label("Ihr Name")).to_have_value("Petra Personal")
    page.keyboard.type("Olena")
    person6 = page.get_by_role("group", name="Person 6")
    person6.get_by_label("Nachname").fill("Kovalenko")
    axe_check(page)
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Alle anmelden").click()
    # Person 6 lacks an address: the banner names it and links to the field.
    page.get_by_role("link", name="Person 6, E-Mail-Adresse", exact=False).click()
    expect(person6.get_by_label("E-Mail-Adresse")).to_be_focused()
    axe_check(page)
    page.keyboard.type("olena@stadtwerke.example")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Alle anmelden").click()
    page.wait_for_url(f"**/events/{event.slug}/registered/group")
    expect(page.locator("body")).to_contain_text("2 Personen sind angemeldet")
    expect(page.get_by_role("row", name="Olena Kovalenko", exact=False)).to_contain_text(
        "bestätigt"
    )
    axe_check(page)
    page.goto(f"{live_server}/events/{event.slug}")
    expect(page.locator("body")).to_contain_text("28 Plätze frei")
    page.goto(f"{live_server}/manage/password/forgot")
    axe_check(page)


def test_group_form_adds_rows_without_javascript(browser, live_server, make_event):
    event = make_event(title="Austausch ohne Skript", capacity=30)
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/events/{event.slug}/register/group")
    page.get_by_label("Ihr Name").fill("Petra Personal")
    page.get_by_role("button", name="Person hinzufügen").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("group", name="Person 6")).to_be_visible()
    expect(page.get_by_role("group", name="Person 6").get_by_label("Vorname")).to_be_focused()
    expect(page.get_by_label("Ihr Name")).to_have_value("Petra Personal")
    context.close()
