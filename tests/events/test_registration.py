"""Registering through the public form: success, refusals and bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from eventhub.events.registration import RegistrationRefused
from eventhub.extensions import db
from eventhub.models import Event, Registration
from tests.conftest import in_days


def registrations(event_id: int) -> list[Registration]:
    db.session.rollback()  # end the test's read snapshot to see what requests committed
    return list(db.session.scalars(select(Registration).where(Registration.event_id == event_id)))


def test_register_and_see_confirmation(client, make_event, register_by_form):
    event = make_event(capacity=10)
    page = client.get(f"/events/{event.slug}/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in (
        "first_name",
        "last_name",
        "email",
        "organisation",
        "job_title",
        "consent_privacy",
        "show_in_directory",
    ):
        assert f'id="{name}"' in html and f'for="{name}"' in html
    # Only the fields that are required say so (to screen readers as well).
    assert 'required="None"' not in html
    assert re.search(r'<input[^>]*id="last_name"[^>]*\brequired\b', html)
    assert not re.search(r'<input[^>]*id="job_title"[^>]*\brequired\b', html)

    response = register_by_form(event)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/r/")
    confirmation = client.get(location).get_data(as_text=True)
    assert "Sie sind angemeldet" in confirmation
    assert "Jürgen Müller-Lüdenscheidt" in confirmation
    assert "Bäckerei Müller GmbH" in confirmation

    [registration] = registrations(event.id)
    assert registration.status == "confirmed"
    assert registration.show_in_directory is False
    token = location.removeprefix("/r/").split("?")[0]
    assert token not in registration.token_hash and len(token) >= 43
    db.session.rollback()
    assert event.confirmed_count == 1
    assert "9 Plätze frei" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_directory_opt_in_is_stored(client, make_event, register_by_form):
    event = make_event()
    register_by_form(event, show_in_directory="y")
    [registration] = registrations(event.id)
    assert registration.show_in_directory is True


def test_unknown_manage_token_is_404(client):
    assert client.get("/r/not-a-real-token").status_code == 404


def test_consent_is_required(client, make_event, register_by_form):
    event = make_event()
    response = register_by_form(event, consent_privacy=None)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben." in text
    assert registrations(event.id) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"first_name": ""},
        {"last_name": None},
        {"email": "not-an-email"},
        {"email": ""},
        {"first_name": "A" * 10_000},
        {"organisation": "B" * 10_000},
    ],
)
def test_bad_input_shows_form_again(client, make_event, overrides, register_by_form):
    event = make_event()
    response = register_by_form(event, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert registrations(event.id) == []


def test_huge_request_is_refused_with_413(client, make_event, register_by_form):
    event = make_event()
    response = register_by_form(event, first_name="x" * 1_000_000)
    assert response.status_code == 413
    assert registrations(event.id) == []


def test_form_errors_in_english(client, make_event, register_by_form):
    event = make_event()
    response = register_by_form(event, lang="en", email="nope")
    assert response.status_code == 422
    assert "Please enter a valid email address." in response.get_data(as_text=True)


def test_register_for_unknown_event_is_404(client, register_by_form):
    assert register_by_form("nope").status_code == 404
    assert client.get("/events/nope/register").status_code == 404


def test_get_is_the_only_other_method(client, make_event):
    event = make_event()
    assert client.put(f"/events/{event.slug}/register").status_code == 405


def test_full_event_refuses(client, make_event, make_registration, register_by_form):
    event = make_event(capacity=1, waitlist="off")
    make_registration(event)
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "ausgebucht" in page
    assert '<form method="post"' not in page
    response = register_by_form(event)
    assert response.status_code == 409
    assert "ausgebucht" in response.get_data(as_text=True)
    assert len(registrations(event.id)) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"registration_closes_at": in_days(-1).isoformat()}, "Anmeldung"),
        ({"status": "cancelled"}, "abgesagt"),
        ({"starts": in_days(-3)}, "bereits stattgefunden"),
    ],
)
def test_closed_cancelled_past_refuse(client, make_event, overrides, message, register_by_form):
    event = make_event(**overrides)
    response = register_by_form(event)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert registrations(event.id) == []


def test_one_active_registration_per_email(client, make_event, register_by_form, outbox):
    event = make_event()
    assert register_by_form(event).status_code == 303
    again = register_by_form(event, email="  J.Mueller@EXAMPLE.org ")
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    # The answer does not say that the address is registered (anyone could ask); the
    # person behind it is told by mail.
    assert "konnte für diese Veranstaltung nicht angemeldet werden" in page
    assert "bereits angemeldet" not in page
    assert [row.kind for row in outbox()] == ["confirmation", "already_registered"]
    assert len(registrations(event.id)) == 1
    other = make_event()
    assert register_by_form(other).status_code == 303


def test_missing_csrf_token_is_refused(app_factory, make_event, register_by_form):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from eventhub.events.records import upsert_event
        from eventhub.events.schema import EventRecord
        from tests.conftest import event_record

        upsert_event(EventRecord.model_validate(event_record(slug="csrf-test")))
        db.session.commit()
    client = app.test_client()
    response = register_by_form("csrf-test", client=client)
    assert response.status_code == 400
    assert "Das Formular ist abgelaufen" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Event.confirmed_count).where(Event.slug == "csrf-test")) == 0
        )


def test_registration_rate_limit(app_factory, register_by_form):
    app = app_factory(RATELIMIT_ENABLED=True, REGISTRATION_RATELIMIT="3 per minute")
    with app.app_context():
        from eventhub.events.records import upsert_event
        from eventhub.events.schema import EventRecord
        from tests.conftest import event_record

        upsert_event(EventRecord.model_validate(event_record(slug="limited")))
        db.session.commit()
    client = app.test_client()
    statuses = [
        register_by_form("limited", client=client, email=f"p{i}@example.org").status_code
        for i in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    assert "Zu viele Anfragen" in register_by_form("limited", client=client).get_data(as_text=True)


def test_registering_does_not_touch_the_event_calendar_data(make_event, make_registration):
    event = make_event()
    before = (event.updated_at, event.sequence)
    make_registration(event)
    db.session.rollback()
    assert (event.updated_at, event.sequence) == before


def test_internationalised_domains_are_one_person(make_event, make_registration):
    event = make_event()
    make_registration(event, email="anna@münchen.example")
    with pytest.raises(RegistrationRefused):
        make_registration(event, email="Anna@xn--mnchen-3ya.example")


def test_register_and_cancel_loops_stop_after_three_a_day(
    client, make_event, register_by_form, outbox
):
    """Registering and cancelling over and over would mail the address every time."""
    event = make_event()
    for _ in range(3):
        response = register_by_form(event, email="loop@example.org")
        assert response.status_code == 303
        client.post(response.headers["Location"].split("?")[0] + "/cancel")
    fourth = register_by_form(event, email="loop@example.org")
    assert fourth.status_code == 409
    assert "heute schon mehrmals" in fourth.get_data(as_text=True)
    assert len(outbox(recipient="loop@example.org")) == 6  # 3 confirmations, 3 cancellations


def test_cancellation_mails_stop_at_the_inbox_limit(
    app, client, make_event, register_by_form, outbox, monkeypatch
):
    """+tags are one inbox; past the limit a cancellation still works, without a mail."""
    monkeypatch.setitem(app.config, "MAILS_PER_MAILBOX_PER_HOUR", 2)
    event = make_event()
    first = register_by_form(event, email="a+1@example.org")
    assert register_by_form(event, email="a+2@example.org").status_code == 303
    client.post(first.headers["Location"].split("?")[0] + "/cancel")
    assert [row.kind for row in outbox()] == ["confirmation", "confirmation"]
    assert [r.status for r in registrations(event.id)] == ["cancelled", "confirmed"]
    third = register_by_form(event, email="A+3@Example.org")
    assert third.status_code == 409
    assert "viele Nachrichten" in third.get_data(as_text=True)
    assert len(registrations(event.id)) == 2


def test_organiser_notices_do_not_count_against_the_inbox_limit(
    app, make_event, register_by_form, outbox, monkeypatch
):
    """The contact of a busy event gets a notice per registration; that must not stop
    them from registering for another event themselves."""
    monkeypatch.setitem(app.config, "MAILS_PER_MAILBOX_PER_HOUR", 2)
    busy = make_event(notify_mode="each")  # contact: erika@example.org
    for n in range(3):
        assert register_by_form(busy, email=f"gast{n}@example.org").status_code == 303
    assert len(outbox(kind="organiser_new")) == 3
    other = make_event()
    assert register_by_form(other, email="erika@example.org").status_code == 303
