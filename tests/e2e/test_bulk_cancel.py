"""An organiser on a phone (360 px) cancels a bot's registrations in bulk."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventhub.events.records import upsert_event
from eventhub.events.registration import Attendee, register
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import Event, Registration
from tests.conftest import event_record
from tests.manage.conftest import hosted_by

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def content_fits(page) -> bool:
    """Nothing in <main> reaches past the viewport. (The site header's navigation is wider
    than 360 px on every workspace page; that is the base layout's, not this page's.)"""
    return page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"
    )


def test_bulk_cancel_on_a_phone(app, browser, live_server, axe_check, tmp_path):
    screenshots = tmp_path
    create_user(email="orga@ihk.example", password="richtig-langes-passwort", org_slug="ihk-nrw")
    upsert_event(
        EventRecord.model_validate(
            event_record(slug="bot-befall", capacity=20, hosts=hosted_by("ihk-nrw"))
        )
    )
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == "bot-befall"))
    for n in range(4):
        register(
            event.id,
            Attendee("Bot", f"Nummer {n}", f"ein-sehr-langer-name-{n}@massen.bots.example"),
        )
    register(event.id, Attendee("Anna", "Echt", "anna@example.org"))

    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("orga@ihk.example")
    page.get_by_label("Passwort").fill("richtig-langes-passwort")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    page.goto(live_server + "/manage/events/bot-befall")
    page.get_by_role("link", name="Anmeldungen gesammelt stornieren").click()
    axe_check(page)
    assert content_fits(page) == []

    page.get_by_label("E-Mail-Domain").fill("bots.example")
    page.get_by_role("button", name="Passende Anmeldungen anzeigen").click()
    page.get_by_text("4 Anmeldungen passen.").wait_for()
    axe_check(page)
    assert content_fits(page) == []
    page.screenshot(path=str(screenshots / "bulk-cancel-360.png"), full_page=True)

    page.get_by_role("button", name="4 Anmeldungen stornieren").click()  # not yet confirmed
    page.get_by_text("Bitte bestätigen Sie die Stornierung.").first.wait_for()
    axe_check(page)
    page.get_by_label("Ja, diese Anmeldungen stornieren").check()
    page.get_by_role("button", name="4 Anmeldungen stornieren").click()
    page.wait_for_url(live_server + "/manage/events/bot-befall")
    page.get_by_text("4 Anmeldungen wurden storniert.").wait_for()
    context.close()

    db.session.rollback()
    statuses = db.session.scalars(
        select(Registration.status).where(Registration.event_id == event.id)
    ).all()
    assert sorted(statuses) == ["cancelled"] * 4 + ["confirmed"]
