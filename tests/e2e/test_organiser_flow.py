"""An organiser creates and publishes an event, a visitor registers, the XLSX shows them."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from playwright.sync_api import expect

from eventhub.manage.accounts import create_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def test_organiser_publishes_visitor_registers_xlsx_lists_them(
    app, page, browser, live_server, axe_check, tmp_path
):
    create_user(
        email="orga@hwk-leipzig.example",
        password="richtig-langes-passwort",
        org_slug="hwk-leipzig",
        name="Volker Lux",
    )

    page.goto(live_server + "/manage/")
    page.wait_for_url("**/manage/login**")
    axe_check(page)
    page.get_by_label("E-Mail-Adresse").fill("orga@hwk-leipzig.example")
    page.get_by_label("Passwort").fill("richtig-langes-passwort")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    axe_check(page)

    page.get_by_role("link", name="Veranstaltung anlegen").click()
    axe_check(page)
    day = dt.date.today() + dt.timedelta(days=60)
    basics = page.get_by_role("group", name="Grunddaten")
    basics.get_by_label("Titel", exact=True).fill("Leipzig gewinnt ausländische Fachkräfte")
    page.get_by_label("Format").select_option("info")
    page.get_by_label("Beginn", exact=True).fill(f"{day}T16:00")
    page.get_by_label("Ende").fill(f"{day}T19:00")
    page.get_by_label("Plätze").fill("70")
    page.get_by_label("Veranstaltungsort").fill("Alte Essig-Manufactur")
    page.get_by_label("Ort", exact=True).fill("Leipzig")
    page.get_by_label("Reihe", exact=True).select_option("__new__")
    page.get_by_label("Titel der neuen Reihe").fill("Leipziger Fachkräfte-Abende")
    page.get_by_label("Neue Themen").fill("Anerkennung, Einwanderung")
    page.get_by_role("group", name="Programmpunkt 1").get_by_label("Titel").fill("Begrüßung")
    page.get_by_role("button", name="Programmpunkt hinzufügen").click()
    item2 = page.get_by_role("group", name="Programmpunkt 2")
    expect(item2.get_by_label("Von")).to_be_focused()
    item2.get_by_label("Titel").fill("Podium: Erfahrungen aus Betrieben")
    axe_check(page)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Vorschau der öffentlichen Seite (neuer Tab)").click()
    preview = opened.value
    preview.wait_for_load_state("load")
    expect(preview.locator("body")).to_contain_text("Vorschau – nicht gespeichert")
    expect(preview.locator("body")).to_contain_text("Podium: Erfahrungen aus Betrieben")
    axe_check(preview)
    preview.close()
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/manage/events/leipzig-gewinnt-auslaendische-fachkraefte")
    axe_check(page)
    page.get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_url("**/manage/events/leipzig-gewinnt-auslaendische-fachkraefte")

    visitor = browser.new_context(locale="de-DE").new_page()
    visitor.goto(live_server + "/events/")
    visitor.get_by_role("link", name="Leipzig gewinnt ausländische Fachkräfte").click()
    visitor.get_by_role("link", name="Jetzt anmelden").click()
    visitor.get_by_label("Vorname").fill("Mohammad")
    visitor.get_by_label("Nachname").fill("Alkilani")
    visitor.get_by_label("E-Mail-Adresse").fill("m.alkilani@example.org")
    visitor.get_by_label("Organisation oder Unternehmen").fill("Bäckerei Öztürk & Söhne")
    visitor.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    visitor.get_by_role("button", name="Anmelden").click()
    visitor.wait_for_url("**/r/*")
    visitor.context.close()

    page.reload()
    expect(page.locator("body")).to_contain_text("Alkilani, Mohammad")
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    path = tmp_path / "attendees.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    expected = ["Alkilani", "Mohammad", "m.alkilani@example.org", "Bäckerei Öztürk & Söhne"]
    assert rows[1][1:5] == expected

    page.get_by_role("link", name="Check-in").first.click()
    axe_check(page)
    page.get_by_role("button", name="Einchecken").first.click()
    expect(page.locator("body")).to_contain_text("1 von 1 eingecheckt")
    page.get_by_role("link", name="Auswertung").click()
    axe_check(page)
