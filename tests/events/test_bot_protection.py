"""Friction for programs on the public forms (EVENTHUB_BOT_PROTECTION), and seats counted
per client and event rather than requests."""

from __future__ import annotations

import re

import pytest
import time_machine
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.models import Registration
from eventhub.models.base import utcnow
from tests.conftest import IsolatedClient
from tests.events.test_group_registration import group_form

PERSON = {
    "first_name": "Jürgen",
    "last_name": "Müller",
    "email": "j.mueller@example.org",
    "consent_privacy": "y",
}


@pytest.fixture
def protected(app):
    app.config.update(BOT_PROTECTION=True, BOT_MIN_FILL_SECONDS=3)
    return app


def stamp_of(page) -> str:
    return re.search(r'name="issued" type="hidden" value="([^"]+)"', page).group(1)


def registered() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Registration))


def test_a_person_who_takes_a_few_seconds_gets_through(protected, client, make_event):
    event = make_event()
    with time_machine.travel(utcnow(), tick=False) as clock:
        page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
        assert 'class="trap" aria-hidden="true"' in page
        clock.shift(20)
        response = client.post(
            f"/events/{event.slug}/register", data={**PERSON, "issued": stamp_of(page)}
        )
    assert response.status_code == 303
    assert registered() == 1


def test_the_hidden_field_filled_in_is_refused(protected, client, make_event):
    event = make_event()
    with time_machine.travel(utcnow(), tick=False) as clock:
        page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
        clock.shift(20)
        response = client.post(
            f"/events/{event.slug}/register",
            data={**PERSON, "issued": stamp_of(page), "leave_empty": "https://spam.example"},
        )
    assert response.status_code == 422
    assert "konnte nicht gesendet werden" in response.get_data(as_text=True)
    assert registered() == 0


@pytest.mark.parametrize("stamp", [None, "", "forged.stamp.value", "1.2.3"])
def test_a_missing_or_forged_stamp_is_refused(protected, client, make_event, stamp):
    event = make_event()
    data = dict(PERSON) if stamp is None else {**PERSON, "issued": stamp}
    response = client.post(f"/events/{event.slug}/register", data=data)
    assert response.status_code == 422
    assert "abgelaufen" in response.get_data(as_text=True)
    assert registered() == 0


def test_too_quick_shows_the_form_again_and_the_second_try_works(protected, client, make_event):
    event = make_event()
    with time_machine.travel(utcnow(), tick=False) as clock:
        page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
        clock.shift(1)
        quick = client.post(
            f"/events/{event.slug}/register", data={**PERSON, "issued": stamp_of(page)}
        )
        assert quick.status_code == 422
        again = quick.get_data(as_text=True)
        assert "sehr schnell" in again and 'value="j.mueller@example.org"' in again
        clock.shift(5)  # reading the message and pressing the button again
        response = client.post(
            f"/events/{event.slug}/register", data={**PERSON, "issued": stamp_of(again)}
        )
    assert response.status_code == 303
    assert registered() == 1


def test_a_form_older_than_a_day_has_expired(protected, client, make_event):
    event = make_event()
    with time_machine.travel(utcnow(), tick=False) as clock:
        page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
        clock.shift(25 * 3600)
        response = client.post(
            f"/events/{event.slug}/register", data={**PERSON, "issued": stamp_of(page)}
        )
    assert response.status_code == 422
    assert "abgelaufen" in response.get_data(as_text=True)


def test_the_group_form_has_the_same_checks(protected, client, make_event):
    event = make_event()
    people = [("Ayşe", "Yılmaz", "ayse@stadtwerke.example")]
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(people))
    assert response.status_code == 422
    assert registered() == 0


def test_one_switch_turns_the_friction_off(app, client, make_event):
    """EVENTHUB_BOT_PROTECTION=false: for load tests and trusted integrations."""
    app.config["BOT_PROTECTION"] = False
    event = make_event()
    assert client.post(f"/events/{event.slug}/register", data=PERSON).status_code == 303


@pytest.fixture
def limited(app, app_factory):
    """A client of an app with rate limits on (read when the app starts): 5 seats an hour.

    Made after `app`: the one Limiter object takes its on/off switch from the app that
    initialised it last.
    """
    limited_app = app_factory(RATELIMIT_ENABLED=True, SEAT_RATELIMIT="5 per hour")
    limited_app.test_client_class = IsolatedClient
    with limited_app.app_context():
        yield limited_app.test_client()


def test_seats_are_counted_per_client_and_event_not_per_request(limited, make_event):
    client = limited
    """The probe registered 1,860 people in 63 s with 62 group posts of 30."""
    event = make_event(capacity=100)
    other = make_event(capacity=100)
    three = [("P", f"N{n}", f"p{n}@firma{n}.example") for n in range(3)]
    more = [("Q", f"N{n}", f"q{n}@firma{n}.example") for n in range(3)]
    assert (
        client.post(f"/events/{event.slug}/register/group", data=group_form(three)).status_code
        == 303
    )
    # 3 of 5 seats used: 3 more is too many for this client at this event ...
    refused = client.post(f"/events/{event.slug}/register/group", data=group_form(more))
    assert refused.status_code == 429
    # ... but two single registrations fit, and another event has its own count.
    single = {**PERSON, "email": "einzeln@example.org"}
    assert client.post(f"/events/{event.slug}/register", data=single).status_code == 303
    assert (
        client.post(f"/events/{other.slug}/register/group", data=group_form(more)).status_code
        == 303
    )
    assert registered() == 7


def test_refused_registrations_do_not_use_up_seats(limited, make_event, make_registration):
    client = limited
    event = make_event(capacity=1)
    make_registration(event)  # full
    for n in range(6):
        response = client.post(
            f"/events/{event.slug}/register", data={**PERSON, "email": f"x{n}@example.org"}
        )
        assert response.status_code == 409  # "full", never 429: nothing was taken
