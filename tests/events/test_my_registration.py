"""The participant's private page: view, correct, cancel."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Registration


def register(register_by_form, event) -> str:
    """Register by the form with a misspelt name; returns the path of the private page."""
    response = register_by_form(
        event,
        first_name="Jürgen",
        last_name="Müler",  # corrected below
        email="j@example.org",
        organisation="Bäckerei",
        job_title=None,
    )
    assert response.status_code == 303
    return response.headers["Location"].split("?")[0]


def test_correct_name_and_organisation(client, make_event, register_by_form):
    event = make_event()
    link = register(register_by_form, event)
    page = client.get(link)
    assert page.headers["Cache-Control"] == "private, no-store"
    response = client.post(
        link,
        data={
            "first_name": "Jürgen",
            "last_name": "Müller",
            "organisation": "Bäckerei Müller GmbH",
            "job_title": "",
        },
    )
    assert response.status_code == 303
    html = client.get(link).get_data(as_text=True)
    assert "Jürgen Müller" in html and "Bäckerei Müller GmbH" in html
    bad = client.post(link, data={"first_name": "", "last_name": "x" * 500})
    assert bad.status_code == 422


def test_cancel_frees_the_seat_and_sends_a_cancellation(
    client, make_event, register_by_form, outbox
):
    event = make_event(capacity=1)
    link = register(register_by_form, event)
    assert "Ausgebucht" in client.get(f"/events/{event.slug}").get_data(as_text=True)
    response = client.post(link + "/cancel")
    assert response.status_code == 303
    html = client.get(link).get_data(as_text=True)
    assert "Anmeldung storniert" in html
    assert "1 Platz frei" in client.get(f"/events/{event.slug}").get_data(as_text=True)
    kinds = [row.kind for row in outbox()]
    assert kinds == ["confirmation", "cancellation"]
    # a cancelled registration cannot be changed, and cancelling again does nothing
    assert client.post(link, data={"first_name": "A", "last_name": "B"}).status_code == 409
    client.post(link + "/cancel")
    db.session.rollback()
    assert db.session.scalar(select(Registration.status)) == "cancelled"
    assert len(outbox()) == 2
    # the address can register again afterwards
    register(register_by_form, event)


def test_wrong_token_is_404_and_nothing_changes(client, make_event, register_by_form):
    event = make_event()
    register(register_by_form, event)
    assert client.post("/r/" + "A" * 43 + "/cancel").status_code == 404
    assert client.post("/r/" + "A" * 43, data={"first_name": "X"}).status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(Registration.status)) == "confirmed"


def test_no_raw_token_is_stored(client, make_event, register_by_form):
    event = make_event()
    link = register(register_by_form, event)
    token = link.rsplit("/", 1)[1]
    db.session.rollback()
    registration = db.session.scalar(select(Registration))
    assert token not in (registration.token_hash, registration.uid)


def test_cancelling_asks_first(client, make_event, register_by_form):
    event = make_event()
    link = register(register_by_form, event)
    page = client.get(link).get_data(as_text=True)
    # the private page offers no one-click cancel: its cancel control leads to a question
    assert f'action="{link}/cancel"' not in page
    assert f'href="{link}/cancel"' in page
    question = client.get(link + "/cancel")
    assert question.status_code == 200
    assert question.headers["Cache-Control"] == "private, no-store"
    html = question.get_data(as_text=True)
    assert "Anmeldung wirklich stornieren?" in html
    assert f'action="{link}/cancel"' in html and "Ja, meine Anmeldung stornieren" in html
    assert f'href="{link}"' in html and "Nein, Anmeldung behalten" in html
    db.session.rollback()
    assert db.session.scalar(select(Registration.status)) == "confirmed"  # asking cancels nothing
    assert client.post(link + "/cancel").headers["Location"] == link
    db.session.rollback()
    assert db.session.scalar(select(Registration.status)) == "cancelled"
    # asked again after cancelling: back to the private page
    assert client.get(link + "/cancel").headers["Location"] == link


def test_cancelled_page_offers_no_calendar_entry(client, make_event, register_by_form):
    event = make_event()
    other = make_event()
    link = register(register_by_form, event)
    client.post(link + "/cancel")
    html = client.get(link).get_data(as_text=True)
    assert f"/events/{event.slug}.ics" not in html
    assert "webcal://" not in html  # the address has no other event in its feed
    # with another registration of the address the feed still has something to offer
    register(register_by_form, other)
    html = client.get(link).get_data(as_text=True)
    assert f"/events/{event.slug}.ics" not in html
    assert "webcal://" in html
