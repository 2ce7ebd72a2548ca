"""Events that ask to confirm the address: a public registration holds its seat until the
person opens the link in our mail and confirms; unconfirmed holds are released."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import select

from eventhub.events.registration import release_expired_holds
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.base import utcnow


def private_link(outbox) -> str:
    row = outbox.last(kind="confirm_address")
    assert row is not None
    return re.search(r"http://eventhub\.test(/r/[\w-]+)", outbox.text(row)).group(1)


def seats_left(event_id: int) -> int:
    db.session.rollback()
    return db.session.get(Event, event_id).seats_left


def statuses(event_id: int) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(select(Registration.status).where(Registration.event_id == event_id))
    )


def test_the_seat_is_held_and_the_link_goes_only_to_the_mailbox(
    client, make_event, register_by_form, outbox
):
    event = make_event(capacity=5, confirm_email=True)
    response = register_by_form(event)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"/events/{event.slug}/registered/")  # not the private link
    page = client.get(location).get_data(as_text=True)
    assert "j…@example.org" in page and "j.mueller@example.org" not in page
    assert statuses(event.id) == ["unverified"] and seats_left(event.id) == 4
    [mail] = outbox.emails()
    assert mail["Subject"].startswith("Bitte bestätigen Sie Ihre Anmeldung")
    assert not any(part.get_content_type() == "text/calendar" for part in mail.walk())


def test_confirming_by_the_mailed_link_sends_the_confirmation(
    client, make_event, register_by_form, outbox
):
    event = make_event(capacity=5, confirm_email=True)
    register_by_form(event)
    link = private_link(outbox)
    page = client.get(link).get_data(as_text=True)
    assert "Anmeldung bestätigen" in page and "Adresse noch nicht bestätigt" in page
    assert client.post(f"{link}/confirm").status_code == 303
    assert statuses(event.id) == ["confirmed"] and seats_left(event.id) == 4
    assert [row.kind for row in outbox()] == ["confirm_address", "confirmation"]
    confirmation = outbox.emails(kind="confirmation")[0]
    assert any(part.get_content_type() == "text/calendar" for part in confirmation.walk())
    client.post(f"{link}/confirm")  # twice: nothing more happens
    assert len(outbox()) == 2


def test_an_unconfirmed_hold_is_released_after_its_time(
    client, make_event, register_by_form, outbox, runner
):
    event = make_event(capacity=1, confirm_email=True)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        register_by_form(event)
        link = private_link(outbox)
        assert seats_left(event.id) == 0
        full = register_by_form(event, email="zweite@example.org")
        assert full.status_code == 409  # the held seat counts
        clock.shift(dt.timedelta(minutes=31))
        result = runner.invoke(args=["mail", "scheduled"])
        assert "1 seats of unconfirmed registrations released" in result.output
        assert statuses(event.id) == ["cancelled"] and seats_left(event.id) == 1
        late = client.post(f"{link}/confirm", follow_redirects=True)
        assert "Zeit zum Bestätigen ist abgelaufen" in late.get_data(as_text=True)
        assert statuses(event.id) == ["cancelled"]


def test_the_next_registration_releases_expired_holds_itself(make_event, register_by_form):
    event = make_event(capacity=1, confirm_email=True)
    with time_machine.travel(utcnow(), tick=False) as clock:
        register_by_form(event)
        clock.shift(dt.timedelta(minutes=31))
        second = register_by_form(event, email="zweite@example.org")
        assert second.status_code == 303
    assert sorted(statuses(event.id)) == ["cancelled", "unverified"]
    assert seats_left(event.id) == 0
    assert release_expired_holds() == 0  # nothing left to release


def test_cancelling_an_unconfirmed_registration_frees_the_seat(
    client, make_event, register_by_form, outbox
):
    event = make_event(capacity=3, confirm_email=True)
    register_by_form(event)
    client.post(f"{private_link(outbox)}/cancel")
    assert statuses(event.id) == ["cancelled"] and seats_left(event.id) == 3


def test_one_person_one_hold(make_event, register_by_form):
    event = make_event(capacity=3, confirm_email=True)
    assert register_by_form(event).status_code == 303
    assert register_by_form(event).status_code == 409
    assert statuses(event.id) == ["unverified"]


def test_events_without_the_option_confirm_at_once(make_event, register_by_form):
    event = make_event()
    response = register_by_form(event)
    assert response.headers["Location"].startswith("/r/")
    assert statuses(event.id) == ["confirmed"]


def test_the_option_round_trips_through_the_event_json(runner, make_event):
    make_event(slug="mit-bestaetigung", confirm_email=True)
    result = runner.invoke(args=["events", "export"])
    assert '"confirm_email": true' in result.output
