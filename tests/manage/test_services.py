"""An organisation's service entries in the workspace: members write, others cannot,
site admins hide."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models.network import ServiceEntry
from tests.manage.conftest import log_in

FORM = {
    "title": "Sprechstunde für Betriebe",
    "category": "recruiting",
    "audiences": ["employers"],
    "languages": ["de", "en"],
    "regions": "Düsseldorf, Nordrhein-Westfalen",
    "description": "Wir **beraten** Betriebe.",
    "address": "Musterweg 1, 40210 Düsseldorf",
    "phone": "+49 211 000",
    "email": "kontakt@ihk.example",
    "website": "https://ihk.example/sprechstunde",
    "opening_hours": "Mi 10–12 Uhr",
    "by_appointment": "y",
}


def entries() -> list[ServiceEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(ServiceEntry).order_by(ServiceEntry.id)))


def test_member_creates_edits_and_deletes_an_entry(organiser_client, client):
    page = organiser_client.get("/manage/organisations/ihk-nrw")
    assert "/manage/organisations/ihk-nrw/services" in page.get_data(as_text=True)
    assert organiser_client.get("/manage/organisations/ihk-nrw/services").status_code == 200
    form = organiser_client.get("/manage/organisations/ihk-nrw/services/new")
    assert form.status_code == 200 and "Kategorie" in form.get_data(as_text=True)

    created = organiser_client.post("/manage/organisations/ihk-nrw/services/new", data=FORM)
    assert created.status_code == 303
    assert created.headers["Location"].endswith("/manage/organisations/ihk-nrw/services")
    [entry] = entries()
    assert entry.slug == "sprechstunde-fuer-betriebe"
    assert entry.regions == ["Düsseldorf", "Nordrhein-Westfalen"]
    assert entry.by_appointment and entry.organisation.slug == "ihk-nrw"
    listing = organiser_client.get("/manage/organisations/ihk-nrw/services").get_data(as_text=True)
    assert "Sprechstunde für Betriebe" in listing
    public = client.get("/services?region=nordrhein-westfalen").get_data(as_text=True)
    assert "Sprechstunde für Betriebe" in public

    edit_url = f"/manage/organisations/ihk-nrw/services/{entry.id}/edit"
    filled = organiser_client.get(edit_url).get_data(as_text=True)
    assert 'value="Düsseldorf, Nordrhein-Westfalen"' in filled
    changed = organiser_client.post(edit_url, data={**FORM, "title": "Neuer Titel"})
    assert changed.status_code == 303
    [entry] = entries()
    assert entry.title == "Neuer Titel" and entry.slug == "sprechstunde-fuer-betriebe"
    assert "neuer titel" in entry.search_text

    deleted = organiser_client.post(f"/manage/organisations/ihk-nrw/services/{entry.id}/delete")
    assert deleted.status_code == 303
    assert entries() == []


@pytest.mark.parametrize(
    "changes, field, german",
    [
        ({"title": ""}, "title", "Bitte geben Sie einen Titel ein."),
        ({"title": "x" * 201}, "title", "höchstens 200 Zeichen"),
        ({"category": "astrologie"}, "category", "Keine gültige Auswahl"),
        ({"website": "javascript:alert(1)"}, "website", "https://"),
        ({"website": "ftp://example.org"}, "website", "https://"),
        ({"email": "keine-adresse"}, "email", "gültige E-Mail-Adresse"),
        ({"languages": ["xx"]}, "languages", "xx"),
        ({"regions": ", ".join(f"Ort {n}" for n in range(11))}, "regions", "höchstens 10"),
    ],
)
def test_bad_input_is_422_with_the_reason(organiser_client, changes, field, german):
    response = organiser_client.post(
        "/manage/organisations/ihk-nrw/services/new", data={**FORM, **changes}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert german in html, html[html.find("<main") :][:3000]
    assert f'id="{field}' in html
    assert entries() == []


def test_messages_in_english(organiser_client):
    response = organiser_client.post(
        "/manage/organisations/ihk-nrw/services/new?lang=en", data={**FORM, "title": ""}
    )
    assert response.status_code == 422
    assert "Please enter a title." in response.get_data(as_text=True)


def test_other_organisations_members_cannot_touch_entries(client, make_organiser):
    make_organiser("a@ihk.example", "ihk-nrw")
    make_organiser("b@hwk.example", "hwk-leipzig")
    log_in(client, "a@ihk.example")
    client.post("/manage/organisations/ihk-nrw/services/new", data=FORM)
    [entry] = entries()
    client.post("/manage/logout")

    log_in(client, "b@hwk.example")
    base = "/manage/organisations/ihk-nrw/services"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/new").status_code == 404
    assert client.post(f"{base}/new", data=FORM).status_code == 404
    assert client.get(f"{base}/{entry.id}/edit").status_code == 404
    assert client.post(f"{base}/{entry.id}/delete").status_code == 404
    # Through their own organisation's address the entry is not theirs either.
    own = f"/manage/organisations/hwk-leipzig/services/{entry.id}"
    assert client.get(f"{own}/edit").status_code == 404
    assert client.post(f"{own}/edit", data=FORM).status_code == 404
    assert client.post(f"{own}/delete").status_code == 404
    # Nor may they hide it (site admins only).
    assert client.post(f"/services/{entry.slug}/hide").status_code == 404
    assert [e.title for e in entries()] == ["Sprechstunde für Betriebe"]
    client.post("/manage/logout")
    assert client.get(base).status_code in (302, 303)  # to the login


def test_site_admin_hides_and_shows_an_entry(client, make_organiser):
    make_organiser("a@ihk.example", "ihk-nrw")
    log_in(client, "a@ihk.example")
    client.post("/manage/organisations/ihk-nrw/services/new", data=FORM)
    client.post("/manage/logout")
    [entry] = entries()

    make_organiser("admin@site.example", "site", admin=True)
    log_in(client, "admin@site.example")
    listing = client.get("/manage/organisations/ihk-nrw/services").get_data(as_text=True)
    assert f"/services/{entry.slug}/hide" in listing
    detail = client.get(f"/services/{entry.slug}").get_data(as_text=True)
    assert "Diesen Eintrag ausblenden" in detail
    hidden = client.post(
        f"/services/{entry.slug}/hide", data={"next": "/manage/organisations/ihk-nrw/services"}
    )
    assert hidden.headers["Location"].endswith("/manage/organisations/ihk-nrw/services")
    # The admin still sees it, marked, and can show it again.
    detail = client.get(f"/services/{entry.slug}")
    assert detail.status_code == 200 and "Wieder zeigen" in detail.get_data(as_text=True)
    assert detail.headers["Cache-Control"] == "private, no-store"
    client.post("/manage/logout")
    assert client.get(f"/services/{entry.slug}").status_code == 404
    assert "Sprechstunde" not in client.get("/services").get_data(as_text=True)

    log_in(client, "a@ihk.example")
    listing = client.get("/manage/organisations/ihk-nrw/services").get_data(as_text=True)
    assert "Von der Seitenadministration ausgeblendet" in listing
    assert f"/services/{entry.slug}/unhide" not in listing  # members cannot undo it
    client.post("/manage/logout")

    log_in(client, "admin@site.example")
    shown = client.post(f"/services/{entry.slug}/unhide")
    assert shown.headers["Location"].endswith(f"/services/{entry.slug}")
    client.post("/manage/logout")
    assert client.get(f"/services/{entry.slug}").status_code == 200


def test_hide_needs_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    from eventhub.manage.accounts import create_user
    from eventhub.network.services import ServiceValues, create_service

    with app.app_context():
        create_user(email="admin@site.example", password="x" * 12, is_admin=True)
        org_user, _ = create_user(email="a@ihk.example", password="x" * 12, org_slug="ihk-nrw")
        organisation_id = org_user.memberships[0].organisation_id
        entry = create_service(organisation_id, ServiceValues(title="Kurs", category="housing"))
        slug = entry.slug
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"
        session["_fresh"] = True
    response = client.post(f"/services/{slug}/hide")
    assert response.status_code == 400
