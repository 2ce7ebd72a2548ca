"""Organisers run the waiting list and the approval step in the workspace (issue 14): the
event form's settings, seats per pool, the list in serving order with move, promote and
remove, approve and decline one or many, the dashboard's counts, and the exports."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from eventhub.events.registration import Attendee, GroupContact, register_group
from eventhub.extensions import db
from eventhub.manage.event_editing import set_status
from eventhub.models import Event, Registration
from tests.ical import parse_ics, vevents
from tests.manage.conftest import hosted_by, log_in
from tests.manage.test_events import event_form, org_id

# --- helpers ----------------------------------------------------------------------------

_people = iter(range(1, 10_000))


def attendee(first: str, **overrides) -> Attendee:
    n = next(_people)
    values = {
        "first_name": first,
        "last_name": f"Muster {n}",
        "email": f"{first.lower()}{n}@warteliste.example",
        "organisation": "Muster GmbH",
    }
    values.update(overrides)
    return Attendee(**values)


def join(event, *firsts: str, attendance: str = "onsite") -> list[Registration]:
    """Register people together (one group when several), waiting when the event is full."""
    contact = GroupContact("Chefin", "chefin@example.org") if len(firsts) > 1 else None
    done = register_group(
        event.id,
        [attendee(first, attendance=attendance) for first in firsts],
        contact=contact,
        if_full="wait",
    )
    return [registration for registration, _token in done]


def status_of(registration_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(select(Registration.status).where(Registration.id == registration_id))


def waiting_names(event) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(Registration.first_name)
            .where(Registration.event_id == event.id, Registration.status == "waiting")
            .order_by(Registration.waiting_rank, Registration.id)
        )
    )


def flashed(response) -> str:
    """The flash messages of the page a POST redirected to."""
    html = response.get_data(as_text=True)
    notices = re.findall(r'<div class="notice notice-\w+" role="status">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"\s+", " ", notice) for notice in notices)


def invitation_methods(mail) -> set[str]:
    """METHOD of every calendar part of a mail, each parsed by the independent parsers."""
    return {
        str(parse_ics(part.get_payload(decode=True))["METHOD"])
        for part in mail.walk()
        if part.get_content_type() == "text/calendar"
    }


@pytest.fixture
def full_event(make_event, make_registration):
    """A published event of the organiser's organisation with its one seat taken."""
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=1)
    make_registration(event, first_name="Erste")
    return event


# --- the event form ---------------------------------------------------------------------


