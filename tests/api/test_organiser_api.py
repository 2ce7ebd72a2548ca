"""Organiser API: token authentication, isolation, reading and creating registrations."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select, text

from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.models import ApiToken, Event, Organisation, Registration
from tests.conftest import in_days, run_together

IHK = [{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}]
HWK = [{"name": "HWK Dortmund", "slug": "hwk", "role": "host"}]


@pytest.fixture
def issue_token(app):
    """A raw API token for the organisation `slug` (created with the event fixtures)."""

    def factory(slug: str = "ihk-nrw", *, can_write: bool = True) -> str:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            organisation = Organisation(slug=slug, name=slug.upper())
            db.session.add(organisation)
            db.session.commit()
        _token, raw = create_token(organisation.id, "CRM", can_write=can_write, created_by_id=None)
        return raw

    return factory


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


PERSON = {
    "first_name": "Aylin",
    "last_name": "Yılmaz",
    "email": "aylin@beispiel-gmbh.de",
    "organisation": "Beispiel GmbH",
    "organisation_type": "company",
}


def test_without_or_with_a_wrong_token_the_answer_is_401(client, make_event, issue_token):
    event = make_event(hosts=IHK)
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    missing = client.get(path)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="eventhub"'
    assert "Bearer" in missing.get_json()["error"]["message"]
    for header in ("Bearer eh_wrong", "Basic dXNlcjpwYXNz", "Bearer", issue_token()[:-1]):
        wrong = client.get(path, headers={"Authorization": header})
        assert wrong.status_code == 401, header
        assert 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    assert client.post(path, json=PERSON).status_code == 401
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_database_holds_only_the_hash(app, issue_token):
    raw = issue_token()
    stored = db.session.scalar(select(ApiToken))
    assert raw not in (stored.token_hash, stored.prefix)
    assert stored.prefix == raw[:10]
    assert len(raw) >= 3 + 43  # "eh_" + 256 bits in base64url
    dump = "\n".join(str(row) for row in db.session.execute(text("SELECT * FROM api_tokens")))
    assert raw not in dump


def test_token_sees_only_its_organisations_events(client, make_event, issue_token):
    mine = make_event(hosts=IHK, title="Eigene Veranstaltung")
    draft = make_event(hosts=IHK, status="draft")
    cohosted = make_event(hosts=HWK + [{"name": "IHK NRW", "slug": "ihk-nrw", "role": "cohost"}])
    partner_only = make_event(
        hosts=HWK + [{"name": "IHK NRW", "slug": "ihk-nrw", "role": "partner"}]
    )
    foreign = make_event(hosts=HWK)
    raw = issue_token()
    data = client.get("/api/v1/organiser/events", headers=bearer(raw)).get_json()
    assert {item["slug"] for item in data["items"]} == {mine.slug, draft.slug, cohosted.slug}
    assert data["total"] == 3
    item = next(i for i in data["items"] if i["slug"] == mine.slug)
    assert item["confirmed_count"] == 0
    assert item["registrations_url"].endswith(f"/api/v1/organiser/events/{mine.slug}/registrations")
    for other in (partner_only, foreign):
        for response in (
            client.get(f"/api/v1/organiser/events/{other.slug}/registrations", headers=bearer(raw)),
            client.post(
                f"/api/v1/organiser/events/{other.slug}/registrations",
                json=PERSON,
                headers=bearer(raw),
            ),
        ):
            assert response.status_code == 404
            assert response.get_json()["error"]["status"] == 404
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_list_registrations_paginated_filtered_and_isolated(
    client, make_event, make_registration, issue_token
):
    event = make_event(hosts=IHK, capacity=None)
    other = make_event(hosts=HWK, capacity=None)
    people = [make_registration(event)[0] for _ in range(5)]
    stranger, _ = make_registration(other, email="fremd@example.org", first_name="Fremd")
    db.session.commit()
    raw = issue_token()
    path = f"/api/v1/organiser/events/{event.slug}/registrations"

    first = client.get(f"{path}?limit=2", headers=bearer(raw))
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in first.headers["Vary"]
    data = first.get_json()
    assert (data["total"], data["pages"], len(data["items"])) == (5, 3, 2)
    assert [i["id"] for i in data["items"]] == [people[0].id, people[1].id]
    item = data["items"][0]
    assert item["email"] == people[0].email
    assert item["status"] == "confirmed"
    assert item["event"] == event.slug
    assert "token" not in str(item) and "Fremd" not in first.get_data(as_text=True)
    last = client.get(f"{path}?limit=2&page=3", headers=bearer(raw)).get_json()
    assert [i["id"] for i in last["items"]] == [people[4].id]
    assert client.get(f"{path}?limit=2&page=4", headers=bearer(raw)).status_code == 404

    client.delete(f"{path}/{people[1].id}", headers=bearer(raw))
    cancelled = client.get(f"{path}?status=cancelled", headers=bearer(raw)).get_json()
    assert [i["id"] for i in cancelled["items"]] == [people[1].id]
    assert cancelled["items"][0]["cancelled_at"]

    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    since = client.get(path, query_string={"updated_since": later}, headers=bearer(raw))
    assert since.get_json()["total"] == 0
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    assert (
        client.get(path, query_string={"updated_since": earlier}, headers=bearer(raw)).get_json()[
            "total"
        ]
        == 5
    )

    single = client.get(f"{path}/{people[2].id}", headers=bearer(raw))
    assert single.get_json()["last_name"] == people[2].last_name
    # A registration id of another organisation's event, reached through my event: 404.
    assert client.get(f"{path}/{stranger.id}", headers=bearer(raw)).status_code == 404
    assert client.delete(f"{path}/{stranger.id}", headers=bearer(raw)).status_code == 404
    db.session.rollback()
    assert db.session.get(Registration, stranger.id).status == "confirmed"


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=wartend", "'status'"),
        ("updated_since=yesterday", "'updated_since'"),
        ("updated_since=2026-11-23T09:00:00", "'updated_since'"),  # no offset
        ("updated_since=0001-01-01T00:00:00%2B01:00", "'updated_since'"),  # overflowed: 500
        ("updated_since=9999-12-31T23:59:59-01:00", "'updated_since'"),
        ("limit=0", "'limit'"),
        ("limit=101", "'limit'"),
        ("page=0", "page number"),
    ],
)
def test_bad_arguments_are_json_400(client, make_event, issue_token, query, message):
    event = make_event(hosts=IHK)
    response = client.get(
        f"/api/v1/organiser/events/{event.slug}/registrations?{query}",
        headers={**bearer(issue_token()), "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_create_registration_mails_the_participant(client, make_event, issue_token, outbox):
    event = make_event(hosts=IHK, capacity=10)
    raw = issue_token()
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    response = client.post(path, json=PERSON, headers=bearer(raw))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"] == body["url"]
    assert body["source"] == "api"
    assert body["first_name"] == "Aylin" and body["last_name"] == "Yılmaz"
    assert client.get(body["url"], headers=bearer(raw)).get_json()["id"] == body["id"]
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 1
    mail = outbox.last(recipient=PERSON["email"])
    assert mail is not None and b"METHOD:REQUEST" in mail.message

    again = client.post(
        path, json={**PERSON, "email": "AYLIN@Beispiel-GmbH.de"}, headers=bearer(raw)
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["reason"] == "duplicate"


def test_capacity_and_deadline_hold_for_the_api(client, make_event, issue_token):
    full = make_event(hosts=IHK, capacity=1)
    closed = make_event(hosts=IHK, registration_closes_at=in_days(-1).isoformat())
    raw = issue_token()

    def post(event, **extra):
        return client.post(
            f"/api/v1/organiser/events/{event.slug}/registrations",
            json={**PERSON, **extra},
            headers=bearer(raw),
        )

    assert post(full).status_code == 201
    refused = post(full, email="zweite@example.org", allow_after_deadline=True)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["reason"] == "full"
    late = post(closed)
    assert late.status_code == 409
    assert late.get_json()["error"]["reason"] == "closed"
    assert post(closed, allow_after_deadline=True).status_code == 201


def test_read_only_token_cannot_write(client, make_event, make_registration, issue_token):
    event = make_event(hosts=IHK)
    registration, _ = make_registration(event)
    raw = issue_token(can_write=False)
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    assert client.get(path, headers=bearer(raw)).status_code == 200
    for response in (
        client.post(path, json=PERSON, headers=bearer(raw)),
        client.delete(f"{path}/{registration.id}", headers=bearer(raw)),
    ):
        assert response.status_code == 403
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 1


@pytest.mark.parametrize(
    "body, field, german",
    [
        ({**PERSON, "email": "kein-at"}, "email", "gültige E-Mail-Adresse"),
        ({k: v for k, v in PERSON.items() if k != "last_name"}, "last_name", "erforderlich"),
        ({**PERSON, "first_name": "   "}, "first_name", "nicht leer"),
        ({**PERSON, "first_name": "A" * 101}, "first_name", "höchstens 100"),
        ({**PERSON, "organisation": "X\x00Y"}, "organisation", "Steuerzeichen"),
        ({**PERSON, "organisation_type": "castle"}, "organisation_type", "eines von"),
        ({**PERSON, "language": "fr"}, "language", "eines von"),
        ({**PERSON, "show_in_directory": "yes"}, "show_in_directory", "true oder false"),
        ({**PERSON, "first_name": 7}, "first_name", "Text"),
        ({**PERSON, "password": "x"}, "password", "nicht bekannt"),
    ],
)
def test_invalid_bodies_get_422_per_field_in_the_callers_language(
    client, make_event, issue_token, body, field, german
):
    event = make_event(hosts=IHK)
    response = client.post(
        f"/api/v1/organiser/events/{event.slug}/registrations",
        json=body,
        headers={**bearer(issue_token()), "Accept-Language": "de"},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert german in error["fields"][field], error
    assert error["message"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_english_messages_and_malformed_requests(client, make_event, issue_token):
    event = make_event(hosts=IHK)
    raw = issue_token()
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    english = client.post(
        path, json={**PERSON, "email": "x"}, headers={**bearer(raw), "Accept-Language": "en"}
    )
    assert english.get_json()["error"]["fields"]["email"] == "Please enter a valid email address."
    broken = client.post(
        path, data='{"first_name": ', content_type="application/json", headers=bearer(raw)
    )
    assert broken.status_code == 400
    assert broken.is_json
    form = client.post(path, data=PERSON, headers=bearer(raw))
    assert form.status_code == 415
    array = client.post(path, json=[PERSON], headers=bearer(raw))
    assert array.status_code == 422
    assert "body" in array.get_json()["error"]["fields"]


def test_cancel_frees_the_seat_once_and_mails_a_cancel(
    client, make_event, make_registration, issue_token, outbox
):
    event = make_event(hosts=IHK, capacity=1)
    registration, _ = make_registration(event)
    raw = issue_token()
    path = f"/api/v1/organiser/events/{event.slug}/registrations/{registration.id}"
    first = client.delete(path, headers=bearer(raw))
    assert first.status_code == 200
    assert first.get_json()["status"] == "cancelled"
    assert client.delete(path, headers=bearer(raw)).status_code == 200
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 0
    cancels = outbox(recipient=registration.email)
    assert sum(b"METHOD:CANCEL" in m.message for m in cancels) == 1


def test_revoked_token_is_refused(client, make_event, issue_token, app):
    from eventhub.manage.api_keys import revoke_token

    event = make_event(hosts=IHK)
    make_event(hosts=HWK)
    raw = issue_token()
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    assert client.get(path, headers=bearer(raw)).status_code == 200
    db.session.rollback()
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is not None
    other = db.session.scalar(select(Organisation).where(Organisation.slug == "hwk"))
    assert not revoke_token(other.id, token.id)  # not theirs
    assert revoke_token(token.organisation.id, token.id)
    assert client.get(path, headers=bearer(raw)).status_code == 401


def test_query_count_does_not_grow_with_registrations(
    client, make_event, make_registration, bulk_registrations, issue_token, query_counter
):
    event = make_event(hosts=IHK, capacity=None)
    make_registration(event)  # a list naming somebody: its read writes the audit entry
    raw = issue_token()
    client.get("/api/v1/organiser/events", headers=bearer(raw))  # records last use

    def measure(path: str) -> int:
        with query_counter() as statements:
            assert client.get(path, headers=bearer(raw)).status_code == 200
        return len(statements)

    listing = f"/api/v1/organiser/events/{event.slug}/registrations?limit=100"
    small = (measure(listing), measure("/api/v1/organiser/events"))
    bulk_registrations(event, 300)
    for _ in range(3):
        make_event(hosts=IHK)
    assert (measure(listing), measure("/api/v1/organiser/events")) == small


def test_concurrent_api_registrations_never_overbook(app, client, make_event, issue_token):
    event = make_event(hosts=IHK, capacity=5)
    raw = issue_token()
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    statuses: list[int] = []
    numbers = iter(range(1000))

    def job():
        n = next(numbers)
        response = app.test_client().post(
            path, json={**PERSON, "email": f"person{n}@example.org"}, headers=bearer(raw)
        )
        statuses.append(response.status_code)

    assert run_together(app, job, count=20) == []
    assert sorted(statuses) == [201] * 5 + [409] * 15
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 5
    assert (
        db.session.scalar(
            select(func.count(Registration.id)).where(Registration.event_id == event.id)
        )
        == 5
    )


def test_write_rate_limit_per_token(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, API_WRITE_RATELIMIT="2 per minute")
    with app.app_context():
        from eventhub.events.records import upsert_event
        from eventhub.events.schema import EventRecord
        from tests.conftest import event_record

        upsert_event(EventRecord.model_validate(event_record(slug="limit", hosts=IHK)))
        db.session.commit()
        organisation = db.session.scalar(select(Organisation))
        _t, raw = create_token(organisation.id, "CRM", can_write=True, created_by_id=None)
        _t, other = create_token(organisation.id, "Website", can_write=True, created_by_id=None)
    client = app.test_client()
    path = "/api/v1/organiser/events/limit/registrations"
    codes = [
        client.post(
            path, json={**PERSON, "email": f"p{n}@example.org"}, headers=bearer(raw)
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    # Another spelling of the same key's header is the same caller.
    respelled = client.post(
        path,
        json={**PERSON, "email": "p9@example.org"},
        headers={"Authorization": f"bearer  {raw}"},
    )
    assert respelled.status_code == 429
    limited = client.post(path, json=PERSON, headers=bearer(raw))
    assert limited.is_json and limited.get_json()["error"]["status"] == 429
    assert client.post(path, json=PERSON, headers=bearer(other)).status_code == 201


def test_a_busy_database_skips_recording_last_use(app, client, make_event, issue_token, backend):
    """Reads must not wait for the write lock just to note when a key was used."""
    if backend != "sqlite":
        return  # the same holds with PostgreSQL's lock_timeout; SQLite shows it simply
    event = make_event(hosts=IHK)
    raw = issue_token()
    db.session.commit()
    blocker = sqlite3.connect(db.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        response = client.get(
            f"/api/v1/organiser/events/{event.slug}/registrations", headers=bearer(raw)
        )
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(ApiToken)).last_used_at is None


def test_ids_beyond_32_bits_are_404_not_overflow(client, make_event):
    """SQLite raised OverflowError (500) for /…/registrations/99999999999999999999."""
    from eventhub.manage.api_keys import create_token
    from eventhub.models import Organisation

    event = make_event()
    _token, raw = create_token(
        db.session.scalar(select(Organisation).where(Organisation.slug == "gib")).id,
        "CRM",
        can_write=True,
        created_by_id=None,
    )
    headers = {"Authorization": f"Bearer {raw}"}
    base = f"/api/v1/organiser/events/{event.slug}/registrations"
    for tail in ("99999999999999999999", "2147483648", "0", "007"):
        for method in ("GET", "DELETE"):
            response = client.open(f"{base}/{tail}", method=method, headers=headers)
            assert response.status_code == 404, (tail, method, response.status_code)
