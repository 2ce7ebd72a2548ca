"""Owners create and revoke their organisation's API keys in the workspace."""

from __future__ import annotations

import re

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import ApiToken
from tests.manage.conftest import hosted_by, log_in

TOKEN = re.compile(r"eh_[A-Za-z0-9_-]{43}")


def nonce(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def test_owner_creates_uses_and_revokes_a_key(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    page = organiser_client.get("/manage/organisations/ihk-nrw")
    assert "API-Zugang" in page.get_data(as_text=True)

    form = {"name": "CRM", "can_write": "y", "nonce": nonce(page.get_data(as_text=True))}
    created = organiser_client.post("/manage/organisations/ihk-nrw/api-tokens", data=form)
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    [raw] = set(TOKEN.findall(html))
    assert "nur einmal angezeigt" in html
    assert html.count('id="csrf_token"') <= 1
    assert raw not in created.headers.get("Set-Cookie", "")  # never in the session cookie
    # Sending the same form again (reload) creates nothing and shows no key.
    again = organiser_client.post("/manage/organisations/ihk-nrw/api-tokens", data=form)
    assert again.status_code == 409 and not TOKEN.search(again.get_data(as_text=True))
    db.session.rollback()
    assert len(db.session.scalars(select(ApiToken)).all()) == 1

    again = organiser_client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert raw not in again
    assert raw[:10] in again and "CRM" in again
    assert "Anmeldungen lesen und hinzufügen" in again
    db.session.rollback()
    stored = db.session.scalar(select(ApiToken))
    assert stored.can_write and stored.created_by.email == "orga@ihk.example"
    assert stored.token_hash != raw

    api = f"/api/v1/organiser/events/{event.slug}/registrations"
    headers = {"Authorization": f"Bearer {raw}"}
    assert organiser_client.get(api, headers=headers).status_code == 200

    revoked = organiser_client.post(f"/manage/organisations/ihk-nrw/api-tokens/{stored.id}/revoke")
    assert revoked.status_code == 303
    assert organiser_client.get(api, headers=headers).status_code == 401
    after = organiser_client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert raw[:10] not in after
    # Revoking twice: there is no such active key any more.
    again = organiser_client.post(f"/manage/organisations/ihk-nrw/api-tokens/{stored.id}/revoke")
    assert again.status_code == 404


def test_a_key_needs_a_name(organiser_client):
    response = organiser_client.post("/manage/organisations/ihk-nrw/api-tokens", data={"name": ""})
    assert response.status_code == 422
    assert "Bitte geben Sie dem Schlüssel einen Namen." in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(ApiToken)) is None


def test_read_only_key_by_default(organiser_client, make_event):
    make_event(hosts=hosted_by("ihk-nrw"))
    page = organiser_client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    html = organiser_client.post(
        "/manage/organisations/ihk-nrw/api-tokens", data={"name": "Statistik", "nonce": nonce(page)}
    ).get_data(as_text=True)
    assert TOKEN.search(html)
    db.session.rollback()
    assert db.session.scalar(select(ApiToken)).can_write is False


def test_organisers_who_are_not_owners_cannot_see_or_make_keys(client, make_organiser):
    make_organiser("chefin@ihk.example", "ihk-nrw")  # first member: owner
    make_organiser("kollege@ihk.example", "ihk-nrw")
    assert log_in(client, "kollege@ihk.example").status_code == 303
    page = client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert "API-Zugang" not in page
    response = client.post("/manage/organisations/ihk-nrw/api-tokens", data={"name": "Heimlich"})
    assert response.status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(ApiToken)) is None
