"""One-to-one meetings, the participants' pages: requesting from the directory, the answer
link in the request mail (for people who never open their private link), accepting with
a slot or the first free one, declining, cancelling from either side (an iCal CANCEL),
unavailable slots, the personal agenda in the event's time zone, refusals with a German
message and a 4xx, and privacy: no address before acceptance, nobody reaches another's
meetings."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models.network import Meeting, MeetingBooking, MeetingUnavailable
from eventhub.network.meetings import accept_meeting, configure_meetings, request_meeting, slot_key
from tests.ical import parse_ics, vevents
from tests.network.meeting_data import SUMMER, WINTER, at, setup_values

ANNA_MAIL = "anna.secret@example.org"
BERND_MAIL = "bernd.hidden@example.org"
NOTE = "Wir suchen Pflegekräfte – sprechen wir über Anerkennung?"


def programme(day) -> list[dict]:
    """Three programme items around the meeting block (11:00–12:00)."""
    return [
        {
            "starts_at": at(day, 10).isoformat(),
            "ends_at": at(day, 10, 45).isoformat(),
            "title": "Begrüßung und Keynote",
            "kind": "talk",
            "speakers": [{"name": "Dr. Eva Rede", "affiliation": "IHK NRW"}],
        },
        {
            "starts_at": at(day, 12, 30).isoformat(),
            "ends_at": at(day, 13, 30).isoformat(),
            "title": "Podium: Fachkräfte gewinnen",
            "kind": "panel",
            "speakers": [],
        },
    ]


@pytest.fixture
def world(make_event, make_registration):
    """An event with meetings (slots 11:00, 11:20, 11:40; tables 1–3) and a programme, and
    three listed participants: Anna, Bernd, Carla; `day` picks winter or summer time."""

    def build(day=WINTER, **setup):
        event = make_event(starts=at(day, 10), agenda=programme(day))
        configure_meetings(event.id, **setup_values(day, **setup))
        people = {}
        for first, last, email, organisation, role in (
            ("Anna", "Absender", ANNA_MAIL, "Bäckerei Absender GmbH", "Ausbildungsleiterin"),
            ("Bernd", "Empfänger", BERND_MAIL, "Welcome Center", "Berater"),
            ("Carla", "Dritte", "carla.private@example.org", "Pflegedienst Dritte", ""),
        ):
            registration, token = make_registration(
                event,
                first_name=first,
                last_name=last,
                email=email,
                organisation=organisation,
                job_title=role,
            )
            registration.directory_visibility = "participants"
            db.session.commit()
            people[first.lower()] = (registration, token)
        return event, people

    return build


def key(day, hour, minute=0) -> str:
    return slot_key(at(day, hour, minute))


def ask(client, token, person_id, note=NOTE, preferred=()):
    return client.post(
        f"/r/{token}/meetings/request/{person_id}",
        data={"note": note, "preferred": list(preferred)},
    )


def answer_link(outbox) -> str:
    text = outbox.text(outbox.last(kind="meeting_request"))
    return re.search(r"http://eventhub\.test(/meetings/answer/[A-Za-z0-9_-]+)", text).group(1)


def page(client, url) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, html.unescape(response.get_data(as_text=True))


def mail_text(outbox, **filters) -> str:
    """Every header, body and raw byte of the matching mails, for "never in it" checks."""
    parts = []
    for row in outbox(**filters):
        parts.append(row.message.decode("utf-8", "replace"))
        message = outbox.parse(row)
        parts += [f"{k}: {v}" for k, v in message.items()]
        parts += [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


def meeting_row() -> Meeting:
    db.session.rollback()
    return db.session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()


# --- request, answer link, both see it ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_hour"), [(WINTER, "10:40"), (SUMMER, "09:40")], ids=["winter", "summer"]
)
def test_request_answer_by_mail_link_and_both_see_the_meeting(client, world, outbox, day, utc_hour):
    event, people = world(day)
    (_anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]

    status, text = page(client, f"/r/{anna_token}/meetings/request/{bernd.id}")
    assert status == 200
    assert "Bernd Empfänger" in text and "Welcome Center" in text and BERND_MAIL not in text
    assert "11:20–11:35" in text  # the slots as checkboxes, in the event's time zone

    response = ask(client, anna_token, bernd.id, preferred=[key(day, 11, 20)])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{anna_token}/meetings")

    [row] = outbox(kind="meeting_request")
    assert row.recipient == BERND_MAIL
    everything = mail_text(outbox, kind="meeting_request")
    assert ANNA_MAIL not in everything and "anna.secret" not in everything
    for shown in ("Anna Absender", "Bäckerei Absender GmbH", "Ausbildungsleiterin", NOTE):
        assert shown in everything
    link = answer_link(outbox)

    # Before anyone accepted, nobody's address is on any page.
    for url, secret in (
        (link, ANNA_MAIL),
        (f"/r/{anna_token}/meetings", BERND_MAIL),
        (f"/r/{bernd_token}/meetings", ANNA_MAIL),
        (f"/r/{bernd_token}/agenda", ANNA_MAIL),
    ):
        status, text = page(client, url)
        assert status == 200 and secret not in text, url
    status, text = page(client, link)
    assert "Anna Absender" in text and "Ausbildungsleiterin" in text and NOTE in text
    assert "Erster Termin, an dem wir beide frei sind" in text
    assert "11:20–11:35" in text and "bevorzugt" in text
    assert meeting_row().status == "requested"  # opening the link changed nothing

    response = client.post(link, data={"answer": "accept", "slot": key(day, 11, 40)})
    assert response.status_code == 200
    done = html.unescape(response.get_data(as_text=True))
    assert "Angenommen" in done and "11:40–11:55" in done and "Tisch 1" in done

    meeting = meeting_row()
    assert meeting.status == "accepted" and meeting.table.name == "1"
    assert meeting.slot_start == at(day, 11, 40)
    accepted = outbox(kind="meeting_accepted")
    assert sorted(r.recipient for r in accepted) == [ANNA_MAIL, BERND_MAIL]

    for token, other, other_mail in (
        (anna_token, "Bernd Empfänger", BERND_MAIL),
        (bernd_token, "Anna Absender", ANNA_MAIL),
    ):
        status, text = page(client, f"/r/{token}/meetings")
        assert status == 200
        assert other in text and other_mail in text  # accepted: the address is shown
        assert "11:40–11:55" in text and "Tisch" in text
        status, agenda = page(client, f"/r/{token}/agenda")
        assert status == 200
        order = [
            agenda.index(s)
            for s in ("Begrüßung und Keynote", f"Gespräch mit {other}", "Podium: Fachkräfte")
        ]
        assert order == sorted(order)
        assert "11:40" in agenda and f'datetime="{day.isoformat()}T{utc_hour}:00+00:00"' in agenda
        assert "Tisch 1" in agenda and "Dr. Eva Rede" in agenda
        assert "Drucken" in agenda and "print-button.js" in agenda

    # The link has done its job: a second answer (or look) says so.
    assert client.get(link).status_code == 409
    again = client.post(link, data={"answer": "decline"})
    assert again.status_code == 409
    assert "bereits beantwortet" in again.get_data(as_text=True)
    assert meeting_row().status == "accepted"


def test_accept_on_my_page_takes_the_first_free_slot_and_decline_closes(client, world, outbox):
    event, people = world()
    (_anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]
    (carla, carla_token) = people["carla"]
    assert ask(client, anna_token, bernd.id, note="").status_code == 303
    assert ask(client, carla_token, bernd.id).status_code == 303
    db.session.rollback()
    anna_meeting, carla_meeting = sorted(
        db.session.scalars(select(Meeting.id).where(Meeting.partner_id == bernd.id))
    )

    status, text = page(client, f"/r/{bernd_token}/meetings")
    assert "Anna Absender" in text and "Carla Dritte" in text
    assert "Annehmen" in text and "Ablehnen" in text

    response = client.post(
        f"/r/{bernd_token}/meetings/{anna_meeting}/accept", data={"slot": "first"}
    )
    assert response.status_code == 303
    status, text = page(client, response.headers["Location"])
    assert "Angenommen" in text and "11:00–11:15" in text

    response = client.post(f"/r/{bernd_token}/meetings/{carla_meeting}/decline")
    assert response.status_code == 303
    assert meeting_row().status == "declined"
    status, text = page(client, f"/r/{carla_token}/meetings")
    assert "Bernd Empfänger: abgelehnt" in text
    assert BERND_MAIL not in text
    assert outbox(kind="meeting_accepted") and len(outbox(kind="meeting_request")) == 2

    # Declined and answered requests cannot be answered again.
    again = client.post(f"/r/{bernd_token}/meetings/{carla_meeting}/accept", data={"slot": ""})
    assert again.status_code == 409


@pytest.mark.parametrize("side", ["anna", "bernd"])
def test_cancel_from_either_side_frees_slot_and_table_and_mails_a_cancel(
    client, world, outbox, side
):
    event, people = world(tables=["1"])
    (_anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]
    carla, carla_token = people["carla"]
    ask(client, anna_token, bernd.id)
    client.post(answer_link(outbox), data={"answer": "accept", "slot": key(WINTER, 11)})
    meeting = meeting_row()
    assert meeting.slot_start == at(WINTER, 11)

    token = {"anna": anna_token, "bernd": bernd_token}[side]
    response = client.post(f"/r/{token}/meetings/{meeting.id}/cancel")
    assert response.status_code == 303
    status, text = page(client, response.headers["Location"])
    assert "abgesagt" in text
    assert meeting_row().status == "cancelled"
    assert not db.session.scalars(select(MeetingBooking)).all()

    cancels = outbox(kind="meeting_cancelled")
    assert sorted(r.recipient for r in cancels) == [ANNA_MAIL, BERND_MAIL]
    for row in cancels:
        invite = next(
            p for p in outbox.parse(row).walk() if p.get_content_type() == "text/calendar"
        )
        calendar = parse_ics(invite.get_payload(decode=True))
        assert str(calendar["METHOD"]) == "CANCEL"
        [vevent] = vevents(calendar)
        assert str(vevent["UID"]) == f"meeting-{meeting.uid}@eventhub"

    # The 11:00 slot at the only table is free again: Carla and Bernd meet there.
    ask(client, carla_token, bernd.id)
    response = client.post(answer_link(outbox), data={"answer": "accept", "slot": key(WINTER, 11)})
    assert response.status_code == 200
    assert meeting_row().slot_start == at(WINTER, 11)
    # Cancelling twice: the meeting is already off.
    assert client.post(f"/r/{token}/meetings/{meeting.id}/cancel").status_code == 409


def test_withdrawing_a_request_mails_nobody(client, world, outbox):
    event, people = world()
    (_anna, anna_token), (bernd, _bernd_token) = people["anna"], people["bernd"]
    ask(client, anna_token, bernd.id)
    link = answer_link(outbox)
    meeting = meeting_row()
    response = client.post(f"/r/{anna_token}/meetings/{meeting.id}/cancel")
    assert response.status_code == 303
    assert "zurückgezogen" in page(client, response.headers["Location"])[1]
    assert not outbox(kind="meeting_cancelled")
    assert client.get(link).status_code == 409


def test_unavailable_slots_are_saved_and_respected(client, world, outbox):
    event, people = world()
    (_anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]
    response = client.post(
        f"/r/{bernd_token}/meetings",
        data={"unavailable": [key(WINTER, 11), key(WINTER, 11, 20)]},
    )
    assert response.status_code == 303
    status, text = page(client, response.headers["Location"])
    assert "gespeichert" in text
    checked = re.findall(
        r'<input type="checkbox" name="unavailable" [^>]*value="([^"]+)" checked', text
    )
    assert checked == [key(WINTER, 11), key(WINTER, 11, 20)]
    db.session.rollback()
    assert len(db.session.scalars(select(MeetingUnavailable)).all()) == 2
    # A time that overflows when turned into UTC is refused like any other non-slot.
    response = client.post(
        f"/r/{bernd_token}/meetings", data={"unavailable": ["0001-01-01T00:00:00+05:00"]}
    )
    assert response.status_code == 422

    ask(client, anna_token, bernd.id)
    link = answer_link(outbox)
    status, text = page(client, link)
    options = re.findall(r'<option value="([^"]+)"', text)
    assert options == ["first", key(WINTER, 11, 40)]  # only what is free for both
    response = client.post(link, data={"answer": "accept", "slot": key(WINTER, 11)})
    assert response.status_code == 409
    assert "nicht verfügbar" in html.unescape(response.get_data(as_text=True))
    assert meeting_row().status == "requested"

    response = client.post(link, data={"answer": "accept", "slot": "first"})
    assert response.status_code == 200
    assert meeting_row().slot_start == at(WINTER, 11, 40)

    # Marking the slot of a meeting is refused, and the form shows it as taken.
    response = client.post(
        f"/r/{bernd_token}/meetings", data={"unavailable": [key(WINTER, 11, 40)]}
    )
    assert response.status_code == 409
    assert "Sie haben in diesem Zeitfenster ein Gespräch" in html.unescape(
        response.get_data(as_text=True)
    )
    status, text = page(client, f"/r/{bernd_token}/meetings")
    assert re.search(rf'value="{re.escape(key(WINTER, 11, 40))}" disabled', text)


# --- refusals ------------------------------------------------------------------------------


def test_requests_to_oneself_unlisted_people_and_other_events_are_refused(
    client, world, make_registration
):
    event, people = world()
    anna, anna_token = people["anna"]
    hidden, _ = make_registration(event, first_name="Hanna", email="hanna@example.org")
    other_event, others = world()
    stranger = others["bernd"][0]

    response = client.get(f"/r/{anna_token}/meetings/request/{anna.id}")
    assert response.status_code == 400
    assert "kein Gespräch mit sich selbst" in response.get_data(as_text=True)
    assert ask(client, anna_token, anna.id).status_code == 400
    for person in (hidden.id, stranger.id, 999999):
        for response in (
            client.get(f"/r/{anna_token}/meetings/request/{person}"),
            ask(client, anna_token, person),
        ):
            assert response.status_code == 404
            assert "nicht (mehr) im Verzeichnis" in response.get_data(as_text=True)
    db.session.rollback()
    assert not db.session.scalars(select(Meeting)).all()


@pytest.mark.parametrize(
    ("fields", "status", "german"),
    [
        ({"preferred": [key(WINTER, 11, 5)]}, 422, "Gesprächs-Zeitfenster"),
        ({"preferred": [key(WINTER, 12)]}, 422, "Gesprächs-Zeitfenster"),
        ({"preferred": ["morgen früh"]}, 422, "Gesprächs-Zeitfenster"),
        ({"preferred": ["2027-01-20T11:00"]}, 422, "Gesprächs-Zeitfenster"),
        ({"preferred": ["0001-01-01T00:00:00+05:00"]}, 422, "Gesprächs-Zeitfenster"),
        ({"note": "x" * 501}, 422, "höchstens 500 Zeichen"),
        # Refused before any form sees them (eventhub/request_guard.py).
        ({"note": "Hallo\x07"}, 400, "Steuerzeichen"),
        ({"note": "Hallo \u202eevil"}, 400, "Steuerzeichen"),
    ],
    ids=["between-slots", "after-block", "junk", "naive", "overflow", "too-long", "bell", "bidi"],
)
def test_bad_requests_get_a_german_message(client, world, outbox, fields, status, german):
    event, people = world()
    anna, anna_token = people["anna"]
    bernd, _ = people["bernd"]
    data = {"note": NOTE, **fields}
    response = client.post(f"/r/{anna_token}/meetings/request/{bernd.id}", data=data)
    assert response.status_code == status
    assert german in html.unescape(response.get_data(as_text=True))
    assert not outbox(kind="meeting_request")


def test_a_second_request_to_the_same_person_is_refused(client, world):
    event, people = world()
    anna_token = people["anna"][1]
    bernd, bernd_token = people["bernd"]
    assert ask(client, anna_token, bernd.id).status_code == 303
    response = ask(client, anna_token, bernd.id)
    assert response.status_code == 409
    assert "bereits eine offene Gesprächsanfrage" in response.get_data(as_text=True)
    # Nor the other way round.
    assert ask(client, bernd_token, people["anna"][0].id).status_code == 409


def test_expired_requests_and_closed_requests_say_so(client, world, outbox):
    event, people = world()
    (_anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]
    carla, carla_token = people["carla"]
    ask(client, anna_token, bernd.id)
    link = answer_link(outbox)
    meeting = meeting_row()
    with time_machine.travel(at(WINTER, 11, 1)):  # requests closed when the block began
        for response in (client.get(link), client.post(link, data={"answer": "accept"})):
            assert response.status_code == 409
            assert "abgelaufen" in response.get_data(as_text=True)
        response = client.post(f"/r/{bernd_token}/meetings/{meeting.id}/accept", data={})
        assert response.status_code == 409
        assert "abgelaufen" in response.get_data(as_text=True)
        for response in (
            client.get(f"/r/{carla_token}/meetings/request/{bernd.id}"),
            ask(client, carla_token, bernd.id),
        ):
            assert response.status_code == 409
            assert "Gesprächsanfragen für diese Veranstaltung sind geschlossen" in (
                response.get_data(as_text=True)
            )
        status, text = page(client, f"/r/{bernd_token}/meetings")
        assert status == 200 and "geschlossen" in text and "Annehmen" not in text
        status, text = page(client, f"/r/{bernd_token}/network")
        assert "Gespräch mit Anna Absender anfragen" not in text
    assert meeting_row().status == "requested"


def test_a_bad_slot_in_an_answer_is_refused(client, world, outbox):
    event, people = world()
    ask(client, people["anna"][1], people["bernd"][0].id)
    link = answer_link(outbox)
    for value in (key(WINTER, 11, 5), "quatsch", "0001-01-01T00:00:00+05:00"):
        response = client.post(link, data={"answer": "accept", "slot": value})
        assert response.status_code == 422
        assert "Gesprächs-Zeitfenster" in html.unescape(response.get_data(as_text=True))
    assert client.post(link, data={"answer": "maybe"}).status_code == 400
    assert meeting_row().status == "requested"


def test_unconfirmed_and_cancelled_participants_cannot_request_or_change(
    client, world, make_registration
):
    event, people = world()
    bernd = people["bernd"][0]
    anna, anna_token = people["anna"]
    anna.status = "cancelled"
    db.session.commit()
    response = client.get(f"/r/{anna_token}/meetings/request/{bernd.id}")
    assert response.status_code == 409
    response = client.post(f"/r/{anna_token}/meetings", data={"unavailable": [key(WINTER, 11)]})
    assert response.status_code == 409
    status, text = page(client, f"/r/{anna_token}/meetings")
    assert status == 200 and "storniert" in text and "Gespräch anfragen" not in text


# --- links ---------------------------------------------------------------------------------


def test_pages_link_to_meetings_only_where_the_event_offers_them(
    client, world, make_event, make_registration
):
    event, people = world()
    anna, anna_token = people["anna"]
    bernd = people["bernd"][0]
    status, text = page(client, f"/r/{anna_token}/network")
    assert f"/r/{anna_token}/meetings" in text
    assert f"/r/{anna_token}/meetings/request/{bernd.id}" in text
    assert "Gespräch mit Bernd Empfänger anfragen" in text
    status, text = page(client, f"/r/{anna_token}")
    assert f"/r/{anna_token}/meetings" in text and f"/r/{anna_token}/agenda" in text

    db.session.rollback()  # end the test's read transaction: the pages wrote meanwhile
    plain = make_event()
    for first_name in ("Paula", "Otto"):
        registration, token = make_registration(plain, first_name=first_name)
        registration.directory_visibility = "participants"
        db.session.commit()
    for url in (f"/r/{token}", f"/r/{token}/network"):
        status, text = page(client, url)
        assert status == 200 and f"/r/{token}/meetings" not in text
    assert "Kontakt mit Paula" in text and "Gespräch mit Paula" not in text
    assert f"/r/{token}/agenda" in page(client, f"/r/{token}")[1]
    response = client.get(f"/r/{token}/meetings")
    assert response.status_code == 404
    assert "bietet keine" in response.get_data(as_text=True)
    status, text = page(client, f"/r/{token}/agenda")
    assert status == 200 and "Ihre Agenda" in text


# --- privacy walk ---------------------------------------------------------------------------


def test_every_route_refuses_the_wrong_person(client, world, outbox):
    event, people = world()
    (anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]
    carla, carla_token = people["carla"]
    _other_event, others = world()
    dora, dora_token = others["anna"]
    dora.first_name, dora.last_name = "Dora", "Fremd"
    db.session.commit()
    made_up = "A" * 43

    ask(client, anna_token, bernd.id)
    open_request = meeting_row()
    ask(client, carla_token, anna.id)
    client.post(answer_link(outbox), data={"answer": "accept", "slot": "first"})
    placed = meeting_row()  # Carla and Anna, placed

    # Someone else's meeting, by id: Carla (same event), Dora (another event), junk.
    for token in (carla_token, dora_token, made_up):
        for meeting in (open_request, placed):
            if token == carla_token and meeting is placed:
                continue
            for action, data in (("accept", {"slot": "first"}), ("decline", {}), ("cancel", {})):
                response = client.post(f"/r/{token}/meetings/{meeting.id}/{action}", data=data)
                assert response.status_code == 404, (token, action)
    # The requester cannot accept or decline their own request.
    for action in ("accept", "decline"):
        assert client.post(f"/r/{anna_token}/meetings/{open_request.id}/{action}").status_code == (
            404
        )
    # A person of another event, by id; pages with a made-up token.
    for person in (anna.id, bernd.id):
        assert client.get(f"/r/{dora_token}/meetings/request/{person}").status_code == 404
        assert ask(client, dora_token, person).status_code == 404
    for url in (
        f"/r/{made_up}/meetings",
        f"/r/{made_up}/agenda",
        f"/r/{made_up}/meetings/request/{bernd.id}",
        f"/meetings/answer/{made_up}",
        f"/meetings/answer/{anna_token}",  # a private link is no answer link
    ):
        assert client.get(url).status_code == 404, url
        if "/agenda" not in url:
            assert client.post(url, data={"answer": "accept"}).status_code == 404, url

    # Nothing changed, and each page shows only its owner's meetings.
    db.session.rollback()
    assert db.session.get(Meeting, open_request.id).status == "requested"
    assert db.session.get(Meeting, placed.id).status == "accepted"
    status, text = page(client, f"/r/{dora_token}/meetings")
    assert status == 200
    for name in ("Anna Absender", "Bernd Empfänger", "Carla Dritte"):
        assert name not in text
    status, text = page(client, f"/r/{bernd_token}/meetings")
    assert "Carla Dritte" not in text  # Carla and Anna's meeting is theirs
    status, text = page(client, f"/r/{bernd_token}/agenda")
    assert "Carla" not in text and "Gespräch mit" not in text


def test_the_meetings_page_and_agenda_run_a_fixed_number_of_queries(
    client, world, make_registration, query_counter
):
    event, people = world(max_per_person=10)
    bernd, bernd_token = people["bernd"]

    def counted(path):
        with query_counter() as statements:
            response = client.get(path)
        assert response.status_code == 200
        return len(statements)

    def more_people(count: int, first_name: str) -> None:
        for n in range(count):
            registration, _token = make_registration(
                event, first_name=first_name, last_name=f"Nr. {n}"
            )
            registration.directory_visibility = "participants"
            db.session.commit()
            request_meeting(registration.id, bernd.id, f"Notiz {n}")

    def pages():
        return counted(f"/r/{bernd_token}/meetings"), counted(f"/r/{bernd_token}/agenda")

    more_people(1, "Wenige")
    ids = sorted(db.session.scalars(select(Meeting.id)))
    accept_meeting(ids[0], bernd.id)
    few = pages()
    more_people(6, "Viele")
    for meeting_id in sorted(db.session.scalars(select(Meeting.id)))[1:3]:
        accept_meeting(meeting_id, bernd.id)
    many = pages()
    assert many == few
    status, text = page(client, f"/r/{bernd_token}/meetings")
    assert text.count('<h3 class="card-title">Viele Nr.') == 4  # open requests to Bernd
    assert text.count(">Gespräch absagen<") == 3  # his meetings
