"""The organisers' meeting pages through the test client: set-up, grid, arranging, moving,
held, cancelling, speakers; bad input answered 4xx with the reason; every route 404 for
organisers of another organisation and for meetings of another event."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.network import Meeting, MeetingTable
from eventhub.network.meeting_admin import arrange_meeting
from eventhub.network.meetings import configure_meetings
from tests.manage.conftest import hosted_by, log_in
from tests.network.meeting_data import WINTER, at, setup_values

SETUP_FORM = {
    "enabled": "y",
    "blocks-0-day": "2027-01-20",
    "blocks-0-starts": "11:00",
    "blocks-0-ends": "12:00",
    "blocks-1-day": "",
    "blocks-1-starts": "",
    "blocks-1-ends": "",
    "slot_minutes": "15",
    "break_minutes": "5",
    "max_per_person": "6",
    "needs_acceptance": "y",
    "close_day": "",
    "close_time": "",
    "table_count": "3",
    "table_names": "",
}


@pytest.fixture
def my_event(make_event):
    return make_event(starts=at(WINTER, 10), hosts=hosted_by("ihk-nrw"))


@pytest.fixture
def people(my_event, make_registration):
    return [
        make_registration(my_event, first_name=name, organisation=f"{name} GmbH")[0]
        for name in ("Anna", "Bernd", "Carla", "Dirk")
    ]


def page_text(response) -> str:
    return response.get_data(as_text=True)


def url(event, rest: str = "") -> str:
    return f"/manage/events/{event.slug}/meetings{rest}"


def slot_key(hour: int, minute: int = 0) -> str:
    return at(WINTER, hour, minute).astimezone(dt.UTC).isoformat()


def table_id(event, name: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(MeetingTable.id).where(MeetingTable.event_id == event.id, MeetingTable.name == name)
    )


def test_setup_page_saves_and_shows_the_set_up(organiser_client, my_event):
    form = organiser_client.get(url(my_event, "/setup"))
    assert form.status_code == 200
    assert len(re.findall(r'name="blocks-\d+-day"', page_text(form))) >= 3
    saved = organiser_client.post(url(my_event, "/setup"), data=SETUP_FORM)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(url(my_event))
    shown = page_text(organiser_client.get(url(my_event, "/setup")))
    assert 'value="2027-01-20"' in shown and 'value="11:00"' in shown and 'value="12:00"' in shown
    assert re.search(r'<input[^>]*name="table_count"[^>]*value="3"', shown)
    overview = page_text(organiser_client.get(url(my_event)))
    assert "Einzelgespräche sind eingeschaltet" in overview
    assert overview.count('<th scope="row">') == 3  # 11:00, 11:20, 11:40
    assert "Tisch 3" in overview
    # Named rooms instead of a number.
    renamed = organiser_client.post(
        url(my_event, "/setup"),
        data={**SETUP_FORM, "table_count": "", "table_names": "Raum Ruhr\nRaum Emscher\n"},
    )
    assert renamed.status_code == 303
    overview = page_text(organiser_client.get(url(my_event)))
    assert '<th scope="col">Raum Emscher</th>' in overview and "Tisch Raum" not in overview


@pytest.mark.parametrize(
    ("changes", "status", "german"),
    [
        ({"slot_minutes": "5"}, 422, "zwischen 10 und 60 Minuten"),
        ({"blocks-0-starts": "08:00"}, 422, "außerhalb"),
        ({"blocks-0-ends": ""}, 422, "Datum, Beginn und Ende"),
        ({"table_names": "A\nB"}, 422, "nicht beides"),
        ({"table_count": "", "table_names": "A\na"}, 422, "zweimal"),
        ({"slot_minutes": "viel"}, 422, "Bitte korrigieren"),
        ({"close_day": "2027-01-20", "close_time": ""}, 422, "Datum und Uhrzeit"),
        ({"close_day": "", "close_time": "10:30"}, 422, "Datum und Uhrzeit"),
        ({"blocks-1-starts": "13:00"}, 422, "Datum, Beginn und Ende"),
        ({"blocks-0-day": "0001-01-01", "blocks-0-starts": "00:00"}, 422, "innerhalb"),
        ({"blocks-0-day": "2027-03-28", "blocks-0-starts": "02:30"}, 422, "Zeitumstellung"),
    ],
)
def test_setup_refusals_are_4xx_with_the_reason(
    organiser_client, my_event, changes, status, german
):
    response = organiser_client.post(url(my_event, "/setup"), data={**SETUP_FORM, **changes})
    assert response.status_code == status
    assert german in page_text(response)


@pytest.mark.parametrize(
    ("changes", "german"),
    [
        ({"blocks-1-day": "junk"}, "Bitte geben Sie ein gültiges Datum ein."),
        ({"blocks-1-starts": "25:00"}, "Bitte geben Sie eine gültige Uhrzeit ein"),
        ({"close_day": "2027-01-20", "close_time": "25:00"}, "gültige Uhrzeit"),
        ({"close_day": "20.1.", "close_time": "10:00"}, "gültiges Datum"),
        ({"table_count": "100000"}, "Anzahl von Tischen zwischen 1 und 200"),
        ({"table_count": "0"}, "Anzahl von Tischen zwischen 1 und 200"),
        ({"break_minutes": "9999999"}, "zwischen 0 und 60 Minuten"),
        ({"break_minutes": "61"}, "zwischen 0 und 60 Minuten"),
        ({"slot_minutes": "99999"}, "zwischen 10 und 60 Minuten"),
        ({"max_per_person": "0"}, "mindestens 1"),
        ({"max_per_person": "viele"}, "mindestens 1"),
    ],
)
def test_setup_form_errors_are_german_and_name_the_range(
    organiser_client, my_event, changes, german
):
    response = organiser_client.post(url(my_event, "/setup"), data={**SETUP_FORM, **changes})
    assert response.status_code == 422
    text = page_text(response)
    assert german in text
    assert "Not a valid" not in text and "Keine gültige" not in text


def test_overview_shows_when_requests_close_with_the_zone(organiser_client, my_event):
    data = {**SETUP_FORM, "close_day": "2027-01-20", "close_time": "10:30"}
    assert organiser_client.post(url(my_event, "/setup"), data=data).status_code == 303
    assert "Anfragen schließen: 20.01.27, 10:30 MEZ." in page_text(
        organiser_client.get(url(my_event))
    )
    english = page_text(organiser_client.get(url(my_event, "?lang=en")))
    assert re.search(r"Requests close: 1/20/27, 10:30\sAM CET\.", english)


def test_numbered_tables_read_table_n_named_ones_as_they_are(organiser_client, my_event, people):
    configure_meetings(my_event.id, **setup_values(WINTER, tables=["Tisch mit ü", "12"]))
    numbered = arrange_meeting(
        my_event.id, people[0].id, people[1].id, at(WINTER, 11), table_id(my_event, "12")
    )
    named = arrange_meeting(
        my_event.id, people[2].id, people[3].id, at(WINTER, 11), table_id(my_event, "Tisch mit ü")
    )
    grid = page_text(organiser_client.get(url(my_event)))
    assert '<th scope="col">Tisch mit ü</th>' in grid and '<th scope="col">Tisch 12</th>' in grid
    assert "Tisch Tisch" not in grid
    assert "Tisch 12" in page_text(organiser_client.get(url(my_event, f"/{numbered.id}/move")))
    moved = page_text(organiser_client.get(url(my_event, f"/{named.id}/move")))
    assert "Tisch mit ü" in moved and "Tisch Tisch" not in moved


def test_setup_refuses_to_strand_a_placed_meeting(organiser_client, my_event, people):
    configure_meetings(my_event.id, **setup_values(WINTER))
    arrange_meeting(my_event.id, people[0].id, people[1].id, at(WINTER, 11), None)
    response = organiser_client.post(
        url(my_event, "/setup"), data={**SETUP_FORM, "table_count": "", "table_names": "2\n3"}
    )
    assert response.status_code == 409
    assert "Tisch oder Raum 1" in page_text(response)


def test_arrange_move_held_and_cancel_through_the_pages(organiser_client, my_event, people, outbox):
    configure_meetings(my_event.id, **setup_values(WINTER))
    anna, bernd, carla, _dirk = people
    form = page_text(organiser_client.get(url(my_event, "/new")))
    assert "Anna GmbH" in form and slot_key(11, 20) in form
    arranged = organiser_client.post(
        url(my_event, "/new"),
        data={
            "person_a": anna.id,
            "person_b": bernd.id,
            "slot": slot_key(11, 20),
            "table": table_id(my_event, "2"),
            "note": "Ausbildung",
        },
    )
    assert arranged.status_code == 303
    grid = page_text(organiser_client.get(url(my_event)))
    assert "<caption" in grid and '<th scope="col">Tisch 2</th>' in grid
    assert "Anna Beispiel 1" in grid and "Bernd GmbH" in grid and "vereinbart" in grid
    db.session.rollback()
    meeting = db.session.scalar(select(Meeting).where(Meeting.requester_id == anna.id))
    assert {r.recipient for r in outbox(kind="meeting_accepted")} == {anna.email, bernd.email}

    held_url = url(my_event, f"/{meeting.id}/held")
    early = organiser_client.post(held_url, data={"held": "1"})  # today: long before 11:20
    assert early.status_code == 409 and "erst" in page_text(early)
    for junk in ({"held": "ja"}, {"held": ""}, {}):
        assert organiser_client.post(held_url, data=junk).status_code == 400
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).held_at is None
    with time_machine.travel(at(WINTER, 11, 20), tick=False):
        log_in(organiser_client, "orga@ihk.example")  # the session of today has expired
        held = organiser_client.post(held_url, data={"held": "1"})
        assert held.status_code == 303
        assert "stattgefunden" in page_text(organiser_client.get(url(my_event)))
    log_in(organiser_client, "orga@ihk.example")
    assert organiser_client.post(held_url, data={"held": "0"}).status_code == 303
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).held_at is None

    move_page = organiser_client.get(url(my_event, f"/{meeting.id}/move"))
    assert move_page.status_code == 200 and "Anna GmbH" in page_text(move_page)
    moved = organiser_client.post(
        url(my_event, f"/{meeting.id}/move"), data={"slot": slot_key(11, 40), "table": ""}
    )
    assert moved.status_code == 303
    assert len(outbox(kind="meeting_moved")) == 2
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).slot_start == at(WINTER, 11, 40)

    cancelled = organiser_client.post(url(my_event, f"/{meeting.id}/cancel"))
    assert cancelled.status_code == 303
    assert len(outbox(kind="meeting_cancelled")) == 2
    again = organiser_client.post(url(my_event, f"/{meeting.id}/cancel"))
    assert again.status_code == 409 and "bereits abgesagt" in page_text(again)
    # An unplaced meeting is listed below the grid; held is refused for it.
    unplaced = arrange_meeting(my_event.id, carla.id, bernd.id)
    overview = page_text(organiser_client.get(url(my_event)))
    assert "Angenommen, ohne Zeitfenster" in overview and "Zeitfenster vergeben" in overview
    refused = organiser_client.post(url(my_event, f"/{unplaced.id}/held"), data={"held": "1"})
    assert refused.status_code == 409 and "Zeitfenster und Tisch" in page_text(refused)


def test_arrange_and_move_refusals_are_4xx_with_the_reason(organiser_client, my_event, people):
    configure_meetings(my_event.id, **setup_values(WINTER, tables=["1"]))
    anna, bernd, carla, dirk = people
    same = organiser_client.post(
        url(my_event, "/new"), data={"person_a": anna.id, "person_b": anna.id, "slot": ""}
    )
    assert same.status_code == 422 and "zwei verschiedene Personen" in page_text(same)
    bad_slot = organiser_client.post(
        url(my_event, "/new"),
        data={"person_a": anna.id, "person_b": bernd.id, "slot": "2027-01-20T11:05:00+00:00"},
    )
    assert bad_slot.status_code == 422
    nobody = organiser_client.post(
        url(my_event, "/new"), data={"person_a": "999999", "person_b": bernd.id}
    )
    assert nobody.status_code == 422
    first = arrange_meeting(my_event.id, anna.id, bernd.id, at(WINTER, 11))
    busy = organiser_client.post(
        url(my_event, "/new"),
        data={
            "person_a": carla.id,
            "person_b": dirk.id,
            "slot": slot_key(11),
            "table": table_id(my_event, "1"),
        },
    )
    assert busy.status_code == 409 and "belegt" in page_text(busy)
    second = arrange_meeting(my_event.id, carla.id, dirk.id, at(WINTER, 11, 20))
    taken = organiser_client.post(
        url(my_event, f"/{second.id}/move"), data={"slot": slot_key(11), "table": ""}
    )
    assert taken.status_code == 409 and "kein Tisch" in page_text(taken)
    same_place = organiser_client.post(
        url(my_event, f"/{first.id}/move"), data={"slot": slot_key(11), "table": ""}
    )
    assert same_place.status_code == 409 and "bereits in diesem" in page_text(same_place)
    nonsense = organiser_client.post(
        url(my_event, f"/{first.id}/move"), data={"slot": "morgen", "table": "x"}
    )
    assert nonsense.status_code == 422


def test_speakers_take_no_seat_and_are_marked(organiser_client, my_event, outbox):
    seats = my_event.confirmed_count
    page = organiser_client.get(url(my_event, "/speakers"))
    assert page.status_code == 200 and "Noch keine Referent*innen" in page_text(page)
    data = {
        "first_name": "Sina",
        "last_name": "Sprecherin",
        "email": "sina@example.org",
        "affiliation": "Agentur für Arbeit",
        "language": "de",
    }
    # Without the speaker's agreement to be listed, nobody is added.
    unlisted = organiser_client.post(url(my_event, "/speakers"), data=data)
    assert unlisted.status_code == 422
    assert "dass die Referentin oder der Referent einverstanden ist" in page_text(unlisted)
    db.session.rollback()
    assert (
        db.session.scalar(select(Registration).where(Registration.email == data["email"])) is None
    )
    data["listed"] = "y"
    added = organiser_client.post(url(my_event, "/speakers"), data=data)
    assert added.status_code == 303
    listing = page_text(organiser_client.get(url(my_event, "/speakers")))
    assert "Sprecherin, Sina" in listing and "Agentur für Arbeit" in listing
    db.session.rollback()
    assert db.session.get(Event, my_event.id).confirmed_count == seats
    speaker = db.session.scalar(select(Registration).where(Registration.email == data["email"]))
    assert speaker.role == "speaker" and speaker.directory_visibility == "registered"
    assert outbox(kind="confirmation", recipient="sina@example.org")
    event_page = page_text(organiser_client.get(f"/manage/events/{my_event.slug}"))
    assert '<span class="badge">Referent*in</span>' in event_page
    assert url(my_event) in event_page
    twice = organiser_client.post(url(my_event, "/speakers"), data=data)
    assert twice.status_code == 409
    assert "Diese Adresse ist bereits für die Veranstaltung angemeldet" in page_text(twice)
    assert "Falls es Ihre ist" not in page_text(twice)
    invalid = organiser_client.post(url(my_event, "/speakers"), data={**data, "email": "nein"})
    assert invalid.status_code == 422 and "gültige E-Mail-Adresse" in page_text(invalid)
    english = organiser_client.post(url(my_event, "/speakers?lang=en"), data=data)
    assert english.status_code == 409
    assert "This address is already registered for the event" in page_text(english)


def test_pages_answer_in_english_too(organiser_client, my_event):
    response = organiser_client.post(
        url(my_event, "/setup?lang=en"), data={**SETUP_FORM, "slot_minutes": "75"}
    )
    assert response.status_code == 422
    assert "between 10 and 60 minutes" in page_text(response)


def every_route(event, meeting_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", url(event)),
        ("GET", url(event, "/setup")),
        ("POST", url(event, "/setup")),
        ("GET", url(event, "/new")),
        ("POST", url(event, "/new")),
        ("GET", url(event, f"/{meeting_id}/move")),
        ("POST", url(event, f"/{meeting_id}/move")),
        ("POST", url(event, f"/{meeting_id}/cancel")),
        ("POST", url(event, f"/{meeting_id}/held")),
        ("GET", url(event, "/speakers")),
        ("POST", url(event, "/speakers")),
    ]


def test_other_organisations_get_404_everywhere(
    client, make_organiser, my_event, people, make_event, make_registration
):
    configure_meetings(my_event.id, **setup_values(WINTER))
    meeting = arrange_meeting(my_event.id, people[0].id, people[1].id, at(WINTER, 11))
    make_organiser("orga@hwk.example", org="hwk-leipzig")
    theirs = make_event(starts=at(WINTER, 10), hosts=hosted_by("hwk-leipzig", "HWK Leipzig"))
    configure_meetings(theirs.id, **setup_values(WINTER))
    foreign = [make_registration(theirs)[0] for _ in range(2)]
    their_meeting = arrange_meeting(theirs.id, foreign[0].id, foreign[1].id)
    assert log_in(client, "orga@hwk.example").status_code == 303
    for method, path in every_route(my_event, meeting.id):
        response = client.open(path, method=method, data=SETUP_FORM if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.status_code)
    # Their own event, with a meeting id of mine: 404 as well.
    for method, path in every_route(theirs, meeting.id):
        if f"/{meeting.id}/" in path:
            response = client.open(path, method=method, data={"slot": slot_key(11)})
            assert response.status_code == 404, (method, path, response.status_code)
    assert client.get(url(theirs, f"/{their_meeting.id}/move")).status_code == 200
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).status == "accepted"  # nothing changed
