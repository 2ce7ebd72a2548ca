"""Organiser API for the waiting list, approval and hybrid events (issue 14): joining the
list when full, attendance, the registration's status and position, and approve, decline,
promote and move."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Registration
from tests.api.test_organiser_api import HWK, IHK, PERSON, bearer, issue_token  # noqa: F401
from tests.ical import parse_ics

ONLINE = "https://meet.example.org/fachkraefte"


def person(n: int, **overrides) -> dict:
    return {**PERSON, "email": f"person{n}@beispiel-gmbh.de", "first_name": f"P{n}", **overrides}


@pytest.fixture
def api(client, issue_token):  # noqa: F811
    """POST/GET with the organisation's read-write key."""
    headers = bearer(issue_token())

    class Api:
        @staticmethod
        def post(path: str, **kwargs):
            return client.post(f"/api/v1/organiser/events/{path}", headers=headers, **kwargs)

        @staticmethod
        def delete(path: str, **kwargs):
            return client.delete(f"/api/v1/organiser/events/{path}", headers=headers, **kwargs)

        @staticmethod
        def get(path: str, **kwargs):
            return client.get(f"/api/v1/organiser/events/{path}", headers=headers, **kwargs)

    return Api


def test_a_full_event_refuses_unless_asked_to_wait(api, make_event, outbox):
    event = make_event(hosts=IHK, capacity=1)
    path = f"{event.slug}/registrations"
    assert api.post(path, json=person(1)).status_code == 201
    full = api.post(path, json=person(2))
    assert full.status_code == 409 and full.get_json()["error"]["reason"] == "full"
    waiting = api.post(path, json=person(2, waitlist=True))
    assert waiting.status_code == 201
    body = waiting.get_json()
    assert (body["status"], body["position"], body["attendance"]) == ("waiting", 1, "onsite")
    assert body["offer_expires_at"] is None and body["status_reason"] is None
    second = api.post(path, json=person(3, waitlist=True)).get_json()
    assert second["position"] == 2
    assert outbox(kind="waiting", recipient="person3@beispiel-gmbh.de")

    listed = api.get(f"{path}?status=waiting").get_json()
    assert [(r["first_name"], r["position"]) for r in listed["items"]] == [("P2", 1), ("P3", 2)]
    one = api.get(f"{path}/{second['id']}").get_json()
    assert one["position"] == 2
    # Without a waiting list, waiting is no option.
    closed = make_event(hosts=IHK, capacity=1, waitlist="off")
    api.post(f"{closed.slug}/registrations", json=person(1))
    refused = api.post(f"{closed.slug}/registrations", json=person(2, waitlist=True))
    assert refused.status_code == 409


def test_the_status_filter_knows_every_state(api, make_event):
    event = make_event(hosts=IHK)
    for status in ("waiting", "pending", "offered", "declined"):
        assert api.get(f"{event.slug}/registrations?status={status}").status_code == 200
    wrong = api.get(f"{event.slug}/registrations?status=warten")
    assert wrong.status_code == 400 and "pending" in wrong.get_json()["error"]["message"]


def test_attendance_online_at_hybrid_events_only(api, make_event):
    hybrid = make_event(hosts=IHK, capacity=1, hybrid=True, online_url=ONLINE, online_capacity=1)
    path = f"{hybrid.slug}/registrations"
    online = api.post(path, json=person(1, attendance="online"))
    assert online.status_code == 201 and online.get_json()["attendance"] == "online"
    assert api.post(path, json=person(2)).get_json()["attendance"] == "onsite"
    # Each pool has its own list.
    late = api.post(path, json=person(3, attendance="online", waitlist=True)).get_json()
    assert (late["status"], late["position"]) == ("waiting", 1)

    db.session.rollback()  # the test's read snapshot predates the API's writes
    plain = make_event(hosts=IHK)
    refused = api.post(f"{plain.slug}/registrations", json=person(4, attendance="online"))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["reason"] == "attendance"
    wrong = api.post(f"{plain.slug}/registrations", json=person(4, attendance="hybrid"))
    assert wrong.status_code == 422


