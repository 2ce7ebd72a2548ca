"""An organiser on a phone (360 px) writes to the confirmed people, previews the mail
and sends it: both pages pass axe and fit the screen."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventhub.events.records import upsert_event
from eventhub.events.registration import Attendee, register
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import AttendeeMessage, Event, OutboxMessage
from tests.conftest import event_record
from tests.e2e.test_bulk_cancel import content_fits
from tests.e2e.test_checkin_scanner import log_in
from tests.manage.conftest import PASSWORD, hosted_by

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def test_message_to_attendees_on_a_phone(app, browser, live_server, axe_check):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    upsert_event(
        EventRecord.model_validate(event_record(slug="nachricht", hosts=hosted_by("ihk-nrw")))
    )
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == "nachricht"))
    register(event.id, Attendee("Anna", "Müller-Lüdenscheidt", "anna@example.org"))

    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server)
    page.goto(live_server + "/manage/events/nachricht")
    page.get_by_role("navigation", name="Arbeitsbereich der Veranstaltung").get_by_role(
        "link", name="Nachrichten"
    ).click()
    page.get_by_label("Bestätigt (1)").check()
    page.get_by_label("Betreff").fill("Raumänderung")
    page.get_by_label("Nachricht", exact=True).fill("Wir treffen uns in **Saal 2**.\n\nBis bald!")
    axe_check(page)
    assert content_fits(page) == []

    page.get_by_role("button", name="Vorschau").click()
    page.get_by_text("Guten Tag Anna Müller-Lüdenscheidt,", exact=True).wait_for()
    page.get_by_text("Reine Textfassung").click()  # the plain-text part, open
    axe_check(page)
    assert content_fits(page) == []

    page.get_by_role("button", name="An 1 Person senden").click()
    page.get_by_text("Die Nachricht ist unterwegs an 1 Person.").wait_for()
    axe_check(page)
    page.get_by_role("link", name="Alle Nachrichten dieser Veranstaltung").click()
    page.get_by_role("link", name="Raumänderung").wait_for()
    axe_check(page)
    context.close()
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "attendee_message")
        )
        == 1
    )
    # the text went through the preview's hidden fields with its paragraphs intact
    assert db.session.scalar(select(AttendeeMessage.body)) == (
        "Wir treffen uns in **Saal 2**.\n\nBis bald!"
    )
