"""The public check of a certificate and the materials of a past event on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from eventhub.events.certificates import grouped, new_code
from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.models import Certificate, EventMaterial
from tests.conftest import in_days
from tests.e2e.test_widths import overflow

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def test_check_a_certificate_and_see_the_materials_at_360_px(
    browser, live_server, make_event, axe_check
):
    starts = in_days(-3)
    with time_machine.travel(starts - dt.timedelta(days=10), tick=False):
        event = make_event(starts=starts, title="Rückblick: Fachkräfte-Tag im Kreis Recklinghausen")
        registration, _token = register(
            event.id, Attendee("Élodie", "Brûlé-Schäfer", "elodie@example.org")
        )
    code = new_code()
    db.session.add_all(
        [
            Certificate(
                registration_id=registration.id,
                event_id=event.id,
                code=code,
                holder_name=registration.full_name,
                event_title=event.title,
                event_starts_at=event.starts_at,
                event_ends_at=event.ends_at,
            ),
            EventMaterial(
                event_id=event.id,
                title="Folien der Anerkennungsberatungsstelle",
                url="https://www.anerkennung-in-deutschland.de/html/de/pro/berufsqualifikation.php",
                description="Alle Schritte zur Anerkennung im Überblick.",
            ),
        ]
    )
    db.session.commit()
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server + "/certificates/")
    page.get_by_label("Prüfcode").fill(grouped(code).lower())
    page.get_by_role("button", name="Prüfen").click()
    expect(page.get_by_role("heading", name="Diese Bescheinigung ist gültig.")).to_be_visible()
    expect(page.get_by_text("Élodie Brûlé-Schäfer")).to_be_visible()
    assert "elodie@example.org" not in page.content()
    assert overflow(page) == []
    axe_check(page)

    page.get_by_label("Prüfcode").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Prüfen").click()
    expect(
        page.get_by_role("heading", name="Diese Bescheinigung ist nicht gültig.")
    ).to_be_visible()
    axe_check(page)

    page.goto(live_server + f"/events/{event.slug}")
    link = page.get_by_role("link", name="Folien der Anerkennungsberatungsstelle")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert overflow(page) == []
    axe_check(page)
    context.close()
