"""The feedback survey after an event in a real browser at phone width: labelled
fields, the 1–5 rating as radio buttons in a fieldset, an error message to the field,
the thank-you page; axe finds nothing serious and nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from eventhub.events.registration import Attendee, register, set_checked_in
from eventhub.manage.scheduled import run_scheduled
from eventhub.models.base import utcnow
from tests.e2e.test_widths import overflow

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def test_the_survey_at_360_px(page, live_server, make_event, axe_check, outbox):
    page.set_viewport_size({"width": 360, "height": 800})
    starts = utcnow() - dt.timedelta(days=1)
    with time_machine.travel(starts - dt.timedelta(days=5), tick=False):
        event = make_event(
            starts=starts,
            feedback={
                "enabled": True,
                "questions": [{"label": "Wie fanden Sie den Ort?", "choices": ["gut", "schlecht"]}],
            },
        )
        registration, _token = register(event.id, Attendee("Anna", "Aus", "anna@example.org"))
    with time_machine.travel(starts + dt.timedelta(minutes=10), tick=False):
        set_checked_in(registration.id, True)
    run_scheduled()
    text = outbox.text(outbox(kind="feedback_invite")[0])
    path = re.search(r"(/feedback/\S+)", text).group(1)

    page.goto(f"{live_server}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Feedback")
    expect(page.get_by_text("Anonym:")).to_be_visible()
    rating = page.get_by_role("group", name=re.compile("Wie hat Ihnen die Veranstaltung"))
    expect(rating.get_by_role("radio")).to_have_count(5)
    assert overflow(page) == []
    axe_check(page)

    page.get_by_role("button", name="Feedback senden").click()  # no rating chosen
    expect(page.get_by_text("Bitte wählen Sie eine Bewertung von 1 bis 5.").first).to_be_visible()
    axe_check(page)

    page.get_by_label("5 – sehr gut").check()
    page.get_by_label("Neue Kontakte").check()
    page.get_by_label("gut", exact=True).check()
    page.get_by_label("Möchten Sie uns noch etwas mitteilen?").fill("Mehr Zeit für Gespräche")
    page.get_by_role("button", name="Feedback senden").click()
    expect(page.get_by_text("Vielen Dank für Ihr Feedback!")).to_be_visible()
    assert overflow(page) == []
    axe_check(page)