def test_api_registrations_skip_approval_and_approve_confirms(
    api, make_event, make_registration, outbox
):
    event = make_event(hosts=IHK, capacity=2, approval=True)
    direct = api.post(f"{event.slug}/registrations", json=person(1)).get_json()
    assert direct["status"] == "confirmed" and direct["source"] == "api"
    anna, _ = make_registration(event, first_name="Anna")  # through the website
    bernd, _ = make_registration(event, first_name="Bernd")
    pending = api.get(f"{event.slug}/registrations?status=pending").get_json()["items"]
    assert {r["first_name"] for r in pending} == {"Anna", "Bernd"}

    approved = api.post(f"{event.slug}/registrations/{anna.id}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "confirmed"
    [mail] = outbox.emails(kind="confirmation", recipient=anna.email)
    methods = {
        str(parse_ics(part.get_payload(decode=True))["METHOD"])
        for part in mail.walk()
        if part.get_content_type() == "text/calendar"
    }
    assert methods == {"REQUEST"}
    # Full now: approval puts Bernd on the waiting list.
    waiting = api.post(f"{event.slug}/registrations/{bernd.id}/approve").get_json()
    assert (waiting["status"], waiting["position"]) == ("waiting", 1)
    again = api.post(f"{event.slug}/registrations/{anna.id}/approve")
    assert again.status_code == 409


def test_decline_with_a_note_and_without_a_body(api, make_event, make_registration, outbox):
    event = make_event(hosts=IHK, approval=True)
    anna, _ = make_registration(event, first_name="Anna", language="en")
    bernd, _ = make_registration(event, first_name="Bernd")
    note = "Die Veranstaltung ist für Betriebe aus dem Kreis.\nDanke für Ihr Verständnis."
    declined = api.post(f"{event.slug}/registrations/{anna.id}/decline", json={"note": note})
    assert declined.status_code == 200
    assert (declined.get_json()["status"], declined.get_json()["status_reason"]) == (
        "declined",
        "declined",
    )
    [mail] = outbox.emails(kind="declined")
    assert "Your registration was not accepted" in mail["Subject"]
    assert "Betriebe aus dem Kreis" in mail.get_body(("plain",)).get_content()
    assert not any(p.get_content_type() == "text/calendar" for p in mail.walk())

    silent = api.post(f"{event.slug}/registrations/{bernd.id}/decline", json={"notify": False})
    assert silent.get_json()["status"] == "declined"
    assert len(outbox(kind="declined")) == 1
    assert api.post(f"{event.slug}/registrations/{bernd.id}/decline").status_code == 409

    carla, _ = make_registration(event, first_name="Carla")
    path = f"{event.slug}/registrations/{carla.id}/decline"
    assert api.post(path, json={"note": "x" * 2001}).status_code == 422
    assert api.post(path, json={"note": "a\x07b"}).status_code == 422
    assert api.post(path, json={"reason": "nein"}).status_code == 422
    assert api.post(path, data="note", content_type="text/plain").status_code == 415
    assert api.post(path, data="{", content_type="application/json").status_code == 400
    assert api.post(path).status_code == 200  # no body: defaults (a mail, no note)


def test_promote_and_move(api, make_event, outbox):
    event = make_event(hosts=IHK, capacity=1)
    path = f"{event.slug}/registrations"
    api.post(path, json=person(0))
    a, b, c = (api.post(path, json=person(n, waitlist=True)).get_json() for n in (1, 2, 3))

    moved = api.post(f"{path}/{c['id']}/move", json={"position": 1})
    assert moved.status_code == 200 and moved.get_json()["position"] == 1
    listed = api.get(f"{path}?status=waiting").get_json()["items"]
    assert sorted((r["position"], r["first_name"]) for r in listed) == [
        (1, "P3"),
        (2, "P1"),
        (3, "P2"),
    ]
    assert {row.recipient for row in outbox(kind="position")} == {
        "person1@beispiel-gmbh.de",
        "person2@beispiel-gmbh.de",
        "person3@beispiel-gmbh.de",
    }
    head = api.post(f"{path}/{b['id']}/promote")
    assert head.status_code == 200
    assert (head.get_json()["status"], head.get_json()["position"]) == ("waiting", 1)

    for body, status in (({"position": 0}, 422), ({"position": "2"}, 422), ({}, 422)):
        assert api.post(f"{path}/{a['id']}/move", json=body).status_code == status, body
    confirmed = api.get(f"{path}?status=confirmed").get_json()["items"][0]
    assert api.post(f"{path}/{confirmed['id']}/promote").status_code == 409
    assert api.post(f"{path}/{confirmed['id']}/move", json={"position": 1}).status_code == 409


def test_offer_events_show_the_deadline(api, make_event):
    event = make_event(hosts=IHK, capacity=1, waitlist="offer")
    path = f"{event.slug}/registrations"
    first = api.post(path, json=person(0)).get_json()
    waiting = api.post(path, json=person(1, waitlist=True)).get_json()
    assert api.delete(f"{path}/{first['id']}").get_json()["status"] == "cancelled"
    offered = api.get(f"{path}/{waiting['id']}").get_json()
    assert offered["status"] == "offered" and offered["offer_expires_at"]
    assert offered["position"] is None


def test_other_organisations_and_read_only_keys_cannot_decide(
    client,
    make_event,
    make_registration,
    issue_token,  # noqa: F811
):
    event = make_event(hosts=IHK, approval=True)
    anna, _ = make_registration(event)
    base = f"/api/v1/organiser/events/{event.slug}/registrations/{anna.id}"
    other = bearer(issue_token("hwk"))
    reader = bearer(issue_token(can_write=False))
    for action in ("approve", "decline", "promote"):
        assert client.post(f"{base}/{action}", headers=other).status_code == 404
        assert client.post(f"{base}/{action}", headers=reader).status_code == 403
        assert client.post(f"{base}/{action}").status_code == 401
    theirs = make_event(hosts=HWK)
    crossed = f"/api/v1/organiser/events/{theirs.slug}/registrations/{anna.id}/approve"
    assert client.post(crossed, headers=other).status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(Registration.status)) == "pending"
