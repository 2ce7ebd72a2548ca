"""An organiser runs the waiting list and the approval step, at phone width and on a
desktop, with the keyboard: axe clean, nothing wider than the screen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventhub.events.records import upsert_event
from eventhub.events.registration import Attendee, GroupContact, register_group
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


def content_fits(page) -> list[str]:
    """What in <main> reaches past the viewport, leaving out what scrolls inside a table's
    own scroll region (the site's pattern for wide tables on phones)."""
    return page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => !e.closest('.table-scroll'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"
    )


def waiting_order() -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(Registration.first_name)
            .where(Registration.status == "waiting")
            .order_by(Registration.waiting_rank, Registration.id)
        )
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_waiting_list_and_approval_by_keyboard(
    app, browser, live_server, axe_check, width, tmp_path
):
    create_user(email="orga@ihk.example", password="richtig-langes-passwort", org_slug="ihk-nrw")
    upsert_event(
        EventRecord.model_validate(
            event_record(
                slug="voll-besetzt",
                capacity=1,
                approval=True,
                hybrid=True,
                online_url="https://meet.example.org/voll",
                online_capacity=50,
                hosts=hosted_by("ihk-nrw"),
            )
        )
    )
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == "voll-besetzt"))

    def person(first: str, source: str = "manual") -> Attendee:
        return Attendee(
            first,
            "Mustermann-Lüdenscheidt",
            f"{first.lower()}@beispiel.example",
            organisation="Bäckerei Größe GmbH",
            source=source,
        )

    register_group(event.id, [person("Erste")])
    register_group(event.id, [person("Anna")], if_full="wait")
    register_group(
        event.id,
        [person("Gruppe-A"), person("Gruppe-B")],
        contact=GroupContact("Chefin", "chefin@beispiel.example"),
        if_full="wait",
    )
    register_group(event.id, [person("Carla")], if_full="wait")
    register_group(event.id, [person("Pia", source="web")])  # awaits approval
    register_group(event.id, [person("Paul", source="web")])

    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("orga@ihk.example")
    page.get_by_label("Passwort").fill("richtig-langes-passwort")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    axe_check(page)
    page.goto(live_server + "/manage/events/voll-besetzt")
    page.get_by_role("heading", name="Warteliste", exact=True).wait_for()
    axe_check(page)
    if width == 360:
        assert content_fits(page) == []

    # Carla to position 1, typed into her field and sent with Enter.
    carla = db.session.scalar(select(Registration.id).where(Registration.first_name == "Carla"))
    page.locator(f"#move-{carla}").focus()
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.get_by_text("ist jetzt auf Position 1 der Warteliste").wait_for()
    assert waiting_order() == ["Carla", "Anna", "Gruppe-A", "Gruppe-B"]

    # Anna one step down: her button reached by Tab, pressed with the space bar.
    page.get_by_role("button", name="Anna Mustermann-Lüdenscheidt nach unten verschieben").focus()
    page.keyboard.press("Space")
    page.get_by_text("Anna Mustermann-Lüdenscheidt ist jetzt auf Position 4").wait_for()
    assert waiting_order() == ["Carla", "Gruppe-A", "Gruppe-B", "Anna"]
    axe_check(page)

    # Both pending people ticked and approved at once: no seat, so both wait.
    page.get_by_label("Pia Mustermann-Lüdenscheidt auswählen").check()
    page.get_by_label("Paul Mustermann-Lüdenscheidt auswählen").check()
    page.get_by_role("button", name="Ausgewählte freigeben").click()
    page.get_by_text("2 auf die Warteliste gesetzt.").wait_for()
    axe_check(page)
    if width == 360:
        assert content_fits(page) == []
    page.screenshot(path=str(tmp_path / f"waitlist-{width}.png"), full_page=True)
    context.close()
