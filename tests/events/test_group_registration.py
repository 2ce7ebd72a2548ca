"""An employer registers several colleagues at once: everyone or nobody."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Registration


def group_form(people: list[tuple[str, str, str]], **overrides) -> dict:
    data = {
        "contact_name": "Petra Personal",
        "contact_email": "personal@stadtwerke.example",
        "organisation": "Stadtwerke Bottrop",
        "organisation_type": "company",
        "consent_privacy": "y",
    }
    for n, (first, last, email) in enumerate(people):
        data.update(
            {
                f"colleagues-{n}-first_name": first,
                f"colleagues-{n}-last_name": last,
                f"colleagues-{n}-email": email,
            }
        )
    data.update(overrides)
    return data


PEOPLE = [
    ("Ayşe", "Yılmaz", "ayse@stadtwerke.example"),
    ("Olena", "Kovalenko", "olena@stadtwerke.example"),
    ("Björn", "Weiß", "bjoern@stadtwerke.example"),
]


def test_group_registration_mails_everyone_and_the_contact(client, make_event, outbox):
    event = make_event(capacity=10)
    assert client.get(f"/events/{event.slug}/register/group").status_code == 200
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.status_code == 303
    assert "3 Plätze" not in client.get(f"/events/{event.slug}").get_data(as_text=True)
    db.session.rollback()
    rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [(r.first_name, r.organisation) for r in rows] == [
        ("Ayşe", "Stadtwerke Bottrop"),
        ("Olena", "Stadtwerke Bottrop"),
        ("Björn", "Stadtwerke Bottrop"),
    ]
    kinds = outbox.count_by("kind")
    assert kinds == Counter({"confirmation": 3, "group_summary": 1})
    [summary] = outbox(kind="group_summary")
    assert summary.recipient == "personal@stadtwerke.example"
    assert "7 Plätze frei" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_not_enough_seats_registers_nobody(client, make_event, outbox):
    event = make_event(capacity=2)
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.status_code == 409
    assert "nur noch 2 Plätze" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Registration.id)) is None
    assert outbox() == []


def test_duplicate_in_list_or_already_registered_names_the_address(
    client, make_event, make_registration
):
    event = make_event()
    twice = PEOPLE + [("Ayşe", "Doppelt", "AYSE@stadtwerke.example")]
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(twice))
    assert response.status_code == 409
    assert "AYSE@stadtwerke.example" in response.get_data(as_text=True)
    make_registration(event, email="olena@stadtwerke.example")
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.status_code == 409
    assert "olena@stadtwerke.example" in response.get_data(as_text=True)
    db.session.rollback()
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_incomplete_rows_and_empty_lists_give_the_form_back(client, make_event):
    event = make_event()
    half = group_form([("Nur", "Vorname", "")])
    assert client.post(f"/events/{event.slug}/register/group", data=half).status_code == 422
    empty = group_form([])
    response = client.post(f"/events/{event.slug}/register/group", data=empty)
    assert response.status_code == 422
    no_consent = group_form(PEOPLE, consent_privacy="")
    assert client.post(f"/events/{event.slug}/register/group", data=no_consent).status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(Registration.id)) is None
