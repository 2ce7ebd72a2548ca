"""An organisation's public profile in the browser, and its editing in the workspace."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import Organisation, ServiceEntry, ServiceTag
from tests.e2e.test_widths import WIDTHS, overflow

pytestmark = pytest.mark.e2e

PASSWORD = "richtig-langes-passwort"
NAME = (
    "Kommunales Integrationszentrum und Welcome Center der Stadt Recklinghausen – "
    "Anerkennungsberatungsstelle"
)


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def organisation_with_offers(app, make_event):
    create_user(email="leitung@iz.example", password=PASSWORD, org_slug="iz-recklinghausen")
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "iz-recklinghausen"))
    org.name = NAME
    db.session.commit()
    hosts = [{"name": NAME, "slug": "iz-recklinghausen", "role": "host"}]
    make_event(title="Anerkennungsberatung für Handwerksbetriebe im Kreis", hosts=hosts)
    make_event(
        title="Sprechstunde Berufsqualifikationsfeststellungsgesetz",
        hosts=[{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}]
        + [{**hosts[0], "role": "cohost"}],
    )
    for n, title in enumerate(("Anerkennungsberatung", "Aufenthaltsrechtliche Erstberatung")):
        db.session.add(
            ServiceEntry(
                slug=f"iz-angebot-{n}",
                organisation_id=org.id,
                title=title,
                category="recognition",
                tags=[
                    ServiceTag(kind="audience", value=a, value_folded=a)
                    for a in ("skilled_workers", "employers", "refugees")
                ],
            )
        )
    db.session.commit()
    return org


@pytest.mark.parametrize("width", WIDTHS)
def test_member_fills_the_profile_and_the_public_sees_it(
    browser, live_server, organisation_with_offers, axe_check, width
):
    w, h = WIDTHS[width]
    context = browser.new_context(locale="de-DE", viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("leitung@iz.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    page.goto(live_server + "/manage/organisations/iz-recklinghausen")
    page.get_by_label("Art der Organisation").select_option("welcome_center")
    page.get_by_label("Region").fill("Kreis Recklinghausen")
    page.get_by_label("Beschreibung").fill(
        "Wir beraten zur **Anerkennung** ausländischer Abschlüsse: "
        "https://www.anerkennung-in-deutschland.de/html/de/pro/"
        "berufsqualifikationsfeststellungsgesetz.php"
    )
    page.get_by_label("Website").fill("kein-link")
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_text("mit https:// oder http:// beginnt").first).to_be_visible()
    axe_check(page)  # the form with its error message
    page.get_by_label("Website").fill("https://www.integrationszentrum-recklinghausen.example")
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_text("Das Profil wurde gespeichert.")).to_be_visible()
    page.get_by_role("link", name="/organisations/iz-recklinghausen").click()
    page.wait_for_url(live_server + "/organisations/iz-recklinghausen")

    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text("Kreis Recklinghausen")).to_be_visible()
    expect(page.locator(".description strong")).to_have_text("Anerkennung")
    services = page.locator(".profile-services li")
    expect(services).to_have_count(2)
    expect(services.first).to_contain_text("Fachkräfte, Arbeitgeber, Geflüchtete")
    expect(page.locator(".card-title")).to_have_count(2)
    expect(page.get_by_role("link", name="Abonnieren (webcal)")).to_have_attribute(
        "href", live_server.replace("http://", "webcal://") + "/calendar.ics?host=iz-recklinghausen"
    )
    assert overflow(page) == []
    axe_check(page)

    # From an event back to the profile: the host's name links to it.
    page.get_by_role("link", name="Anerkennungsberatung für Handwerksbetriebe im Kreis").click()
    page.get_by_role("link", name=NAME, exact=True).click()
    page.wait_for_url(live_server + "/organisations/iz-recklinghausen")
    context.close()
