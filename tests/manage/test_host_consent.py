"""Naming another organisation on an event needs its consent (issue 10, finding 9)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.models import Event, EventHost, Membership
from tests.manage.conftest import log_in
from tests.manage.test_events import event_form, org_id

SLUG = "fachkraefte-gewinnen-anerkennung-im-handwerk"
HWK = "Hwk Leipzig"  # the name `users create --org hwk-leipzig` gives the organisation


@pytest.fixture
def named_without_consent(client, make_organiser, make_registration):
    """IHK's organiser creates and publishes an event naming the HWK as co-host."""
    make_organiser("a@ihk.example", "ihk-nrw")
    make_organiser("b@hwk.example", "hwk-leipzig")  # first member: owner
    make_organiser("c@hwk.example", "hwk-leipzig")  # a plain organiser of the HWK
    assert log_in(client, "a@ihk.example").status_code == 303
    response = client.post("/manage/events/new", data=event_form(org_id("ihk-nrw")))
    assert response.status_code == 303, response.get_data(as_text=True)
    client.post(f"/manage/events/{SLUG}/status", data={"action": "publish"})
    client.post("/manage/logout")
    db.session.rollback()
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    make_registration(event, first_name="Vertraulich", last_name="Teilnehmerin")
    _token, key = create_token(org_id("hwk-leipzig"), "CRM", can_write=False, created_by_id=None)
    return event, key


def request_id() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(EventHost.id).where(EventHost.organisation_id == org_id("hwk-leipzig"))
    )


def hwk_sees_the_event(client, key) -> dict[str, bool]:
    api = client.get("/api/v1/organiser/events", headers={"Authorization": f"Bearer {key}"})
    return {
        "dashboard": SLUG in client.get("/manage/").get_data(as_text=True),
        "event page": client.get(f"/manage/events/{SLUG}").status_code == 200,
        "attendees": client.get(f"/manage/events/{SLUG}/attendees.csv").status_code == 200,
        "api": any(e["slug"] == SLUG for e in api.get_json()["items"]),
        "api registrations": client.get(
            f"/api/v1/organiser/events/{SLUG}/registrations",
            headers={"Authorization": f"Bearer {key}"},
        ).status_code
        == 200,
    }


def public_shows_hwk(client) -> dict[str, bool]:
    page = client.get(f"/events/{SLUG}").get_data(as_text=True)
    filtered = client.get("/events/?host=hwk-leipzig").get_data(as_text=True)
    organisations = client.get("/api/v1/organisations").get_json()["items"]
    event_json = client.get(f"/api/v1/events/{SLUG}").get_json()
    return {
        "name on page": HWK in page,
        "host filter": SLUG in filtered,
        "organisations api": any(o["slug"] == "hwk-leipzig" for o in organisations),
        "event api": any(h["slug"] == "hwk-leipzig" for h in event_json["hosts"]),
    }


def test_a_cohost_named_without_consent_gets_nothing_until_an_owner_accepts(
    client, named_without_consent, outbox
):
    event, key = named_without_consent
    sequence = event.sequence
    mails = outbox(kind="host_request")
    assert [m.recipient for m in mails] == ["b@hwk.example"]  # owners only
    text = outbox.text(mails[0])
    assert event.title in text and "Ihk Nrw" in text
    assert "/manage/organisations/hwk-leipzig#host-requests" in text

    assert log_in(client, "b@hwk.example").status_code == 303
    assert not any(hwk_sees_the_event(client, key).values())
    assert not any(public_shows_hwk(client).values())

    page = client.get("/manage/organisations/hwk-leipzig").get_data(as_text=True)
    assert event.title in page and "Mitveranstalter" in page
    assert event.title in client.get("/manage/").get_data(as_text=True)  # the request
    link_id = request_id()
    accept = f"/manage/organisations/hwk-leipzig/host-requests/{link_id}/accept"
    assert client.get(accept).status_code == 405
    assert client.post(accept).status_code == 303

    assert all(hwk_sees_the_event(client, key).values())
    assert all(public_shows_hwk(client).values())
    db.session.rollback()
    event = db.session.get(Event, event.id)
    assert event.sequence == sequence  # not a calendar change
    assert outbox(kind="event_changed") == []


def test_only_owners_of_the_named_organisation_answer(client, named_without_consent):
    link_id = request_id()
    for email, org in (("c@hwk.example", "hwk-leipzig"), ("a@ihk.example", "ihk-nrw")):
        assert log_in(client, email).status_code == 303
        for url in (
            f"/manage/organisations/hwk-leipzig/host-requests/{link_id}/accept",
            f"/manage/organisations/{org}/host-requests/{link_id}/accept",
        ):
            assert client.post(url).status_code == 404, (email, url)
        assert "host-requests" not in client.get("/manage/").get_data(as_text=True)
        client.post("/manage/logout")
    assert request_id() == link_id
    assert db.session.get(EventHost, link_id).accepted_at is None


