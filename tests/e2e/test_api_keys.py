"""An owner creates an API key in the browser; another system registers someone with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eventhub.manage.accounts import create_user
from tests.conftest import event_record

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


def test_owner_creates_a_key_and_a_crm_registers_through_the_api(app, page, live_server, axe_check):
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db

    create_user(email="chefin@ihk.example", password="richtig-langes-passwort", org_slug="ihk")
    record = event_record(
        slug="fachkraefte-workshop", hosts=[{"name": "IHK", "slug": "ihk", "role": "host"}]
    )
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()

    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("chefin@ihk.example")
    page.get_by_label("Passwort").fill("richtig-langes-passwort")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    page.get_by_role("link", name="IHK").click()
    page.get_by_label("Name des Schlüssels").fill("CRM")
    page.get_by_label("Darf auch Anmeldungen anlegen und stornieren").check()
    page.get_by_role("button", name="Schlüssel anlegen").click()
    key = page.get_by_label("Ihr neuer API-Schlüssel (wird nur einmal angezeigt):")
    expect(key).to_be_visible()
    raw = key.input_value()
    assert raw.startswith("eh_")
    axe_check(page)

    response = page.request.post(
        live_server + "/api/v1/organiser/events/fachkraefte-workshop/registrations",
        data={"first_name": "Oksana", "last_name": "Melnyk", "email": "o.melnyk@example.org"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status == 201, response.text()

    page.goto(live_server + "/manage/events/fachkraefte-workshop")
    expect(page.locator("body")).to_contain_text("Melnyk, Oksana")

    page.goto(live_server + "/manage/account")
    expect(page.get_by_role("heading", name="Ihr Konto")).to_be_visible()
    axe_check(page)
