"""Members edit their organisation's public profile; site admins hide and show profiles."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Organisation
from tests.manage.conftest import log_in

PROFILE = {
    "kind": "welcome_center",
    "region": "Braunschweig, Wolfsburg",
    "description": "Zentrale **Anlaufstelle** für Fachkräfte.",
    "website": "https://welcome.example/",
}


def organisation(slug: str) -> Organisation:
    db.session.rollback()
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def test_owner_and_organiser_edit_the_profile(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")  # owner
    make_organiser("kollege@welcome.example", "welcome")  # organiser
    for email, region in (
        ("chefin@welcome.example", "Braunschweig"),
        ("kollege@welcome.example", "Wolfsburg"),
    ):
        log_in(client, email)
        page = client.get("/manage/organisations/welcome").get_data(as_text=True)
        assert "Öffentliches Profil" in page and 'name="description"' in page
        response = client.post(
            "/manage/organisations/welcome/profile", data={**PROFILE, "region": region}
        )
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/manage/organisations/welcome#profile")
        assert organisation("welcome").region == region
        client.post("/manage/logout")
    saved = organisation("welcome")
    assert (saved.kind, saved.website) == ("welcome_center", "https://welcome.example/")
    public = client.get("/organisations/welcome").get_data(as_text=True)
    assert "<strong>Anlaufstelle</strong>" in public
    assert "Wolfsburg" in public and "Welcome Center" in public


def test_the_name_is_not_changed_by_the_profile_form(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    name = organisation("welcome").name
    log_in(client, "chefin@welcome.example")
    response = client.post(
        "/manage/organisations/welcome/profile", data={**PROFILE, "name": "Umbenannt"}
    )
    assert response.status_code == 303
    assert organisation("welcome").name == name


def test_members_of_another_organisation_cannot_edit(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    make_organiser("fremd@ihk.example", "ihk-nrw")
    log_in(client, "fremd@ihk.example")
    response = client.post("/manage/organisations/welcome/profile", data=PROFILE)
    assert response.status_code == 404
    assert organisation("welcome").region == ""
    client.post("/manage/logout")
    anonymous = client.post("/manage/organisations/welcome/profile", data=PROFILE)
    assert anonymous.headers["Location"].startswith("/manage/login")
    assert organisation("welcome").region == ""


def test_bad_input_gets_form_errors_in_german_and_english(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    log_in(client, "chefin@welcome.example")
    url = "/manage/organisations/welcome/profile"
    cases = [
        ({"website": "javascript:alert(1)"}, "mit https:// oder http:// beginnt"),
        ({"website": "welcome.example"}, "mit https:// oder http:// beginnt"),
        ({"website": "https://" + "a" * 300 + ".de"}, "höchstens 300 Zeichen"),
        ({"region": "R" * 101}, "höchstens 100 Zeichen"),
        ({"description": "x" * 5001}, "höchstens 5000 Zeichen"),
    ]
    for change, message in cases:
        response = client.post(url, data={**PROFILE, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    # Control characters are refused before any form sees them (eventhub.request_guard).
    control = client.post(url, data={**PROFILE, "description": "Text\x07mit Steuerzeichen"})
    assert control.status_code == 400
    invalid_kind = client.post(url, data={**PROFILE, "kind": "sekte"})
    assert invalid_kind.status_code == 422
    english = client.post(url + "?lang=en", data={**PROFILE, "website": "ftp://x.example"})
    assert english.status_code == 422
    assert "Please enter a web address starting with https:// or http://." in english.get_data(
        as_text=True
    )
    assert organisation("welcome").region == ""


def test_site_admin_hides_and_shows_a_profile(client, make_organiser, make_event):
    make_event(hosts=[{"name": "G.I.B. NRW", "slug": "gib", "role": "host"}])
    make_organiser("admin@eventhub.example", "betrieb", admin=True)
    log_in(client, "admin@eventhub.example")
    listing = client.get("/manage/admin/organisations").get_data(as_text=True)
    assert "Profil ausblenden" in listing
    url = "/manage/admin/organisations/gib/profile-visibility"
    response = client.post(url, data={"visibility": "hidden"})
    assert response.status_code == 303
    assert organisation("gib").profile_hidden_at is not None
    assert client.get("/organisations/gib").status_code == 404
    listing = client.get("/manage/admin/organisations").get_data(as_text=True)
    assert "Profil ausgeblendet" in listing
    assert client.post(url, data={"visibility": "maybe"}).status_code == 400
    assert client.post(url, data={"visibility": "shown"}).status_code == 303
    assert organisation("gib").profile_hidden_at is None
    assert client.get("/organisations/gib").status_code == 200


def test_members_cannot_hide_their_own_profile(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    log_in(client, "chefin@welcome.example")
    url = "/manage/admin/organisations/welcome/profile-visibility"
    assert client.post(url, data={"visibility": "hidden"}).status_code == 404
    assert organisation("welcome").profile_hidden_at is None


def test_a_hidden_profile_is_still_editable_and_says_so(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    make_organiser("admin@eventhub.example", "betrieb", admin=True)
    log_in(client, "admin@eventhub.example")
    client.post(
        "/manage/admin/organisations/welcome/profile-visibility", data={"visibility": "hidden"}
    )
    client.post("/manage/logout")
    log_in(client, "chefin@welcome.example")
    page = client.get("/manage/organisations/welcome").get_data(as_text=True)
    assert "Profil ausgeblendet" in page or "ausgeblendet" in page
    assert client.post("/manage/organisations/welcome/profile", data=PROFILE).status_code == 303
    assert organisation("welcome").profile_hidden_at is not None  # editing does not unhide


def test_a_description_keeps_its_lines_and_lists(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    log_in(client, "chefin@welcome.example")
    text = "Wir beraten:\r\n\r\n- zur Anerkennung\r\n- zum Aufenthalt\r\n"
    response = client.post(
        "/manage/organisations/welcome/profile", data={**PROFILE, "description": text}
    )
    assert response.status_code == 303
    public = client.get("/organisations/welcome").get_data(as_text=True)
    assert "<li>zur Anerkennung</li>" in public and "<li>zum Aufenthalt</li>" in public
    # The form shows the stored text again for the next edit.
    assert "- zum Aufenthalt" in client.get("/manage/organisations/welcome").get_data(as_text=True)


def test_the_workspace_says_when_the_profile_becomes_public(client, make_organiser):
    make_organiser("chefin@welcome.example", "welcome")
    log_in(client, "chefin@welcome.example")
    page = client.get("/manage/organisations/welcome").get_data(as_text=True)
    assert "Ihr Profil wird öffentlich" in page
    assert client.get("/organisations/welcome").status_code == 404
    client.post("/manage/organisations/welcome/profile", data=PROFILE)
    page = client.get("/manage/organisations/welcome").get_data(as_text=True)
    assert "Ihr Profil wird öffentlich" not in page
    assert 'href="/organisations/welcome"' in page