def test_the_form_sets_waiting_list_approval_and_hybrid_seats(organiser_client):
    client = organiser_client
    page = client.get("/manage/events/new").get_data(as_text=True)
    assert "Warteliste, wenn die Veranstaltung ausgebucht ist" in page
    assert "Auffüllen mit denen, die hineinpassen" in page and "Online-Kapazität" in page
    data = event_form(
        org_id("ihk-nrw"),
        waitlist="offer",
        waitlist_fill="y",
        offer_hours="12",
        approval="y",
        hybrid="y",
        online_url="https://meet.example.org/fachkraefte",
        online_capacity="80",
    )
    response = client.post("/manage/events/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.rollback()
    event = db.session.scalar(select(Event))
    assert (event.waitlist, event.waitlist_fill, event.offer_hours) == ("offer", True, 12)
    assert event.approval and event.hybrid and event.online_capacity == 80

    edit = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="offer">|<option value="offer" selected', edit)
    assert re.search(r'id="approval"[^>]*checked|checked[^>]*id="approval"', edit)
    assert 'value="80"' in edit and 'value="12"' in edit

    # Switched off again: the online seats go with it, the waiting list too.
    plain = {**data, "waitlist": "off", "online_capacity": ""}
    del plain["hybrid"], plain["approval"], plain["waitlist_fill"]
    assert client.post(f"/manage/events/{event.slug}/edit", data=plain).status_code == 303
    db.session.rollback()
    db.session.refresh(event)
    assert (event.waitlist, event.hybrid, event.approval) == ("off", False, False)
    assert event.online_capacity is None


@pytest.mark.parametrize(
    ("lang", "no_link", "no_hybrid", "hours"),
    [
        (
            "de",
            "Eine hybride Veranstaltung braucht den Online-Link",
            "Eine Online-Kapazität gibt es nur bei hybriden Veranstaltungen",
            "Bitte geben Sie 1 bis 336 Stunden an.",
        ),
        (
            "en",
            "A hybrid event needs the online link",
            "Online seats are only for hybrid events",
            "Please enter 1 to 336 hours.",
        ),
    ],
)
def test_the_form_explains_what_is_missing(organiser_client, lang, no_link, no_hybrid, hours):
    url = f"/manage/events/new?lang={lang}"
    data = event_form(org_id("ihk-nrw"), hybrid="y", online_url="", online_capacity="20")
    response = organiser_client.post(url, data=data)
    assert response.status_code == 422
    assert no_link in response.get_data(as_text=True)

    data = event_form(org_id("ihk-nrw"), online_capacity="20", offer_hours="0")
    response = organiser_client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert no_hybrid in html and hours in html
    db.session.rollback()
    assert db.session.scalar(select(Event.id)) is None


def test_raising_the_seats_in_the_form_gives_them_to_the_waiting_list(
    organiser_client, full_event, outbox
):
    event = full_event
    anna, bernd = join(event, "Anna")[0], join(event, "Bernd")[0]
    assert status_of(anna.id) == status_of(bernd.id) == "waiting"
    form = organiser_client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="1"' in form
    data = event_form(
        org_id("ihk-nrw"),
        title=event.title,
        capacity="3",
        starts_at=event.local_starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=event.ends_at.astimezone(event.tz).strftime("%Y-%m-%dT%H:%M"),
        series="",
        new_series="",
    )
    response = organiser_client.post(f"/manage/events/{event.slug}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert status_of(anna.id) == status_of(bernd.id) == "confirmed"
    confirmations = {row.recipient for row in outbox(kind="confirmation")}
    assert {anna.email, bernd.email} <= confirmations


# --- the event's page -------------------------------------------------------------------


def test_the_page_counts_seats_per_pool_and_lists_the_waiting_in_order(
    organiser_client, make_event
):
    event = make_event(
        hosts=hosted_by("ihk-nrw"),
        capacity=1,
        hybrid=True,
        online_url="https://meet.example.org/x",
        online_capacity=1,
    )
    join(event, "Vor")
    join(event, "Online", attendance="online")
    join(event, "Anna")
    join(event, "Gruppe-A", "Gruppe-B")
    join(event, "Carla")
    join(event, "Netz", attendance="online")
    html = organiser_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    seats = html.split('id="seats-caption"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>(.*?)</tr>", seats, re.S)
    cells = {name: re.findall(r"<td>([^<]*)</td>", rest) for name, rest in rows}
    # Seats, confirmed, unconfirmed, offered, waiting, pending, left
    assert cells["Vor Ort"] == ["1", "1", "0", "0", "4", "0", "0"]
    assert cells["Online"] == ["1", "1", "0", "0", "1", "0", "0"]

    onsite = html.split('id="waiting-caption-onsite"')[1].split("</table>")[0]
    assert "Vor Ort: 4 Personen warten" in html
    names = re.findall(r'registrations/\d+">([^<]+?)(?: <span|</a>)', onsite)
    assert [n.split(", ")[1] for n in names] == ["Anna", "Gruppe-A", "Gruppe-B", "Carla"]
    positions = re.findall(r'<tr id="waiting-\d+">\s*<td>(\d+)</td>', onsite)
    assert positions == ["1", "2", "4"]  # the group is one entry; Carla has three ahead
    assert onsite.count("Gruppe 1") == 2  # both members marked as the same group
    assert "1 Person wartet" in html  # online
    # Keyboard: every action is a button in a form, the position field has a label.
    assert re.search(r'<label for="move-\d+">Auf Position</label>', onsite)
    assert re.search(r'aria-label="Anna Muster \d+ nach oben verschieben"', onsite) is None
    assert re.search(r'aria-label="Anna Muster \d+ nach unten verschieben"', onsite)
    english = organiser_client.get(f"/manage/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "On site: 4 people waiting" in english and "Promote" in english


def test_promote_gives_a_free_seat_or_makes_them_next(organiser_client, full_event, outbox):
    event = full_event
    anna, bernd = join(event, "Anna")[0], join(event, "Bernd")[0]
    url = f"/manage/events/{event.slug}/waitlist/{bernd.id}/promote"
    message = flashed(organiser_client.post(url, follow_redirects=True))
    assert "Bernd Muster" in message and "steht jetzt an erster Stelle" in message
    assert waiting_names(event) == ["Bernd", "Anna"]
    # Everyone whose place changed is told: Bernd is first now, Anna second.
    assert sorted(row.recipient for row in outbox(kind="position")) == sorted(
        db.session.scalars(
            select(Registration.email).where(
                Registration.event_id == event.id, Registration.status == "waiting"
            )
        )
    )
    assert status_of(anna.id) == "waiting"


def test_promote_puts_someone_past_a_group_that_does_not_fit(organiser_client, make_event, outbox):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=2)
    join(event, "Erste")
    group = join(event, "Gruppe-A", "Gruppe-B")  # one seat free: the group waits
    anna = join(event, "Anna")[0]  # and nobody skips it
    assert [status_of(p.id) for p in [*group, anna]] == ["waiting"] * 3
    url = f"/manage/events/{event.slug}/waitlist/{anna.id}/promote"
    response = organiser_client.post(url, headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Anna Muster" in flashed(response) and "has a seat now" in flashed(response)
    assert status_of(anna.id) == "confirmed"
    assert waiting_names(event) == ["Gruppe-A", "Gruppe-B"]
    [mail] = outbox.emails(kind="confirmation", recipient=anna.email)
    assert invitation_methods(mail) == {"REQUEST"}


def test_move_reorders_the_list_and_tells_those_whose_position_changed(
    organiser_client, full_event, outbox
):
    event = full_event
    anna, bernd, carla, dora = (join(event, n)[0] for n in ("Anna", "Bernd", "Carla", "Dora"))
    base = f"/manage/events/{event.slug}/waitlist"
    response = organiser_client.post(
        f"{base}/{dora.id}/move", data={"direction": "to", "position": "2"}, follow_redirects=True
    )
    assert "ist jetzt auf Position 2 der Warteliste" in flashed(response)
    assert waiting_names(event) == ["Anna", "Dora", "Bernd", "Carla"]
    told = {row.recipient: outbox.text(row) for row in outbox(kind="position")}
    assert set(told) == {dora.email, bernd.email, carla.email}
    assert "2" in told[dora.email] and "3" in told[bernd.email]

    organiser_client.post(f"{base}/{anna.id}/move", data={"direction": "down"})
    assert waiting_names(event) == ["Dora", "Anna", "Bernd", "Carla"]
    organiser_client.post(f"{base}/{carla.id}/move", data={"direction": "up"})
    assert waiting_names(event) == ["Dora", "Anna", "Carla", "Bernd"]
    # Past the end: the end of the list.
    organiser_client.post(f"{base}/{dora.id}/move", data={"direction": "to", "position": "99"})
    assert waiting_names(event) == ["Anna", "Carla", "Bernd", "Dora"]

    bad = organiser_client.post(
        f"{base}/{anna.id}/move", data={"direction": "to", "position": "0"}, follow_redirects=True
    )
    assert "Bitte geben Sie eine Position von 1 bis 100.000 an." in flashed(bad)
    huge = organiser_client.post(
        f"{base}/{anna.id}/move",
        data={"direction": "to", "position": "99999999999999999999"},
        follow_redirects=True,
    )
    assert "Bitte geben Sie eine Position von 1 bis 100.000 an." in flashed(huge)
    wrong = organiser_client.post(f"{base}/{anna.id}/move", data={"direction": "x"})
    assert wrong.status_code == 400


def test_positions_count_people_and_a_group_moves_as_one(organiser_client, full_event):
    event = full_event
    join(event, "Anna")
    join(event, "Gruppe-A", "Gruppe-B", "Gruppe-C")
    carla = join(event, "Carla")[0]
    # Carla is at position 5 (four people ahead); "to position 2" puts her behind Anna.
    organiser_client.post(
        f"/manage/events/{event.slug}/waitlist/{carla.id}/move",
        data={"direction": "to", "position": "2"},
    )
    assert waiting_names(event) == ["Anna", "Carla", "Gruppe-A", "Gruppe-B", "Gruppe-C"]
    group_b = db.session.scalar(select(Registration).where(Registration.first_name == "Gruppe-B"))
    organiser_client.post(
        f"/manage/events/{event.slug}/waitlist/{group_b.id}/move", data={"direction": "up"}
    )
    assert waiting_names(event) == ["Anna", "Gruppe-A", "Gruppe-B", "Gruppe-C", "Carla"]


def test_remove_takes_someone_off_the_list_with_a_mail(organiser_client, full_event, outbox):
    event = full_event
    anna = join(event, "Anna")[0]
    response = organiser_client.post(
        f"/manage/events/{event.slug}/waitlist/{anna.id}/remove", follow_redirects=True
    )
    assert "von der Warteliste genommen" in flashed(response)
    assert status_of(anna.id) == "cancelled"
    assert outbox(kind="left", recipient=anna.email)
    again = organiser_client.post(
        f"/manage/events/{event.slug}/waitlist/{anna.id}/promote", follow_redirects=True
    )
    assert "steht nicht mehr auf der Warteliste" in flashed(again)
    assert status_of(anna.id) == "cancelled"


# --- approval ---------------------------------------------------------------------------


@pytest.fixture
def approval_event(make_event):
    return make_event(hosts=hosted_by("ihk-nrw"), capacity=3, approval=True)


def pending_people(event, make_registration, *firsts: str) -> list[Registration]:
    people = [make_registration(event, first_name=first)[0] for first in firsts]
    assert {status_of(p.id) for p in people} == {"pending"}
    return people


def test_approve_confirms_and_sends_the_invitation(
    organiser_client, approval_event, make_registration, outbox
):
    event = approval_event
    [anna] = pending_people(event, make_registration, "Anna")
    page = organiser_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert "1 Anmeldung wartet auf Freigabe" in page
    assert outbox(kind="confirmation") == []
    response = organiser_client.post(
        f"/manage/events/{event.slug}/pending",
        data={"approve_one": str(anna.id), "notify": "y"},
        follow_redirects=True,
    )
    assert "1 bestätigt." in flashed(response)
    assert status_of(anna.id) == "confirmed"
    [mail] = outbox.emails(kind="confirmation", recipient=anna.email)
    assert invitation_methods(mail) == {"REQUEST"}
    part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    assert str(vevents(parse_ics(part.get_payload(decode=True)))[0]["SUMMARY"]) == event.title


def test_bulk_approve_says_in_plain_words_what_happened(
    organiser_client, approval_event, make_registration, outbox
):
    event = approval_event
    people = pending_people(event, make_registration, "Anna", "Bernd", "Carla", "Dora", "Emil")
    response = organiser_client.post(
        f"/manage/events/{event.slug}/pending",
        data={"action": "approve", "ids": [str(p.id) for p in people[:4]]},
        follow_redirects=True,
    )
    assert "3 bestätigt, 1 auf die Warteliste gesetzt." in flashed(response)
    assert [status_of(p.id) for p in people] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waiting",
        "pending",
    ]
    assert len(outbox(kind="confirmation")) == 3
    waiting_mail = outbox.last(kind="waiting")
    assert waiting_mail.recipient == people[3].email
    assert not any(
        p.get_content_type() == "text/calendar" for p in outbox.parse(waiting_mail).walk()
    )
    # Approving again: nothing left to approve among those.
    english = organiser_client.post(
        f"/manage/events/{event.slug}/pending?lang=en",
        data={"action": "approve", "ids": [str(people[0].id), str(people[4].id)]},
        follow_redirects=True,
    )
    assert "1 put on the waiting list, 1 no longer awaited approval." in flashed(english)


def test_approval_at_an_event_that_confirms_addresses_says_seats_are_offered(
    organiser_client, make_event, make_registration, outbox
):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=3, approval=True, confirm_email=True)
    people = pending_people(event, make_registration, "Anna", "Bernd")
    response = organiser_client.post(
        f"/manage/events/{event.slug}/pending",
        data={"action": "approve", "ids": [str(p.id) for p in people]},
        follow_redirects=True,
    )
    assert (
        "2 Personen wurde ein Platz angeboten: Sie bestätigen ihn (und ihre Adresse) über den"
        " Link in ihrer E-Mail." in flashed(response)
    )
    assert [status_of(p.id) for p in people] == ["offered", "offered"]
    assert outbox(kind="confirmation") == [] and len(outbox(kind="approved")) == 2


def test_approve_when_full_without_waiting_list_leaves_them_pending(
    organiser_client, make_event, make_registration
):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=1, approval=True, waitlist="off")
    anna, bernd = pending_people(event, make_registration, "Anna", "Bernd")
    response = organiser_client.post(
        f"/manage/events/{event.slug}/pending",
        data={"action": "approve", "ids": [str(anna.id), str(bernd.id)]},
        follow_redirects=True,
    )
    assert "1 bestätigt, 1 wartet weiter auf Freigabe: kein Platz frei." in flashed(response)


@pytest.mark.parametrize(
    ("lang", "subject", "summary"),
    [
        ("de", "Ihre Anmeldung wurde nicht angenommen", "2 abgelehnt (per Mail benachrichtigt)."),
        ("en", "Your registration was not accepted", "2 declined (told by mail)."),
    ],
)
def test_decline_with_a_note_sends_a_polite_mail_without_calendar(
    organiser_client, approval_event, make_registration, outbox, lang, subject, summary
):
    event = approval_event
    people = pending_people(event, make_registration, "Anna", "Bernd")
    for person in people:
        db.session.execute(
            Registration.__table__.update()
            .where(Registration.id == person.id)
            .values(language=lang)
        )
    db.session.commit()
    note = "Die Plätze sind für Betriebe aus dem Kreis reserviert.\nGerne beim nächsten Mal!"
    response = organiser_client.post(
        f"/manage/events/{event.slug}/pending?lang={lang}",
        data={
            "action": "decline",
            "ids": [str(p.id) for p in people],
            "note": note,
            "notify": "y",
        },
        follow_redirects=True,
    )
    assert summary in flashed(response)
    assert {status_of(p.id) for p in people} == {"declined"}
    mails = outbox.emails(kind="declined")
    assert len(mails) == 2
    for mail in mails:
        assert subject in mail["Subject"]
        assert "Betriebe aus dem Kreis reserviert" in mail.get_body(("plain",)).get_content()
        assert not any(p.get_content_type() == "text/calendar" for p in mail.walk())


def test_decline_without_mail_and_nothing_ticked(
    organiser_client, approval_event, make_registration, outbox
):
    event = approval_event
    [anna] = pending_people(event, make_registration, "Anna")
    url = f"/manage/events/{event.slug}/pending"
    nothing = organiser_client.post(url, data={"action": "decline"}, follow_redirects=True)
    assert "Bitte wählen Sie mindestens eine Anmeldung aus." in flashed(nothing)
    response = organiser_client.post(url, data={"decline_one": str(anna.id)})
    assert response.headers["Location"].endswith("#pending")
    assert status_of(anna.id) == "declined"
    assert outbox(kind="declined") == []
    too_long = organiser_client.post(
        url, data={"decline_one": str(anna.id), "note": "x" * 2001}, follow_redirects=True
    )
    assert "höchstens 2000 Zeichen" in flashed(too_long)
    assert organiser_client.post(url, data={"ids": [str(anna.id)]}).status_code == 400
    assert organiser_client.post(url, data={"action": "approve", "ids": ["x"]}).status_code == 400


# --- access, CSRF, dashboard, size ------------------------------------------------------


def test_other_organisations_get_404(client, make_organiser, full_event, make_event):
    event = full_event
    anna = join(event, "Anna")[0]
    make_organiser("b@hwk.example", "hwk-leipzig")
    log_in(client, "b@hwk.example")
    base = f"/manage/events/{event.slug}"
    assert client.get(base).status_code == 404
    for action in ("move", "promote", "remove"):
        response = client.post(f"{base}/waitlist/{anna.id}/{action}", data={"direction": "up"})
        assert response.status_code == 404, action
    assert client.post(f"{base}/pending", data={"approve_one": str(anna.id)}).status_code == 404
    # Their own event does not reach into another event's registrations either.
    own = make_event(hosts=hosted_by("hwk-leipzig"), capacity=1)
    assert client.post(f"/manage/events/{own.slug}/waitlist/{anna.id}/promote").status_code == 404
    assert status_of(anna.id) == "waiting"


def test_every_action_needs_the_csrf_token(app_factory):
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.manage.accounts import create_user
    from tests.conftest import event_record
    from tests.manage.conftest import PASSWORD

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(email="a@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
        upsert_event(
            EventRecord.model_validate(
                event_record(slug="voll", capacity=1, hosts=hosted_by("ihk-nrw"))
            )
        )
        db.session.commit()
        event = db.session.scalar(select(Event))
        join(event, "Erste")
        anna_id = join(event, "Anna")[0].id
    client = app.test_client()
    login_page = client.get("/manage/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/manage/login", data={"email": "a@ihk.example", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/manage/events/voll").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 4
    base = f"/manage/events/voll/waitlist/{anna_id}"
    for path, data in (
        (f"{base}/move", {"direction": "up"}),
        (f"{base}/promote", {}),
        (f"{base}/remove", {}),
        ("/manage/events/voll/pending", {"approve_one": str(anna_id)}),
    ):
        assert client.post(path, data=data).status_code == 400, path
    with app.app_context():
        assert status_of(anna_id) == "waiting"


def test_the_dashboard_shows_waiting_and_pending_per_event(
    organiser_client, full_event, make_event, make_registration
):
    join(full_event, "Anna")
    join(full_event, "Bernd")
    approval = make_event(hosts=hosted_by("ihk-nrw"), approval=True, title="Mit Freigabe")
    make_registration(approval)
    html = organiser_client.get("/manage/").get_data(as_text=True)
    row = html.split(f'href="/manage/events/{full_event.slug}"')[1].split("</tr>")[0]
    assert f'<a href="/manage/events/{full_event.slug}#waiting-list">2</a>' in row
    row = html.split(f'href="/manage/events/{approval.slug}"')[1].split("</tr>")[0]
    assert f'<a href="/manage/events/{approval.slug}#pending">1</a>' in row
    assert "Warteliste" in html and "Wartet auf Freigabe" in html


def test_the_page_runs_the_same_queries_however_many_wait(
    organiser_client, make_event, make_registration, query_counter
):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=1, approval=True)
    register_group(event.id, [attendee("Erste", source="manual")])  # no approval needed
    db.session.rollback()

    def grow(n: int) -> None:
        for k in range(n):
            register_group(event.id, [attendee("W", source="manual")], if_full="wait")
            make_registration(event, first_name="P")
            register_group(
                event.id,
                [attendee("G", source="manual"), attendee("H", source="manual")],
                contact=GroupContact("C", f"c{k}-{n}@example.org"),
                if_full="wait",
            )

    def measure() -> int:
        db.session.rollback()
        with query_counter() as statements:
            response = organiser_client.get(f"/manage/events/{event.slug}")
        assert response.status_code == 200
        return len(statements)

    grow(2)
    few = measure()
    grow(10)
    assert measure() == few


# --- lists and exports ------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_the_waiting_list_downloads_in_serving_order(organiser_client, full_event):
    event = full_event
    join(event, "Anna")
    join(event, "Gruppe-A", "Gruppe-B")
    join(event, "Carla")
    response = organiser_client.get(f"/manage/events/{event.slug}/attendees.csv?status=waiting")
    assert f"{event.slug}-warteliste.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "Nr.",
        "Nachname",
        "Vorname",
        "E-Mail-Adresse",
        "Organisation",
        "Funktion",
        "Status",
        "Angemeldet am",
        "Eingecheckt",
    ]
    assert [(r[0], r[2], r[6]) for r in rows[1:]] == [
        ("1", "Anna", "Auf der Warteliste"),
        ("2", "Gruppe-A", "Auf der Warteliste"),
        ("2", "Gruppe-B", "Auf der Warteliste"),
        ("4", "Carla", "Auf der Warteliste"),
    ]
    # Everyone, with each state named.
    everyone = csv_rows(organiser_client.get(f"/manage/events/{event.slug}/attendees.csv"))
    assert sorted(r[6] for r in everyone[1:]) == ["Auf der Warteliste"] * 4 + ["Bestätigt"]
    assert (
        organiser_client.get(f"/manage/events/{event.slug}/attendees.csv?status=x").status_code
        == 404
    )


def test_hybrid_lists_say_who_attends_online_and_the_sheet_is_for_the_room(
    organiser_client, make_event, make_registration
):
    event = make_event(
        hosts=hosted_by("ihk-nrw"),
        capacity=1,
        hybrid=True,
        online_url="https://meet.example.org/x",
        online_capacity=5,
        approval=True,
    )
    register_group(event.id, [attendee("Saal", last_name="Saalgast", source="manual")])
    register_group(
        event.id,
        [attendee("Netz", last_name="Netzgast", attendance="online", source="manual")],
    )
    register_group(
        event.id, [attendee("Warte", last_name="Wartegast", source="manual")], if_full="wait"
    )
    make_registration(event, last_name="Freigabegast")  # from the website: pending
    rows = csv_rows(organiser_client.get(f"/manage/events/{event.slug}/attendees.csv?lang=en"))
    assert rows[0][-1] == "Attendance"
    by_name = {r[1]: (r[6], r[9]) for r in rows[1:]}
    assert by_name == {
        "Saalgast": ("Confirmed", "On site"),
        "Netzgast": ("Confirmed", "Online"),
        "Wartegast": ("On the waiting list", "On site"),
        "Freigabegast": ("Awaiting approval", "On site"),
    }
    xlsx = organiser_client.get(f"/manage/events/{event.slug}/attendees.xlsx?lang=de")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(1, 10).value == "Teilnahme"
    assert {sheet.cell(r, 10).value for r in range(2, 6)} == {"Vor Ort", "Online"}
    pdf = organiser_client.get(f"/manage/events/{event.slug}/attendees.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Saalgast" in text
    assert "Netzgast" not in text and "Wartegast" not in text and "Freigabegast" not in text


def test_the_report_counts_the_new_states(organiser_client, full_event):
    from eventhub.events.registration import cancel_registration

    event = full_event
    anna, bernd, carla = (join(event, n)[0] for n in ("Anna", "Bernd", "Carla"))
    cancel_registration(carla.id)  # leaves the list: no cancelled registration
    report = f"/manage/events/{event.slug}/report?lang=en"
    page = organiser_client.get(report).get_data(as_text=True)
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    assert stats["Registered"] == "1" and stats["Cancelled"] == "0"
    assert stats["On the waiting list"] == "2"
    assert stats["Left the waiting list"] == "1"


# --- command line -----------------------------------------------------------------------


def test_the_command_line_shows_and_serves_the_list(runner, full_event):
    event = full_event
    join(event, "Anna")
    join(event, "Gruppe-A", "Gruppe-B")
    shown = runner.invoke(args=["waitlist", "show", event.slug])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "onsite: 3 waiting"
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "2"]
    assert "Anna" in lines[1] and "(group of 2)" in lines[2]

    # Seats added by hand in the database: "serve" gives them to the list.
    db.session.execute(Event.__table__.update().where(Event.id == event.id).values(capacity=4))
    db.session.commit()
    served = runner.invoke(args=["waitlist", "serve", event.slug])
    assert served.exit_code == 0, served.output
    assert "3 confirmed" in served.output
    assert runner.invoke(args=["waitlist", "show", event.slug]).output == "Nobody is waiting.\n"
    assert runner.invoke(args=["waitlist", "show", "gibt-es-nicht"]).exit_code != 0


def test_hybrid_stays_while_people_attend_online(organiser_client):
    client = organiser_client
    data = event_form(
        org_id("ihk-nrw"),
        hybrid="y",
        online_url="https://meet.example.org/fachkraefte",
        online_capacity="80",
    )
    assert client.post("/manage/events/new", data=data).status_code == 303
    db.session.rollback()
    event = db.session.scalar(select(Event))
    set_status(event.id, "published")
    register_group(event.id, [attendee("Netz", attendance="online", source="manual")])
    plain = {**data, "online_capacity": ""}
    del plain["hybrid"]
    response = client.post(f"/manage/events/{event.slug}/edit", data=plain)
    assert response.status_code == 422
    assert "Personen online angemeldet" in response.get_data(as_text=True)
    db.session.rollback()
    db.session.refresh(event)
    assert event.hybrid and event.online_capacity == 80
    dashboard = client.get("/manage/").get_data(as_text=True)
    assert f"<td>{event.confirmed_total}</td>" in dashboard and event.confirmed_total == 1


def test_the_command_line_shows_who_holds_an_offer(runner, make_event, make_registration):
    from eventhub.events.registration import cancel_registration, register

    event = make_event(capacity=1, waitlist="offer")
    first = make_registration(event)[0]
    register(event.id, attendee("Olga", last_name="Angebot"), if_full="wait")
    cancel_registration(first.id)
    shown = runner.invoke(args=["waitlist", "show", event.slug])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("offered  Angebot, Olga <") and "until" in shown.output
    assert shown.output.endswith("Nobody is waiting.\n")
