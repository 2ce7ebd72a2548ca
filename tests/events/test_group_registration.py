"""An employer registers several colleagues at once: everyone or nobody."""

from __future__ import annotations

import re
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


def test_an_address_listed_twice_is_named(client, make_event):
    """The sender's own list: naming the address tells them nothing new."""
    event = make_event()
    twice = PEOPLE + [("Ayşe", "Doppelt", "AYSE@stadtwerke.example")]
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(twice))
    assert response.status_code == 409
    assert "AYSE@stadtwerke.example" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Registration.id)) is None


def test_an_already_registered_person_is_not_named_but_told_by_mail(
    client, make_event, make_registration, outbox
):
    """Whether someone is registered is nobody else's business (the probe learned it from
    the 409); the person is told by mail, and nobody on the list is registered."""
    event = make_event()
    make_registration(event, email="olena@stadtwerke.example")
    before = len(outbox())
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.status_code == 409
    # The sender's own entries come back in the form's fields; nothing else names anyone.
    page = re.sub(r' value="[^"]*"', "", response.get_data(as_text=True))
    assert "olena@stadtwerke.example" not in page and "Kovalenko" not in page
    assert "konnte für diese Veranstaltung nicht angemeldet werden" in page
    db.session.rollback()
    assert len(db.session.scalars(select(Registration)).all()) == 1
    [reminder] = outbox()[before:]
    assert (reminder.kind, reminder.recipient) == ("already_registered", "olena@stadtwerke.example")
    assert "bereits angemeldet" in outbox.parse(reminder)["Subject"]


def test_one_inbox_behind_many_plus_addresses_is_not_flooded(client, make_event, outbox):
    """victim+1@, victim+2@ ... are one inbox: a group post cannot send it 31 mails."""
    event = make_event(capacity=100)
    people = [("Opfer", f"Nr {n}", f"victim+{n}@example.org") for n in range(12)]
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(people))
    assert response.status_code == 409
    assert "viele Nachrichten" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Registration.id)) is None
    assert outbox() == []


def test_a_31st_row_is_refused_not_ignored(client, make_event):
    event = make_event(capacity=100)
    people = [("Person", f"Nr {n}", f"p{n}@firma{n}.example") for n in range(31)]
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(people))
    assert response.status_code == 422
    assert "höchstens 30 Personen" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Registration.id)) is None


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


def test_add_a_person_gives_the_form_back_with_one_more_row(client, make_event):
    """Issue 11: the form had five fixed rows although 30 people may be registered."""
    event = make_event(capacity=50)
    url = f"/events/{event.slug}/register/group"
    assert client.get(url).get_data(as_text=True).count('class="row-fields"') == 5
    data = group_form(PEOPLE)
    for n in range(5):  # what a browser sends: every row shown, filled or not
        data.setdefault(f"colleagues-{n}-first_name", "")
    response = client.post(url, data={**data, "add_row": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="row-fields"') == 6
    assert 'id="person-6"' in html and 'id="colleagues-5-first_name"' in html
    assert 'value="Olena"' in html and 'value="Stadtwerke Bottrop"' in html
    assert "Bitte korrigieren" not in html
    db.session.rollback()
    assert db.session.scalar(select(Registration.id)) is None

    many = {f"colleagues-{n}-first_name": "" for n in range(30)}
    full = client.post(url, data={**group_form([]), **many, "add_row": "1"})
    assert full.get_data(as_text=True).count('class="row-fields"') == 30
    assert 'name="add_row"' not in full.get_data(as_text=True)


def test_the_error_banner_lists_each_error_with_a_link(client, make_event):
    """Issue 11: the banner said "correct the marked fields" without saying which."""
    event = make_event()
    data = group_form([PEOPLE[0], ("Nur", "Vorname", "")], contact_email="kein-at")
    response = client.post(f"/events/{event.slug}/register/group", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    banner = html[
        html.index('id="form-errors"') : html.index("</div>", html.index('id="form-errors"'))
    ]
    assert '<a href="#contact_email">Ihre E-Mail-Adresse:' in banner
    assert '<a href="#colleagues-1-email">Person 2, E-Mail-Adresse:' in banner
    assert banner.count("<li>") == 2


def test_success_shows_a_summary_of_each_colleague(app, client, make_event):
    """Issue 11: success was only a flash message on the event page."""
    event = make_event(capacity=10)
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.headers["Location"] == f"/events/{event.slug}/registered/group"
    page = client.get(response.headers["Location"])
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    for first, last, email in PEOPLE:
        assert f"{first} {last}" in html and email in html
    assert html.count(">bestätigt<") == 3
    assert "/r/" not in html  # nobody's private link
    # Another browser (someone given the address) sees nobody.
    other = app.test_client().get(f"/events/{event.slug}/registered/group")
    assert other.headers["Location"] == f"/events/{event.slug}"


def test_summary_says_who_must_confirm_their_address(client, make_event):
    event = make_event(capacity=10, confirm_email=True)
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE[:2]))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert html.count("muss die Adresse bestätigen") == 2
    assert "ayse@stadtwerke.example" in html
