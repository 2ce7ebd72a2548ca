"""Owners invite colleagues; site admins create organisations."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Membership, Organisation, User
from tests.manage.conftest import log_in, mailed_link


def test_owner_invites_a_colleague_who_accepts(app, client, make_organiser, outbox):
    make_organiser("chefin@ihk.example", "ihk-nrw")  # first member: owner
    log_in(client, "chefin@ihk.example")
    page = client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert "chefin@ihk.example" in page and "Kollegin oder Kollegen einladen" in page
    response = client.post(
        "/manage/organisations/ihk-nrw/invite",
        data={"email": "neu@ihk.example", "role": "organiser"},
    )
    assert response.status_code == 303
    page = client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert "/manage/invitations/" not in page  # only the invited mailbox gets the link
    path = mailed_link(outbox, "invitation")
    assert path.startswith("/manage/invitations/")
    client.post("/manage/logout")

    assert client.get(path).status_code == 200
    short = client.post(path, data={"name": "Neue Kollegin", "password": "kurz"})
    assert short.status_code == 422
    accepted = client.post(path, data={"name": "Neue Kollegin", "password": "ein-gutes-passwort"})
    assert accepted.status_code == 303
    assert client.get("/manage/").status_code == 200
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "neu@ihk.example"))
    role = db.session.scalar(select(Membership.role).where(Membership.user_id == user.id))
    assert role == "organiser"
    client.post("/manage/logout")
    assert client.get(path).status_code == 404  # works once


def test_organisers_cannot_invite(client, make_organiser):
    make_organiser("chefin@ihk.example", "ihk-nrw")
    make_organiser("mitarbeiter@ihk.example", "ihk-nrw")  # second member: organiser
    log_in(client, "mitarbeiter@ihk.example")
    page = client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert "Kollegin oder Kollegen einladen" not in page
    response = client.post(
        "/manage/organisations/ihk-nrw/invite", data={"email": "x@ihk.example", "role": "owner"}
    )
    assert response.status_code == 404


def test_inviting_an_existing_account_adds_it(client, make_organiser):
    make_organiser("chefin@ihk.example", "ihk-nrw")
    make_organiser("andere@hwk.example", "hwk-leipzig")
    log_in(client, "chefin@ihk.example")
    response = client.post(
        "/manage/organisations/ihk-nrw/invite",
        data={"email": "ANDERE@hwk.example", "role": "organiser"},
    )
    assert response.status_code == 303
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "andere@hwk.example"))
    assert len(user.memberships) == 2


def test_admin_creates_organisations(client, make_organiser):
    make_organiser("admin@eventhub.example", "betrieb", admin=True)
    log_in(client, "admin@eventhub.example")
    assert client.get("/manage/admin/organisations").status_code == 200
    response = client.post(
        "/manage/admin/organisations",
        data={
            "name": "Welcome Center Hamm",
            "slug": "welcome-center-hamm",
            "owner_email": "leitung@hamm.example",
        },
    )
    assert response.status_code == 200
    assert "/manage/invitations/" in response.get_data(as_text=True)
    taken = client.post(
        "/manage/admin/organisations", data={"name": "Doppelt", "slug": "welcome-center-hamm"}
    )
    assert taken.status_code == 422
    db.session.rollback()
    assert (
        db.session.scalar(
            select(Organisation.name).where(Organisation.slug == "welcome-center-hamm")
        )
        == "Welcome Center Hamm"
    )


def test_non_admins_do_not_see_the_admin_page(organiser_client):
    assert organiser_client.get("/manage/admin/organisations").status_code == 404


def test_an_old_invitation_cannot_take_over_an_account_made_since(client, make_organiser, outbox):
    """The link is shown to the inviting owner too: accepting it for an address that has
    an account by now must not set that account's password (or log anyone in as it)."""
    make_organiser("chefin@ihk.example", "ihk-nrw")
    log_in(client, "chefin@ihk.example")
    response = client.post(
        "/manage/organisations/ihk-nrw/invite",
        data={"email": "opfer@firma.example", "role": "organiser"},
    )
    assert response.status_code == 303
    link = mailed_link(outbox, "invitation")  # e.g. forwarded, or read in a shared mailbox
    client.post("/manage/logout")
    make_organiser("opfer@firma.example", "andere-kammer")  # the account arrives elsewhere

    taken = client.post(
        link,
        data={"name": "Angreifer", "password": "neues-passwort-123"},
    )
    assert taken.status_code == 422
    assert "existiert bereits" in taken.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302  # not logged in
    assert log_in(client, "opfer@firma.example", "neues-passwort-123").status_code == 401
    assert log_in(client, "opfer@firma.example").status_code == 303  # old password works
