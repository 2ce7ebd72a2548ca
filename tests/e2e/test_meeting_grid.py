"""The organisers' meeting grid in Chromium: at a phone's width (360 px) the page itself
does not scroll sideways — the grid scrolls inside its wrapper — and axe finds nothing
serious; at a desktop's width it fits as well."""

from __future__ import annotations

import pytest

from eventhub.manage.accounts import create_user
from eventhub.network.meeting_admin import arrange_meeting
from eventhub.network.meetings import configure_meetings, meeting_setup
from tests.e2e.test_widths import overflow
from tests.manage.conftest import PASSWORD, hosted_by
from tests.network.meeting_data import WINTER, at, setup_values

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize(("width", "height"), [(360, 640), (1280, 800)])
def test_meeting_grid_scrolls_inside_its_wrapper(
    app, browser, live_server, make_event, make_registration, axe_check, width, height
):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(starts=at(WINTER, 10), hosts=hosted_by("ihk-nrw"))
    configure_meetings(
        event.id, **setup_values(WINTER, tables=["1", "2", "3", "Raum Emscher", "Raum Ruhr"])
    )
    people = [
        make_registration(event, organisation="Bäckerei und Konditorei Müller GmbH & Co. KG")[0]
        for _ in range(6)
    ]
    arrange_meeting(event.id, people[0].id, people[1].id, at(WINTER, 11))
    # At the last table, off-screen at 360 px: its hidden cell text must not widen the page.
    last_table = meeting_setup(event.id).tables[-1].id
    arrange_meeting(event.id, people[2].id, people[3].id, at(WINTER, 11, 20), last_table)
    arrange_meeting(event.id, people[4].id, people[5].id)
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("orga@ihk.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    page.goto(f"{live_server}/manage/events/{event.slug}/meetings")
    assert page.get_by_role("table", name="Gespräche nach Zeitfenster").count() == 1
    assert overflow(page) == []
    wrapper = page.locator(".meeting-grid-wrap")
    scrolls = wrapper.evaluate("w => w.scrollWidth > w.clientWidth")
    assert scrolls == (width == 360)
    axe_check(page)
    context.close()
