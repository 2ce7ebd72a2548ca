"""A person answers the event's questions in the browser, is told what is missing, and
changes an answer later on their private page; an organiser adds the ESF set."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eventhub.manage.accounts import create_user
from eventhub.manage.questions import QuestionData, add_question

pytestmark = pytest.mark.e2e

PASSWORD = "richtig-langes-passwort"


@pytest.fixture
def backend():
    return "sqlite"  # one backend for the browser; the rules are tested on both below


def test_answer_questions_then_change_an_answer(page, live_server, make_event, axe_check):
    event = make_event(title="Fachkräfte-Frühstück")
    add_question(
        event.id,
        QuestionData(
            "choice",
            "Essenswunsch",
            "Diet",
            required=True,
            help_de="Wir bestellen danach.",
            options=[
                {"key": "veg", "de": "vegetarisch", "en": "vegetarian"},
                {"key": "all", "de": "alles", "en": "anything"},
            ],
        ),
    )
    add_question(event.id, QuestionData("textarea", "Anmerkungen", "Remarks"))
    page.goto(f"{live_server}/events/{event.slug}/register")
    page.get_by_label("Vorname").fill("Leyla")
    page.get_by_label("Nachname").fill("Öztürk")
    page.get_by_label("E-Mail-Adresse").fill("leyla@example.org")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_label("Anmerkungen").fill("Ich komme mit dem Rad.\nBis dann!")
    page.get_by_role("button", name="Anmelden").click()
    # the required choice is missing: the message is by the question and in the list
    group = page.get_by_role("group", name="Essenswunsch")
    expect(group).to_contain_text("Bitte wählen Sie eine Antwort.")
    expect(
        page.get_by_role("link", name="Essenswunsch: Bitte wählen Sie eine Antwort.")
    ).to_be_visible()
    expect(page.get_by_label("Anmerkungen")).to_have_value("Ich komme mit dem Rad.\nBis dann!")
    axe_check(page)
    group.get_by_label("vegetarisch").check()
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/r/*")
    answers = page.get_by_role("region", name="Ihre Antworten")
    expect(answers).to_contain_text("vegetarisch")
    expect(answers).to_contain_text("Ich komme mit dem Rad.")
    axe_check(page)
    page.get_by_role("link", name="Antworten ändern").click()
    page.get_by_role("group", name="Essenswunsch").get_by_label("alles").check()
    axe_check(page)
    page.get_by_role("button", name="Antworten speichern").click()
    expect(page.get_by_text("Ihre Antworten sind gespeichert.")).to_be_visible()
    expect(page.get_by_role("region", name="Ihre Antworten")).to_contain_text("alles")


def test_organiser_adds_the_esf_set(page, live_server, make_event, axe_check):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(hosts=[{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}])
    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("orga@ihk.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    page.goto(f"{live_server}/manage/events/{event.slug}")
    page.get_by_role("link", name="Fragen im Anmeldeformular, ESF-Statistik").click()
    page.get_by_role("button", name="ESF-Statistikfragen hinzufügen").click()
    expect(page.get_by_text("4 ESF-Statistikfragen wurden hinzugefügt.")).to_be_visible()
    expect(page.get_by_role("link", name="Geschlecht")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Frage hinzufügen").click()
    page.get_by_label("Art der Frage").select_option("multiple")
    page.get_by_label("Frage (Deutsch)").fill("Themen")
    page.get_by_label("Antworten zur Auswahl", exact=False).fill("a | Anerkennung | Recognition")
    axe_check(page)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Die Frage ist gespeichert.")).to_be_visible()
    page.goto(f"{live_server}/events/{event.slug}/register")
    # Statistics are answered by consent: asked, never required.
    gender = page.get_by_role("group", name=re.compile(r"^Geschlecht"))
    expect(gender).to_be_visible()
    expect(gender).not_to_contain_text("Pflichtfeld")
    axe_check(page)
