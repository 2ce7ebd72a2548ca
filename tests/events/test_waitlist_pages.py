"""The waiting list as participants see it: the forms, the private page, the mails."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Registration
from tests.conftest import REGISTRATION_FORM
from tests.ical import parse_ics

WAIT = {"if_full": "wait"}
LINK = re.compile(r"http://eventhub\.test(/r/[A-Za-z0-9_-]+)")


def private_path(response) -> str:
    assert response.status_code == 303, response.status_code
    path = response.headers["Location"].split("?")[0]
    assert path.startswith("/r/")
    return path


def html(response) -> str:
    return response.get_data(as_text=True)


def statuses(event_id: int) -> dict[str, str]:
    db.session.rollback()
    return dict(
        db.session.execute(
            select(Registration.email, Registration.status).where(Registration.event_id == event_id)
        ).all()
    )


def link_in(outbox, kind: str, recipient: str) -> str:
    """The private link in the latest mail of that kind to that person."""
    row = outbox.last(kind=kind, recipient=recipient)
    assert row is not None, f"no {kind} mail to {recipient}"
    return LINK.search(outbox.text(row)).group(1)


def has_invite(outbox, row, method: str = "REQUEST") -> bool:
    for part in outbox.parse(row).walk():
        if part.get_content_type() == "text/calendar":
            cal = parse_ics(part.get_payload(decode=True))
            assert str(cal["METHOD"]) == method
            return True
    return False


def test_full_event_form_offers_the_waiting_list_and_shows_the_position(
    client, make_event, make_registration, register_by_form, outbox
):
    event = make_event(capacity=1)
    make_registration(event)
    page = html(client.get(f"/events/{event.slug}/register"))
    assert "Ausgebucht – die Warteliste ist offen." in page
    assert 'name="if_full" value="wait"' in page and "Auf die Warteliste setzen" in page
    assert ">Anmelden</button>" not in page  # no seat to register for
    assert "Ausgebucht – Warteliste offen" in html(client.get(f"/events/{event.slug}"))
    assert "Ausgebucht – Warteliste offen" in html(client.get("/events/"))

    first = private_path(register_by_form(event, email="erste@example.org", **WAIT))
    second = private_path(register_by_form(event, email="zweite@example.org", **WAIT))
    assert "Platz 1 auf der Warteliste" in html(client.get(first))
    page = html(client.get(second + "?new=1"))
    assert "Platz 2 auf der Warteliste" in page
    assert "automatisch angemeldet" in page  # what happens next, in "auto" mode
    assert "Warteliste verlassen" in page
    assert "In den Kalender eintragen" not in page and "Sie sind angemeldet" not in page
    [mail] = outbox(kind="waiting", recipient="zweite@example.org")
    assert "Platz 2" in outbox.text(mail) and not has_invite(outbox, mail)
    english = html(client.get(second + "?lang=en"))
    assert "Position 2 on the waiting list" in english and "Leave the waiting list" in english


def test_the_last_seat_taken_meanwhile_shows_the_form_with_the_waiting_list(
    client, make_event, make_registration, register_by_form
):
    event = make_event(capacity=1)
    form = html(client.get(f"/events/{event.slug}/register"))
    assert 'name="if_full"' not in form  # a seat is free: just "register"
    make_registration(event)  # someone else is quicker
    refused = register_by_form(event, email="spaet@example.org")
    assert refused.status_code == 409
    page = html(refused)
    assert "Der letzte Platz wurde gerade vergeben" in page
    assert 'name="if_full" value="wait"' in page
    assert 'value="spaet@example.org"' in page  # the details are kept for the button
    private_path(register_by_form(event, email="spaet@example.org", **WAIT))
    assert statuses(event.id)["spaet@example.org"] == "waiting"


def test_waiting_list_off_refuses_without_a_button(client, make_event, make_registration):
    event = make_event(capacity=1, waitlist="off")
    make_registration(event)
    page = html(client.get(f"/events/{event.slug}/register"))
    assert "ausgebucht" in page and 'name="if_full"' not in page


def group_form(people, **extra) -> dict:
    data = {
        "contact_name": "Petra Personal",
        "contact_email": "personal@stadtwerke.example",
        "organisation": "Stadtwerke",
        "consent_privacy": "y",
        **extra,
    }
    for index, (first, last, email) in enumerate(people):
        data |= {
            f"colleagues-{index}-first_name": first,
            f"colleagues-{index}-last_name": last,
            f"colleagues-{index}-email": email,
        }
    return data


PEOPLE = [
    ("Ayşe", "Yılmaz", "ayse@stadtwerke.example"),
    ("Jörg", "Schäfer", "joerg@stadtwerke.example"),
    ("Mia", "Wagner", "mia@stadtwerke.example"),
]


def test_a_group_waits_as_one_entry_and_gets_its_seats_together(
    client, make_event, make_registration, outbox
):
    event = make_event(capacity=3)
    _first, first_token = make_registration(event, email="vorne@example.org")
    _second, second_token = make_registration(event, email="mitte@example.org")
    path = f"/events/{event.slug}/register/group"
    refused = client.post(path, data=group_form(PEOPLE))
    assert refused.status_code == 409
    page = html(refused)
    assert "nur noch 1 Platz frei" in page and "Gruppe auf die Warteliste setzen" in page

    response = client.post(path, data=group_form(PEOPLE, **WAIT))
    assert response.status_code == 303
    summary = html(client.get(response.headers["Location"]))
    assert "Ihre Gruppe steht auf der Warteliste" in summary and "Platz 1" in summary
    db.session.rollback()
    ranks = db.session.execute(
        select(Registration.status, Registration.waiting_rank).where(
            Registration.email.like("%@stadtwerke.example")
        )
    ).all()
    assert len(ranks) == 3 and len(set(ranks)) == 1 and ranks[0][0] == "waiting"
    [mail] = outbox(kind="group_summary")
    assert "Gruppe auf der Warteliste" in outbox.parse(mail)["Subject"]
    assert len(outbox(kind="waiting")) == 3

    # One seat frees up: not enough for the group, and nobody behind it skips it.
    client.post(f"/r/{first_token}/cancel")
    assert statuses(event.id)["ayse@stadtwerke.example"] == "waiting"
    client.post(f"/r/{second_token}/cancel")
    # Three seats: the whole group is served at once.
    people = statuses(event.id)
    assert [people[email] for _f, _l, email in PEOPLE] == ["confirmed"] * 3


def test_auto_mode_confirms_the_next_person_with_the_invitation(
    client, make_event, make_registration, register_by_form, outbox
):
    event = make_event(capacity=1)
    _registration, token = make_registration(event, email="platz@example.org")
    waiting = private_path(register_by_form(event, email="warte@example.org", **WAIT))
    assert client.post(f"/r/{token}/cancel").status_code == 303
    assert statuses(event.id)["warte@example.org"] == "confirmed"
    [confirmation] = outbox(kind="confirmation", recipient="warte@example.org")
    assert has_invite(outbox, confirmation, "REQUEST")
    page = html(client.get(waiting))
    assert "Bestätigt" in page and "In den Kalender eintragen (.ics)" in page
    assert "Warteliste" not in page.split("<footer")[0].split("Ihre Anmeldung", 1)[1][:400]


def offer_event(make_event, **overrides):
    return make_event(capacity=1, waitlist="offer", **overrides)


@pytest.fixture
def offered_seat(client, make_registration, register_by_form, outbox):
    """offered_seat(event, *waiting): the event's one seat taken, `waiting` people on its
    list, then the seat freed: the first of them is offered it; returns the private link
    in the offer mail."""

    def offer(event, *waiting: str) -> str:
        _registration, token = make_registration(event, email="platz@example.org")
        for email in waiting:
            private_path(register_by_form(event, email=email, **WAIT))
        client.post(f"/r/{token}/cancel")
        return link_in(outbox, "offered", waiting[0])

    return offer


def test_offer_mode_mail_accept_on_the_private_page_confirms_once(
    client, make_event, offered_seat, outbox
):
    event = offer_event(make_event)
    link = offered_seat(event, "warte@example.org")
    assert statuses(event.id)["warte@example.org"] == "offered"
    offer_mail = outbox.last(kind="offered", recipient="warte@example.org")
    assert not has_invite(outbox, offer_mail)
    page = html(client.get(link))
    assert "Ein Platz ist für Sie frei" in page
    assert "Platz annehmen" in page and "Platz ablehnen" in page
    db.session.rollback()
    expires = db.session.scalar(
        select(Registration.offer_expires_at).where(Registration.email == "warte@example.org")
    )
    # The deadline with its day, in the event's time zone, on the page and in the mail.
    local = expires.astimezone(event.tz)
    zone = "MESZ" if local.dst() else "MEZ"
    deadline = f"{local.day}. {local:%Y}, {local:%H:%M} {zone}"
    assert deadline.split(". ", 1)[1] in page and f" {local.day}. " in page
    assert deadline.split(". ", 1)[1] in outbox.text(offer_mail)

    assert client.post(link + "/accept").status_code == 303
    assert client.post(link + "/accept").status_code == 303  # a second click: no harm
    assert statuses(event.id)["warte@example.org"] == "confirmed"
    [confirmation] = outbox(kind="confirmation", recipient="warte@example.org")
    assert has_invite(outbox, confirmation, "REQUEST")
    page = html(client.get(link))
    assert "Bestätigt" in page and "Platz annehmen" not in page


def test_a_late_accept_is_refused_with_a_clear_message(client, make_event, offered_seat, outbox):
    event = offer_event(make_event)
    link = offered_seat(event, "warte@example.org", "danach@example.org")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25), tick=False):
        late = client.post(link + "/accept")
        assert late.status_code == 409
        assert "Frist zum Annehmen dieses Platzes abgelaufen" in html(late)
        english = client.post(link + "/accept?lang=en")
        assert english.status_code == 409
        assert "the time to accept this seat has run out" in html(english)
        assert "Your seat offer has expired" in html(english)
    # The refusal does not undo the expiry: the seat has gone to the next person.
    people = statuses(event.id)
    assert people["warte@example.org"] == "cancelled" and people["danach@example.org"] == "offered"
    assert outbox(kind="confirmation", recipient="warte@example.org") == []
    assert len(outbox(kind="offer_expired", recipient="warte@example.org")) == 1


def test_leaving_the_list_means_never_being_promoted(
    client, make_event, make_registration, register_by_form, outbox
):
    event = make_event(capacity=1)
    _registration, token = make_registration(event, email="platz@example.org")
    leaving = private_path(register_by_form(event, email="geht@example.org", **WAIT))
    private_path(register_by_form(event, email="bleibt@example.org", **WAIT))
    assert "Platz 2 auf der Warteliste" in html(
        client.get(link_in(outbox, "waiting", "bleibt@example.org"))
    )
    assert client.post(leaving + "/leave").status_code == 303
    page = html(client.get(leaving))
    assert (
        "Sie haben die Warteliste verlassen" in page and "Warteliste verlassen</button>" not in page
    )
    assert len(outbox(kind="left", recipient="geht@example.org")) == 1
    client.post(f"/r/{token}/cancel")
    people = statuses(event.id)
    assert people["geht@example.org"] == "cancelled" and people["bleibt@example.org"] == "confirmed"


def test_declining_an_offer_passes_the_seat_on(client, make_event, offered_seat, outbox):
    event = offer_event(make_event)
    link = offered_seat(event, "erste@example.org", "zweite@example.org")
    assert client.post(link + "/leave").status_code == 303
    page = html(client.get(link))
    assert "Sie haben die Warteliste verlassen" in page  # not "delete it from your calendar"
    assert "Kalender" not in page.split("Ihre Anmeldung", 1)[1].split("Kalender-Abo")[0]
    people = statuses(event.id)
    assert people["erste@example.org"] == "cancelled" and people["zweite@example.org"] == "offered"
    # An accept after declining is refused.
    assert client.post(link + "/accept").status_code == 409


def test_accept_and_leave_need_the_csrf_token(app_factory, make_event):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from eventhub.events.registration import Attendee, register

        event = make_event(capacity=1)
        register(event.id, Attendee("Anna", "A", "a@example.org"))
        _waiting, token = register(
            event.id, Attendee("Bernd", "B", "b@example.org"), if_full="wait"
        )
        event_id = event.id
    client = app.test_client()
    for action in ("accept", "leave"):
        assert client.post(f"/r/{token}/{action}").status_code == 400
    with app.app_context():
        assert statuses(event_id)["b@example.org"] == "waiting"


def test_approval_page_says_pending_and_withdraw(client, make_event, register_by_form, outbox):
    event = make_event(approval=True)
    link = private_path(register_by_form(event, email="pruef@example.org"))
    page = html(client.get(link + "?new=1"))
    assert "Ihre Anmeldung wartet auf Freigabe" in page
    assert "In den Kalender eintragen" not in page and "Sie sind angemeldet" not in page
    [mail] = outbox(kind="pending")
    assert not has_invite(outbox, mail)
    assert client.post(link + "/leave").status_code == 303
    assert statuses(event.id)["pruef@example.org"] == "cancelled"
    assert len(outbox(kind="withdrawn")) == 1


def test_approval_at_an_event_that_confirms_addresses_offers_the_seat(
    client, make_event, register_by_form, outbox
):
    """Approval proves nothing about the address: the seat is held and offered, and only
    the click in the mail (to that address) confirms it, with the invitation."""
    from eventhub.events import waitlist

    event = make_event(capacity=2, approval=True, confirm_email=True)
    private_path(register_by_form(event, email="geprueft@example.org"))
    db.session.rollback()
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    decisions = waitlist.approve(event.id, [registration.id])
    assert decisions.offered == [registration.id] and decisions.confirmed == []
    assert statuses(event.id)["geprueft@example.org"] == "offered"
    assert outbox(kind="confirmation") == []
    [mail] = outbox(kind="approved")
    assert not has_invite(outbox, mail)
    assert "Bestätigung" in outbox.text(mail) or "bestätigen" in outbox.text(mail)
    link = link_in(outbox, "approved", "geprueft@example.org")
    page = html(client.get(link))
    assert "Platz annehmen" in page
    assert client.post(link + "/accept").status_code == 303
    assert statuses(event.id)["geprueft@example.org"] == "confirmed"
    [confirmation] = outbox(kind="confirmation")
    assert has_invite(outbox, confirmation)


def hybrid_event(make_event, **overrides):
    return make_event(
        capacity=5,
        hybrid=True,
        online_capacity=1,
        online_url="https://meet.example.org/fachkraefte",
        **overrides,
    )


def test_hybrid_form_shows_seats_per_mode_and_a_waiting_list_for_the_full_one(
    client, make_event, make_registration, register_by_form, outbox
):
    event = hybrid_event(make_event)
    form = html(client.get(f"/events/{event.slug}/register"))
    assert "Vor Ort – 5 Plätze frei" in form and "Online – 1 Platz frei" in form
    assert 'type="radio"' in form and "Wie nehmen Sie teil?" in form
    missing = register_by_form(event)
    assert missing.status_code == 422
    assert "Bitte wählen Sie, ob Sie vor Ort oder online teilnehmen." in html(missing)

    assert (
        register_by_form(event, email="online@example.org", attendance="online").status_code == 303
    )
    form = html(client.get(f"/events/{event.slug}/register"))
    assert "Online – ausgebucht, Warteliste offen" in form and "Vor Ort – 5 Plätze frei" in form
    assert ">Anmelden</button>" in form and 'name="if_full" value="wait"' in form
    event_page = html(client.get(f"/events/{event.slug}"))
    assert "Vor Ort: 5 Plätze frei" in event_page
    assert "Online: ausgebucht – Warteliste offen" in event_page

    refused = register_by_form(event, email="spaet@example.org", attendance="online")
    assert refused.status_code == 409 and "Warteliste" in html(refused)
    waiting = private_path(
        register_by_form(event, email="spaet@example.org", attendance="online", **WAIT)
    )
    assert "Platz 1 auf der Warteliste" in html(client.get(waiting))
    # On site is still open, also with the waiting-list button: a free seat is taken.
    register_by_form(event, email="vorort@example.org", attendance="onsite", **WAIT)
    people = statuses(event.id)
    assert people["spaet@example.org"] == "waiting"
    assert people["vorort@example.org"] == "confirmed"


def test_a_hybrid_events_calendar_entries_show_each_persons_own_place(
    client, make_event, register_by_form
):
    """The private page's calendar file and the private feed put the online link in an
    online person's entry and the venue in an on-site person's; the public .ics has the
    venue only."""
    from tests.ical import vevents

    event = hybrid_event(make_event)
    online = private_path(register_by_form(event, email="online@example.org", attendance="online"))
    onsite = private_path(register_by_form(event, email="vorort@example.org", attendance="onsite"))

    def place(body: bytes) -> tuple[str, str]:
        [vevent] = vevents(parse_ics(body))
        return str(vevent["LOCATION"]), str(vevent.get("URL", ""))

    public_location, _url = place(client.get(f"/events/{event.slug}.ics").data)
    assert "meet.example.org" not in public_location
    page = html(client.get(online))
    assert f'href="{online}/calendar.ics"' in page
    response = client.get(online + "/calendar.ics")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    assert place(response.data) == (
        "https://meet.example.org/fachkraefte",
        "https://meet.example.org/fachkraefte",
    )
    assert place(client.get(onsite + "/calendar.ics").data)[0] == public_location
    feed = re.search(r'href="(http://eventhub\.test)?(/feeds/[^"]+\.ics)"', page).group(2)
    assert place(client.get(feed).data)[0] == "https://meet.example.org/fachkraefte"
    feed = re.search(
        r'href="(http://eventhub\.test)?(/feeds/[^"]+\.ics)"', html(client.get(onsite))
    ).group(2)
    assert place(client.get(feed).data)[0] == public_location
    assert client.get("/r/" + "x" * 43 + "/calendar.ics").status_code == 404


def test_event_json_tells_the_waiting_list_and_online_seats(client, make_event, make_registration):
    event = hybrid_event(make_event)
    data = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert data["hybrid"] is True and data["online_seats_left"] == 1
    assert data["waitlist_open"] is False
    make_registration(event, attendance="online")
    data = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert data["online_seats_left"] == 0 and data["waitlist_open"] is True
    assert data["registration_state"] == "open"  # on site is still open
    plain = make_event(capacity=None)
    data = client.get(f"/api/v1/events/{plain.slug}").get_json()
    assert data["online_seats_left"] is None and data["waitlist_open"] is False


def test_registration_form_fields_unchanged_for_plain_events(client, make_event):
    event = make_event()
    page = html(client.get(f"/events/{event.slug}/register"))
    assert 'type="radio"' not in page
    assert all(f'name="{name}"' in page for name in REGISTRATION_FORM)


def test_where_addresses_are_checked_only_the_mailed_link_accepts(
    client, make_event, make_registration, register_by_form, outbox
):
    """Joining the list shows the private link in the browser; the offer is accepted only
    by the link in the offer mail, which proves the address (as confirming it does)."""
    event = make_event(capacity=1, confirm_email=True)
    _first, token = make_registration(event, email="platz@example.org", source="api")
    browser_link = private_path(register_by_form(event, email="fremd@example.org", **WAIT))
    client.post(f"/r/{token}/cancel")
    assert statuses(event.id)["fremd@example.org"] == "offered"
    page = html(client.get(browser_link))
    assert "Platz annehmen" not in page and "mit dem Link in der E-Mail" in page
    assert client.post(browser_link + "/accept").status_code == 403
    assert statuses(event.id)["fremd@example.org"] == "offered"
    mailed = link_in(outbox, "offered", "fremd@example.org")
    assert mailed != browser_link and "Platz annehmen" in html(client.get(mailed))
    assert client.post(mailed + "/accept").status_code == 303
    assert statuses(event.id)["fremd@example.org"] == "confirmed"


def test_a_group_awaiting_approval_is_told_so(client, make_event, outbox):
    event = make_event(approval=True)
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.status_code == 303
    assert "Anmeldung eingegangen" in html(client.get(response.headers["Location"]))
    [summary] = outbox(kind="group_summary")
    assert "Gruppenanmeldung eingegangen" in outbox.parse(summary)["Subject"]
    assert "prüfen die Anmeldungen" in outbox.text(summary)


def test_a_hybrid_group_chooses_one_mode_for_everyone(client, make_event):
    event = hybrid_event(make_event)
    path = f"/events/{event.slug}/register/group"
    missing = client.post(path, data=group_form(PEOPLE))
    assert missing.status_code == 422
    assert 'href="#attendance"' in html(missing)
    response = client.post(path, data=group_form(PEOPLE[:1], attendance="online"))
    assert response.status_code == 303
    assert statuses(event.id) == {"ayse@stadtwerke.example": "confirmed"}
    db.session.rollback()
    assert db.session.scalar(select(Registration.attendance)) == "online"
    # The online pool (one seat) is full now: the group of two may wait for it.
    refused = client.post(path, data=group_form(PEOPLE[1:], attendance="online"))
    assert refused.status_code == 409 and "Gruppe auf die Warteliste setzen" in html(refused)


def test_the_calendar_link_is_for_confirmed_people_only(
    client, make_event, register_by_form, outbox
):
    event = make_event(capacity=5, confirm_email=True)
    register_by_form(event)
    link = LINK.search(outbox.text(outbox.last(kind="confirm_address"))).group(1)
    assert "In den Kalender eintragen (.ics)" not in html(client.get(link))  # only held
    client.post(f"{link}/confirm")
    assert "In den Kalender eintragen (.ics)" in html(client.get(link))
