"""Meetings in the JSON API: a participant's own meetings under their private token (the
other's address only once revealed, never for arranged meetings), and the organiser
list and detail (paging, filter, isolation, a fixed number of queries)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from eventhub.events.registration import cancel_registration, renew_manage_link
from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.models import Organisation
from eventhub.models.network import Meeting
from eventhub.network.meetings import (
    accept_meeting,
    cancel_meeting,
    decline_meeting,
    request_meeting,
    set_unavailable,
)
from tests.network.meeting_data import SUMMER, WINTER, at


@pytest.fixture
def api_key(app):
    """A raw read-only API key of the organisation `slug` (created if missing)."""

    def factory(slug: str = "gib") -> str:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            organisation = Organisation(slug=slug, name=slug.upper())
            db.session.add(organisation)
            db.session.commit()
        _token, raw = create_token(organisation.id, "CRM", can_write=False, created_by_id=None)
        return {"Authorization": f"Bearer {raw}"}

    return factory


def mine(client, token: str):
    return client.get(f"/api/v1/participant/{token}/meetings")


def test_participant_sees_own_meetings_and_the_address_only_after_acceptance(
    client, meeting_event, person
):
    event = meeting_event()
    anna = person(event, first_name="Anna", last_name="Arslan", email="anna.a@example.org")
    bernd = person(
        event,
        first_name="Bernd",
        last_name="Brandt",
        email="bernd.b@example.org",
        organisation="Brandt Metallbau",
        job_title="Ausbildungsleiter",
    )
    anna_token, bernd_token = renew_manage_link(anna.id), renew_manage_link(bernd.id)
    meeting, _ = request_meeting(anna.id, bernd.id, "Azubis?", [at(WINTER, 11, 20)])
    set_unavailable(anna.id, [at(WINTER, 11, 40)])

    response = mine(client, anna_token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    data = response.get_json()
    assert data["event"] == {"slug": event.slug, "title": event.title, "timezone": "Europe/Berlin"}
    setup = data["meeting_setup"]
    assert setup["slot_minutes"] == 15 and setup["needs_acceptance"] is True
    assert setup["slots"][0] == {
        "start": "2027-01-20T11:00:00+01:00",
        "end": "2027-01-20T11:15:00+01:00",
    }
    assert len(setup["slots"]) == 3
    assert setup["requests_close_at"] == "2027-01-20T11:00:00+01:00"
    assert setup["unavailable_slots"] == ["2027-01-20T11:40:00+01:00"]
    [item] = data["meetings"]
    assert item["status"] == "requested" and item["requested_by_me"] is True
    assert item["partner"] == {
        "name": "Bernd Brandt",
        "organisation": "Brandt Metallbau",
        "job_title": "Ausbildungsleiter",
    }
    assert item["note"] == "Azubis?"
    assert item["preferred_slots"] == ["2027-01-20T11:20:00+01:00"]
    assert item["slot"] is None and item["table"] is None
    assert item["ical_uid"] == f"meeting-{meeting.uid}@eventhub"
    assert b"bernd.b@example.org" not in response.data
    # The partner sees the request, without the requester's address either.
    [theirs] = mine(client, bernd_token).get_json()["meetings"]
    assert theirs["requested_by_me"] is False and "email" not in theirs["partner"]
    assert mine(client, bernd_token).get_json()["meeting_setup"]["unavailable_slots"] == []

    accept_meeting(meeting.id, bernd.id)
    [item] = mine(client, anna_token).get_json()["meetings"]
    assert item["status"] == "accepted"
    assert item["partner"]["email"] == "bernd.b@example.org"
    assert item["slot"] == {
        "start": "2027-01-20T11:20:00+01:00",
        "end": "2027-01-20T11:35:00+01:00",
    }
    assert item["table"] == "1"
    [theirs] = mine(client, bernd_token).get_json()["meetings"]
    assert theirs["partner"]["email"] == "anna.a@example.org"

    cancel_meeting(meeting.id, bernd.id)
    [item] = mine(client, anna_token).get_json()["meetings"]
    assert item["status"] == "cancelled" and item["sequence"] == 1
    assert "email" not in item["partner"]


def test_summer_times_carry_the_summer_offset(client, meeting_event, person):
    event = meeting_event(SUMMER)
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id)
    data = mine(client, renew_manage_link(anna.id)).get_json()
    assert data["meeting_setup"]["slots"][0]["start"] == "2027-07-14T11:00:00+02:00"
    assert data["meetings"][0]["slot"]["start"] == "2027-07-14T11:00:00+02:00"


def test_arranged_meetings_never_reveal_addresses(client, meeting_event, person):
    event = meeting_event()
    anna = person(event, email="anna.x@example.org")
    bernd = person(event, email="bernd.x@example.org")
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id)
    # What the organisers' "arrange" sets (built by another part of the workspace).
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(arranged=True))
    db.session.commit()
    for token, other in (
        (renew_manage_link(anna.id), "bernd.x@example.org"),
        (renew_manage_link(bernd.id), "anna.x@example.org"),
    ):
        response = mine(client, token)
        [item] = response.get_json()["meetings"]
        assert item["status"] == "accepted" and item["arranged"] is True
        assert "email" not in item["partner"]
        assert other.encode() not in response.data


def test_a_token_shows_only_its_own_meetings_and_unknown_or_revoked_tokens_are_404(
    client, meeting_event, person, make_event
):
    event = meeting_event()
    anna, bernd, carl = person(event), person(event), person(event)
    request_meeting(anna.id, bernd.id, "Nur für uns")
    carl_token = renew_manage_link(carl.id)
    response = mine(client, carl_token)
    assert response.status_code == 200
    assert response.get_json()["meetings"] == []
    assert b"Nur f" not in response.data and anna.last_name.encode() not in response.data
    # An event without meetings: no set-up, nothing listed.
    plain = make_event()
    outsider = person(plain)
    assert mine(client, renew_manage_link(outsider.id)).get_json()["meeting_setup"] is None

    for token in ("A" * 32, "nicht-da", carl_token[:-1]):
        missing = mine(client, token)
        assert missing.status_code == 404
        assert missing.get_json()["error"]["status"] == 404
        assert missing.headers["Cache-Control"] == "private, no-store"
    renewed = renew_manage_link(carl.id)  # the old link is revoked
    assert mine(client, carl_token).status_code == 404
    assert mine(client, renewed).status_code == 200
    # A registration that is no longer confirmed has no meetings to read.
    anna_token = renew_manage_link(anna.id)
    cancel_registration(anna.id)
    assert mine(client, anna_token).status_code == 404
    assert client.post(f"/api/v1/participant/{renewed}/meetings").status_code == 405


def organiser_setup(meeting_event, person):
    """An event with five meetings: three requested, one accepted (placed), one declined."""
    event = meeting_event()
    people = [person(event, first_name=f"P{n}", organisation=f"Firma {n}") for n in range(6)]
    requested = [request_meeting(people[0].id, people[n].id, "geheim")[0] for n in (1, 2, 3)]
    accepted, _ = request_meeting(people[4].id, people[5].id)
    accept_meeting(accepted.id, people[5].id)
    declined, _ = request_meeting(people[1].id, people[2].id)
    decline_meeting(declined.id, people[2].id)
    return event, people, requested, accepted, declined


def test_organiser_lists_meetings_paged_and_filtered(client, meeting_event, person, api_key):
    event, people, requested, accepted, declined = organiser_setup(meeting_event, person)
    headers = api_key()
    path = f"/api/v1/organiser/events/{event.slug}/meetings"

    first = client.get(f"{path}?limit=2", headers=headers)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-store"
    data = first.get_json()
    assert (data["total"], data["pages"], [i["id"] for i in data["items"]]) == (
        5,
        3,
        [requested[0].id, requested[1].id],
    )
    third = client.get(f"{path}?limit=2&page=3", headers=headers).get_json()
    assert [i["id"] for i in third["items"]] == [declined.id]
    assert client.get(f"{path}?limit=2&page=4", headers=headers).status_code == 404

    only = client.get(f"{path}?status=accepted", headers=headers).get_json()
    [item] = only["items"]
    assert item["id"] == accepted.id and item["event"] == event.slug
    assert item["requester"]["registration_id"] == people[4].id
    assert item["requester"]["name"] == people[4].full_name
    assert item["partner"]["organisation"] == "Firma 5"
    assert item["partner"]["registration_url"].endswith(
        f"/api/v1/organiser/events/{event.slug}/registrations/{people[5].id}"
    )
    assert item["slot"] == {
        "start": "2027-01-20T11:00:00+01:00",
        "end": "2027-01-20T11:15:00+01:00",
    }
    assert item["table"] == "1" and item["arranged"] is False and item["held_at"] is None
    assert item["answered_at"] is not None and item["cancelled_at"] is None
    assert item["url"].endswith(f"{path}/{accepted.id}")
    assert [
        i["id"] for i in client.get(f"{path}?status=declined", headers=headers).json["items"]
    ] == [declined.id]
    for bad in ("open", "ACCEPTED", ""):
        refused = client.get(f"{path}?status={bad}", headers=headers)
        assert refused.status_code == 400, bad
        assert "accepted" in refused.get_json()["error"]["message"]
    # Organisers see who meets whom, not what the two wrote to each other.
    assert b"geheim" not in client.get(path, headers=headers).data

    detail = client.get(f"{path}/{accepted.id}", headers=headers)
    assert detail.status_code == 200 and detail.get_json() == item


def test_organiser_meetings_of_another_organisation_are_404(client, meeting_event, person, api_key):
    event, _people, requested, _accepted, _declined = organiser_setup(meeting_event, person)
    elsewhere = meeting_event()
    x, y = person(elsewhere), person(elsewhere)
    foreign, _ = request_meeting(x.id, y.id)
    path = f"/api/v1/organiser/events/{event.slug}/meetings"
    other_org = api_key("hwk")
    for url in (path, f"{path}/{requested[0].id}"):
        response = client.get(url, headers=other_org)
        assert response.status_code == 404
        assert response.get_json()["error"]["status"] == 404
        assert client.get(url).status_code == 401
    # A meeting of another event never shows under this event's address.
    ours = api_key()
    assert client.get(f"{path}/{foreign.id}", headers=ours).status_code == 404
    assert client.get(f"{path}/999999", headers=ours).status_code == 404
    assert client.get(f"{path}/99999999999", headers=ours).status_code == 404


def test_organiser_meeting_list_query_count_does_not_grow(
    client, meeting_event, person, api_key, query_counter
):
    event = meeting_event(max_per_person=20)
    headers = api_key()
    path = f"/api/v1/organiser/events/{event.slug}/meetings?limit=100"
    host = person(event)
    first, _ = request_meeting(host.id, person(event).id)
    client.get(path, headers=headers)  # records the key's use

    def measure(url: str) -> int:
        with query_counter() as statements:
            assert client.get(url, headers=headers).status_code == 200
        return len(statements)

    participant = f"/api/v1/participant/{renew_manage_link(host.id)}/meetings"
    small = (measure(path), measure(participant))
    for _ in range(8):
        meeting, _ = request_meeting(host.id, person(event).id)
    accept_meeting(meeting.id, meeting.partner_id)
    accept_meeting(first.id, first.partner_id)
    assert (measure(path), measure(participant)) == small
    assert len(client.get(path, headers=headers).get_json()["items"]) == 9