def test_a_decline_removes_the_link(client, named_without_consent):
    event, key = named_without_consent
    link_id = request_id()
    assert log_in(client, "b@hwk.example").status_code == 303
    url = f"/manage/organisations/hwk-leipzig/host-requests/{link_id}/decline"
    assert client.post(url).status_code == 303
    assert request_id() is None
    assert client.post(url).status_code == 404
    assert not any(hwk_sees_the_event(client, key).values())
    event = db.session.get(Event, event.id)
    assert [h.organisation.slug for h in event.hosts] == ["ihk-nrw"]


def test_a_partner_named_without_consent_is_plain_text(client, make_organiser):
    make_organiser("a@ihk.example", "ihk-nrw")
    make_organiser("b@hwk.example", "hwk-leipzig")
    assert log_in(client, "a@ihk.example").status_code == 303
    form = event_form(org_id("ihk-nrw"), **{"hosts-0-role": "partner"})
    assert client.post("/manage/events/new", data=form).status_code == 303
    client.post(f"/manage/events/{SLUG}/status", data={"action": "publish"})
    page = client.get(f"/events/{SLUG}").get_data(as_text=True)
    assert HWK in page  # the name, as text
    assert "host=hwk-leipzig" not in page
    assert "/organisations/hwk-leipzig" not in page
    assert SLUG not in client.get("/events/?host=hwk-leipzig").get_data(as_text=True)
    assert "hwk-leipzig" not in client.get("/api/v1/organisations").get_data(as_text=True)
    client.post("/manage/logout")

    assert log_in(client, "b@hwk.example").status_code == 303
    link_id = request_id()
    client.post(f"/manage/organisations/hwk-leipzig/host-requests/{link_id}/accept")
    # Accepted: the name links to the organisation's profile.
    assert 'href="/organisations/hwk-leipzig"' in client.get(f"/events/{SLUG}").get_data(
        as_text=True
    )
    assert SLUG in client.get("/events/?host=hwk-leipzig").get_data(as_text=True)
    # Still a partner: no access to the event or its attendees.
    assert client.get(f"/manage/events/{SLUG}").status_code == 404


def test_own_organisations_are_accepted_at_once(client, make_organiser, outbox):
    user = make_organiser("a@ihk.example", "ihk-nrw")
    make_organiser("b@hwk.example", "hwk-leipzig")
    db.session.add(Membership(user_id=user.id, organisation_id=org_id("hwk-leipzig")))
    db.session.commit()
    assert log_in(client, "a@ihk.example").status_code == 303
    assert client.post("/manage/events/new", data=event_form(org_id("ihk-nrw"))).status_code == 303
    db.session.rollback()
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    assert [(h.organisation.slug, h.accepted) for h in event.hosts] == [
        ("ihk-nrw", True),
        ("hwk-leipzig", True),
    ]
    assert outbox(kind="host_request") == []


def test_editing_keeps_consent_and_asks_again_for_more_rights(
    client, named_without_consent, outbox
):
    link_id = request_id()
    assert log_in(client, "b@hwk.example").status_code == 303
    client.post(f"/manage/organisations/hwk-leipzig/host-requests/{link_id}/accept")
    client.post("/manage/logout")
    assert log_in(client, "a@ihk.example").status_code == 303
    edit = f"/manage/events/{SLUG}/edit"
    assert (
        client.post(edit, data=event_form(org_id("ihk-nrw"), venue_city="Bottrop")).status_code
        == 303
    )
    assert db.session.get(EventHost, request_id()).accepted_at is not None
    # Down to partner keeps the consent; back up to co-host asks again.
    client.post(edit, data=event_form(org_id("ihk-nrw"), **{"hosts-0-role": "partner"}))
    assert db.session.get(EventHost, request_id()).accepted_at is not None
    client.post(edit, data=event_form(org_id("ihk-nrw")))
    assert db.session.get(EventHost, request_id()).accepted_at is None
    assert len(outbox(kind="host_request")) == 2


def test_import_accepts_and_export_round_trips_pending_links(
    app, runner, named_without_consent, tmp_path
):
    exported = json.loads(runner.invoke(args=["events", "export"]).output)
    hosts = next(e for e in exported if e["slug"] == SLUG)["hosts"]
    assert hosts == [
        {"name": "Ihk Nrw", "slug": "ihk-nrw", "role": "host"},
        {"name": HWK, "slug": "hwk-leipzig", "role": "cohost", "pending": True},
    ]
    # Re-importing the export changes nothing and keeps the link pending.
    path = tmp_path / "events.json"
    path.write_text(json.dumps(exported))
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.get(EventHost, request_id()).accepted_at is None
    # An operator's file without the flag: the link counts as accepted.
    del hosts[1]["pending"]
    path.write_text(json.dumps(exported))
    assert runner.invoke(args=["events", "import", str(path)]).exit_code == 0
    assert db.session.get(EventHost, request_id()).accepted_at is not None
