"""One-to-one meetings, service layer: slot arithmetic, the organisers' set-up and its
refusals, requests and answers, placing without double booking (also under concurrency,
with a control that shows the race), privacy, mails with iCal, expiry."""

from __future__ import annotations

import datetime as dt
import functools
import time
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events.registration import cancel_registrations
from eventhub.extensions import db
from eventhub.manage.event_editing import set_status
from eventhub.models.network import Meeting, MeetingBooking, MeetingTable, MeetingUnavailable
from eventhub.network import meetings
from eventhub.network.meetings import (
    MeetingRefused,
    accept_meeting,
    cancel_meeting,
    configure_meetings,
    decline_meeting,
    expire_requests,
    meeting_setup,
    meeting_slots,
    meetings_for,
    request_meeting,
    set_unavailable,
)
from tests.conftest import run_together
from tests.ical import parse_ics, vevents
from tests.network.meeting_data import (
    BERLIN,
    SUMMER,
    WINTER,
    at,
    check_meetings_in_database,
    committed,
    refusal,
    setup_values,
)

# --- slot arithmetic --------------------------------------------------------------------


def test_slots_fill_each_block_with_breaks_and_never_run_past_its_end():
    day = WINTER
    settings = SimpleNamespace(slot_minutes=20, break_minutes=10)
    blocks = [
        SimpleNamespace(id=2, starts_at=at(day, 16), ends_at=at(day, 17, 10)),
        SimpleNamespace(id=1, starts_at=at(day, 11), ends_at=at(day, 11, 50)),
    ]
    slots = meeting_slots(settings, blocks)
    assert [(s.start.astimezone(BERLIN).strftime("%H:%M"), s.block_id) for s in slots] == [
        ("11:00", 1),
        ("11:30", 1),
        ("16:00", 2),
        ("16:30", 2),  # 17:00 would end at 17:20, after the block
    ]
    assert all(s.end - s.start == dt.timedelta(minutes=20) for s in slots)
    exact = meeting_slots(
        SimpleNamespace(slot_minutes=15, break_minutes=0),
        [SimpleNamespace(id=1, starts_at=at(day, 11), ends_at=at(day, 12))],
    )
    assert len(exact) == 4 and exact[-1].end == at(day, 12)


# --- set-up -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason", "german"),
    [
        ({"slot_minutes": 5}, "slot_length", "zwischen 10 und 60 Minuten"),
        ({"slot_minutes": 61}, "slot_length", "zwischen 10 und 60 Minuten"),
        ({"break_minutes": -1}, "break_length", "Pause"),
        ({"max_per_person": 0}, "cap", "mindestens ein Gespräch"),
        ({"blocks": []}, "no_blocks", "mindestens einen Zeitblock"),
        ({"tables": []}, "no_tables", "mindestens einen Tisch"),
        ({"blocks": [(at(WINTER, 12), at(WINTER, 11))]}, "block_order", "endet, bevor er"),
        ({"blocks": [(at(WINTER, 9), at(WINTER, 11))]}, "block_outside", "außerhalb"),
        ({"blocks": [(at(WINTER, 13), at(WINTER, 15))]}, "block_outside", "außerhalb"),
        ({"blocks": [(at(WINTER, 11), at(WINTER, 11, 10))]}, "block_too_short", "kein einziges"),
        (
            {"blocks": [(at(WINTER, 11), at(WINTER, 12)), (at(WINTER, 11, 30), at(WINTER, 13))]},
            "block_overlap",
            "überschneidet",
        ),
        ({"tables": ["1", "  "]}, "table_empty", "Namen"),
        ({"tables": ["x" * 51]}, "table_too_long", "höchstens 50 Zeichen"),
        ({"tables": ["Raum A", "raum  a"]}, "table_duplicate", "zweimal"),
        ({"tables": ["Raum\u202eA"]}, "table_control", "Steuerzeichen"),
        ({"requests_close_at": at(WINTER, 12)}, "close_after_blocks", "Anfragen"),
    ],
)
def test_setup_refusals_say_what_is_wrong(make_event, overrides, reason, german):
    event = make_event(starts=at(WINTER, 10))
    message = refusal(reason, configure_meetings, event.id, **setup_values(WINTER, **overrides))
    assert german in message
    assert meeting_setup(event.id).settings is None  # nothing stored


def test_setup_stores_blocks_and_tables_in_order(meeting_event):
    event = meeting_event(tables=["Tisch B", "Tisch A"], break_minutes=0)
    setup = meeting_setup(event.id)
    assert [t.name for t in setup.tables] == ["Tisch B", "Tisch A"]
    assert len(setup.slots) == 4
    assert setup.requests_close_at == at(WINTER, 11)  # the first block's start


def test_setup_refuses_to_strand_a_placed_meeting(meeting_event, person):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id, "Hallo", [at(WINTER, 11, 20)])
    _, placement = accept_meeting(meeting.id, bernd.id)
    assert placement.table_name == "1"
    message = refusal(
        "strands_table", configure_meetings, event.id, **setup_values(WINTER, tables=["2", "3"])
    )
    assert "Tisch oder Raum 1" in message and "verschieben" in message
    message = refusal(
        "strands_slot", configure_meetings, event.id, **setup_values(WINTER, break_minutes=0)
    )
    assert "11:20" in message
    # Switching meetings off would leave it on people's calendars with nobody able to
    # cancel it: refused until it is cancelled.
    message = refusal(
        "strands_disabled", configure_meetings, event.id, **setup_values(WINTER, enabled=False)
    )
    assert "Sagen Sie sie ab, bevor Sie die Einzelgespräche ausschalten" in message
    # A change that keeps its table and slot is fine (tables renamed around it, cap raised).
    configure_meetings(event.id, **setup_values(WINTER, tables=["5", "1"], max_per_person=9))
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).table.name == "1"


# --- requesting -------------------------------------------------------------------------


def test_request_mails_the_partner_without_the_requesters_address(meeting_event, person, outbox):
    event = meeting_event()
    anna = person(event, first_name="Anna", email="anna.a@example.org", job_title="HR")
    bernd = person(event, first_name="Bernd", language="en")
    meeting, placement = request_meeting(anna.id, bernd.id, "Ausbildung?", [at(WINTER, 11, 40)])
    assert placement is None
    assert meeting.status == "requested" and meeting.slot_start is None
    assert meeting.preferred_slots == [at(WINTER, 11, 40).astimezone(dt.UTC).isoformat()]
    [row] = outbox(kind="meeting_request")
    assert row.recipient == bernd.email
    text = outbox.text(row)
    assert "Anna" in text and "HR" in text and "Ausbildung?" in text
    assert "anna.a@example.org" not in outbox.parse(row).as_string()
    assert "Accept or decline" in text  # in the partner's language
    assert "http://eventhub.test/meetings/answer/" in text
    assert "11:40" in text
    # Pending requests block nothing: no booking exists.
    assert committed(MeetingBooking) == []


def test_request_refusals(meeting_event, person, make_event):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    assert "sich selbst" in refusal("self", request_meeting, anna.id, anna.id)
    hidden = person(event, visibility="hidden")
    refusal("not_visible", request_meeting, anna.id, hidden.id)
    elsewhere = person(meeting_event())
    refusal("not_visible", request_meeting, anna.id, elsewhere.id)
    assert "Zeitfenster" in refusal(
        "bad_slot", request_meeting, anna.id, bernd.id, "", [at(WINTER, 11, 5)]
    )
    assert "500 Zeichen" in refusal("too_long", request_meeting, anna.id, bernd.id, "x" * 501)
    request_meeting(anna.id, bernd.id, "Hallo")
    refusal("pending", request_meeting, anna.id, bernd.id)
    refusal("pending", request_meeting, bernd.id, anna.id)  # either direction
    plain = make_event(starts=at(WINTER, 10))
    carl, dora = person(plain), person(plain)
    assert "keine Einzelgespräche" in refusal("disabled", request_meeting, carl.id, dora.id)


def test_requests_close_at_the_deadline(meeting_event, person):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    with time_machine.travel(at(WINTER, 11), tick=False):
        assert "geschlossen" in refusal("closed", request_meeting, anna.id, bernd.id)


def test_cap_counts_accepted_meetings(meeting_event, person):
    event = meeting_event(max_per_person=1)
    anna, bernd, carl = person(event), person(event), person(event)
    dora = person(event)
    first, _ = request_meeting(anna.id, bernd.id)
    second, _ = request_meeting(carl.id, anna.id)  # requests alone count nothing
    third, _ = request_meeting(anna.id, dora.id)
    accept_meeting(first.id, bernd.id)
    eve = person(event)
    assert "Sie haben die Zahl" in refusal("cap_you", request_meeting, anna.id, eve.id)
    refusal("cap_you", accept_meeting, second.id, anna.id)
    assert "Diese Person hat" in refusal("cap_other", accept_meeting, third.id, dora.id)


# --- accepting and placing ---------------------------------------------------------------


def test_accept_places_in_the_preferred_slot_at_the_first_table(meeting_event, person, outbox):
    event = meeting_event()
    anna = person(event, first_name="Anna", email="anna.p@example.org")
    bernd = person(event, first_name="Bernd", email="bernd.p@example.org")
    meeting, _ = request_meeting(anna.id, bernd.id, "", [at(WINTER, 11, 40)])
    accepted, placement = accept_meeting(meeting.id, bernd.id)
    assert placement.placed and placement.table_name == "1"
    assert placement.slot_start == at(WINTER, 11, 40)
    assert accepted.status == "accepted" and accepted.answered_at is not None
    bookings = committed(MeetingBooking, meeting_id=meeting.id)
    assert sorted(b.registration_id for b in bookings) == sorted([anna.id, bernd.id])
    mails = {row.recipient: row for row in outbox(kind="meeting_accepted")}
    assert set(mails) == {anna.email, bernd.email}
    to_anna = outbox.text(mails[anna.email])
    assert "bernd.p@example.org" in to_anna and "11:40" in to_anna and "Tisch: 1" in to_anna


def test_accept_without_preference_takes_the_first_slot_both_have_free(meeting_event, person):
    event = meeting_event()
    anna, bernd, carl = person(event), person(event), person(event)
    first, _ = request_meeting(anna.id, carl.id)
    assert accept_meeting(first.id, carl.id)[1].slot_start == at(WINTER, 11)
    set_unavailable(bernd.id, [at(WINTER, 11, 20)])
    second, _ = request_meeting(anna.id, bernd.id)
    # 11:00 Anna is busy, 11:20 Bernd is unavailable.
    assert accept_meeting(second.id, bernd.id)[1].slot_start == at(WINTER, 11, 40)


def test_accept_in_a_chosen_slot_and_its_refusals(meeting_event, person):
    event = meeting_event(tables=["1"])
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    first, _ = request_meeting(anna.id, bernd.id)
    assert accept_meeting(first.id, bernd.id, at(WINTER, 11, 20))[1].slot_start == at(
        WINTER, 11, 20
    )
    second, _ = request_meeting(carl.id, dora.id)
    refusal("bad_slot", accept_meeting, second.id, dora.id, at(WINTER, 11, 30))
    assert "nicht mehr für Sie beide frei" in refusal(
        "slot_taken", accept_meeting, second.id, dora.id, at(WINTER, 11, 20)
    )  # the only table is taken
    set_unavailable(carl.id, [at(WINTER, 11)])
    refusal("unavailable", accept_meeting, second.id, dora.id, at(WINTER, 11))
    assert committed(Meeting, id=second.id)[0].status == "requested"  # refused: unchanged
    assert accept_meeting(second.id, dora.id, at(WINTER, 11, 40))[1].table_name == "1"


def test_when_nothing_fits_the_meeting_is_accepted_but_waits_for_a_slot(
    meeting_event, person, outbox
):
    event = meeting_event(tables=["1"])
    anna, bernd = person(event), person(event)
    set_unavailable(anna.id, [at(WINTER, 11), at(WINTER, 11, 20), at(WINTER, 11, 40)])
    meeting, _ = request_meeting(anna.id, bernd.id)
    accepted, placement = accept_meeting(meeting.id, bernd.id)
    assert not placement.placed
    assert accepted.status == "accepted" and accepted.slot_start is None
    assert committed(MeetingBooking) == []
    rows = outbox(kind="meeting_accepted")
    assert len(rows) == 2
    assert "Veranstalter geben dem Gespräch" in outbox.text(rows[0])
    assert outbox.parse(rows[0]).get_body(("calendar",)) is None  # no time: no invitation


def test_without_acceptance_a_request_is_placed_at_once(meeting_event, person, outbox):
    event = meeting_event(needs_acceptance=False)
    anna, bernd = person(event), person(event)
    meeting, placement = request_meeting(anna.id, bernd.id, "Kurz?")
    assert meeting.status == "accepted" and placement.placed
    assert placement.slot_start == at(WINTER, 11)
    assert outbox(kind="meeting_request") == []
    assert len(outbox(kind="meeting_accepted")) == 2
    refusal("arranged", request_meeting, bernd.id, anna.id)


def test_a_meeting_accepted_automatically_shares_no_address(
    meeting_event, make_registration, outbox, client
):
    """Bernd never accepted anything: neither mails, calendar entries, pages nor JSON give
    either address to the other; a request Bernd accepts himself does."""
    event = meeting_event(needs_acceptance=False)
    people = {}
    for name in ("anna", "bernd"):
        registration, token = make_registration(event, email=f"{name}@example.org")
        registration.directory_visibility = "participants"
        db.session.commit()
        people[name] = (registration, token)
    (anna, anna_token), (bernd, bernd_token) = people["anna"], people["bernd"]
    meeting, _placement = request_meeting(anna.id, bernd.id)
    for row in outbox(kind="meeting_accepted"):
        other = "bernd@example.org" if row.recipient == anna.email else "anna@example.org"
        assert other not in row.message.decode(), row.recipient
    for token, other in ((anna_token, bernd.email), (bernd_token, anna.email)):
        for url in (f"/r/{token}/meetings", f"/api/v1/participant/{token}/meetings"):
            response = client.get(url)
            assert response.status_code == 200 and other not in response.get_data(as_text=True)
    # The control: accepted by the partner, the addresses are shared.
    configure_meetings(event.id, **setup_values(WINTER, needs_acceptance=True))
    cancel_meeting(meeting.id, anna.id)
    asked, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(asked.id, bernd.id)
    assert bernd.email in client.get(f"/r/{anna_token}/meetings").get_data(as_text=True)


def test_decline_and_answers_only_once(meeting_event, person):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    assert decline_meeting(meeting.id, bernd.id).status == "declined"
    refusal("answered", accept_meeting, meeting.id, bernd.id)
    refusal("answered", decline_meeting, meeting.id, bernd.id)
    request_meeting(bernd.id, anna.id)  # a declined request is no longer open


def test_cancel_frees_slot_and_table_and_sends_an_ical_cancel(meeting_event, person, outbox):
    event = meeting_event(tables=["1"])
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id, at(WINTER, 11))
    cancelled = cancel_meeting(meeting.id, anna.id)
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    assert committed(MeetingBooking) == []
    refusal("answered", cancel_meeting, meeting.id, bernd.id)
    # Slot and table are free again for others.
    other, _ = request_meeting(carl.id, dora.id)
    assert accept_meeting(other.id, dora.id, at(WINTER, 11))[1].table_name == "1"
    rows = outbox(kind="meeting_cancelled")
    assert {r.recipient for r in rows} == {anna.email, bernd.email}
    placed = outbox.parse(outbox(kind="meeting_accepted", recipient=anna.email)[0])
    request_cal = parse_ics(placed.get_body(("calendar",)).get_content().encode())
    cancel_cal = parse_ics(outbox.parse(rows[0]).get_body(("calendar",)).get_content().encode())
    [request_event], [cancel_event] = vevents(request_cal), vevents(cancel_cal)
    assert str(cancel_cal["METHOD"]) == "CANCEL" and str(request_cal["METHOD"]) == "REQUEST"
    assert cancel_event["UID"] == request_event["UID"] == f"meeting-{meeting.uid}@eventhub"
    assert cancel_event["SEQUENCE"] > request_event["SEQUENCE"]
    assert str(cancel_event["STATUS"]) == "CANCELLED"


def test_a_requester_can_withdraw_an_open_request(meeting_event, person, outbox):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    assert cancel_meeting(meeting.id, anna.id).status == "cancelled"
    assert outbox(kind="meeting_cancelled") == []  # nothing was arranged
    refusal("answered", accept_meeting, meeting.id, bernd.id)


def test_one_person_cannot_answer_or_cancel_anothers_meeting(meeting_event, person):
    event = meeting_event()
    anna, bernd, mallory = person(event), person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    refusal("unknown", accept_meeting, meeting.id, mallory.id)
    refusal("unknown", accept_meeting, meeting.id, anna.id)  # the requester cannot accept
    refusal("unknown", decline_meeting, meeting.id, mallory.id)
    refusal("unknown", cancel_meeting, meeting.id, mallory.id)
    assert committed(Meeting, id=meeting.id)[0].status == "requested"
    assert meetings_for(mallory.id) == []


def test_unavailable_slots_are_replaced_and_refused_where_a_meeting_is(meeting_event, person):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    assert set_unavailable(anna.id, [at(WINTER, 11, 20), at(WINTER, 11)]) == [
        at(WINTER, 11),
        at(WINTER, 11, 20),
    ]
    assert set_unavailable(anna.id, [at(WINTER, 11, 40)]) == [at(WINTER, 11, 40)]
    assert len(committed(MeetingUnavailable, registration_id=anna.id)) == 1
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id, at(WINTER, 11))
    assert "Gespräch" in refusal("has_meeting", set_unavailable, bernd.id, [at(WINTER, 11)])
    refusal("bad_slot", set_unavailable, bernd.id, [at(WINTER, 13)])


def test_requests_expire_at_the_deadline_once(meeting_event, person):
    event = meeting_event(requests_close_at=at(WINTER, 9))
    anna, bernd, carl = person(event), person(event), person(event)
    open_one, _ = request_meeting(anna.id, bernd.id)
    answered, _ = request_meeting(carl.id, bernd.id)
    accept_meeting(answered.id, bernd.id)
    assert expire_requests(at(WINTER, 8, 59)) == 0
    with time_machine.travel(at(WINTER, 9, 1), tick=False):
        assert "abgelaufen" in refusal("expired", accept_meeting, open_one.id, bernd.id)
        assert expire_requests() == 1
        assert expire_requests() == 0  # idempotent
    assert committed(Meeting, id=open_one.id)[0].status == "expired"
    assert committed(Meeting, id=answered.id)[0].status == "accepted"
    refusal("expired", decline_meeting, open_one.id, bernd.id)


def test_the_scheduled_job_expires_unanswered_requests(meeting_event, person, runner):
    """`flask mail scheduled` (and the looping worker, which runs the same job) does it."""
    event = meeting_event(requests_close_at=at(WINTER, 9))
    anna, bernd = person(event), person(event)
    open_one, _ = request_meeting(anna.id, bernd.id)
    with time_machine.travel(at(WINTER, 8, 30), tick=False):
        assert "expired" not in runner.invoke(args=["mail", "scheduled"]).output
    with time_machine.travel(at(WINTER, 9, 1), tick=False):
        result = runner.invoke(args=["mail", "scheduled"])
    assert result.exit_code == 0, result.output
    assert "1 unanswered meeting requests expired." in result.output
    assert committed(Meeting, id=open_one.id)[0].status == "expired"


def test_meetings_for_lists_mine_in_time_order_with_a_fixed_query_count(
    meeting_event, person, query_counter
):
    event = meeting_event()
    anna = person(event)
    others = [person(event) for _ in range(4)]
    ids = []
    for other, slot in zip(others, [at(WINTER, 11, 40), at(WINTER, 11), None, None], strict=True):
        meeting, _ = request_meeting(anna.id, other.id)
        if slot is not None:
            accept_meeting(meeting.id, other.id, slot)
        ids.append(meeting.id)
    anna_id = anna.id
    db.session.rollback()
    with query_counter() as statements:
        mine = meetings_for(anna_id)
        names = [
            (m.requester.full_name, m.partner.full_name, m.table and m.table.name) for m in mine
        ]
    assert len(statements) == 1, statements
    assert [m.id for m in mine] == [ids[1], ids[0], ids[2], ids[3]]
    assert len(names) == 4


# --- iCal -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "offset"), [(WINTER, 1), (SUMMER, 2)])
def test_ical_request_in_winter_and_summer(meeting_event, person, outbox, day, offset):
    event = meeting_event(day)
    anna = person(event, first_name="Anna", last_name="Ärger", email="anna.i@example.org")
    bernd = person(event, first_name="Bernd", email="bernd.i@example.org", language="en")
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id, at(day, 11, 20))
    message = outbox.parse(outbox(kind="meeting_accepted", recipient=bernd.email)[0])
    assert "11:20" in message.get_body(("plain",)).get_content()
    cal = parse_ics(message.get_body(("calendar",)).get_content().encode())
    [vevent] = vevents(cal)
    assert str(cal["METHOD"]) == "REQUEST"
    start = vevent.decoded("DTSTART")
    assert start.tzinfo is not None and str(vevent["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert start.astimezone(dt.UTC).hour == 11 - offset and start.minute == 20
    assert vevent.decoded("DTEND") - start == dt.timedelta(minutes=15)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(vevent["LOCATION"]) == "Tisch/Table 1, Lohnhalle"
    assert "Anna Ärger" in str(vevent["SUMMARY"])  # Bernd's invitation, in English
    attendees = [str(a) for a in vevent.get("ATTENDEE")]
    assert "mailto:anna.i@example.org" in attendees
    assert str(vevent["ORGANIZER"]) == "mailto:erika@example.org"
    assert vevent["UID"] == f"meeting-{meeting.uid}@eventhub"
    assert vevent["SEQUENCE"] == 0


# --- no double booking under concurrency -----------------------------------------------------

THREADS = 8


def _requests_to_one_person(meeting_event, person, **setup):
    event = meeting_event(**setup)
    busy = person(event)
    requesters = [person(event) for _ in range(THREADS)]
    ids = [request_meeting(r.id, busy.id)[0].id for r in requesters]
    event_id, busy_id = event.id, busy.id  # threads must not touch this session's objects
    db.session.rollback()
    return event_id, busy_id, ids


def _accept_all(app, meeting_ids, partner_of, slot=None) -> list[Exception]:
    queue = list(meeting_ids)

    def job():
        meeting_id = queue.pop()
        meetings.accept_meeting(meeting_id, partner_of(meeting_id), slot)

    return run_together(app, job, len(meeting_ids))


@pytest.mark.slow
def test_concurrent_accepts_for_one_person_in_one_slot_place_one(app, meeting_event, person):
    event_id, busy_id, ids = _requests_to_one_person(meeting_event, person, tables=["1", "2", "3"])
    errors = _accept_all(app, ids, lambda _id: busy_id, at(WINTER, 11))
    assert [getattr(e, "reason", repr(e)) for e in errors] == ["slot_taken"] * (THREADS - 1), errors
    assert len(check_meetings_in_database(event_id)) == 1


@pytest.mark.slow
def test_concurrent_accepts_for_one_person_respect_slots_and_cap(app, meeting_event, person):
    event_id, busy_id, ids = _requests_to_one_person(
        meeting_event, person, max_per_person=2, tables=["1", "2"]
    )
    errors = _accept_all(app, ids, lambda _id: busy_id)
    assert [getattr(e, "reason", repr(e)) for e in errors] == ["cap_you"] * (THREADS - 2), errors
    placed = check_meetings_in_database(event_id)
    assert sorted(m.slot_start for m in placed) == [at(WINTER, 11), at(WINTER, 11, 20)]


@pytest.mark.slow
def test_concurrent_accepts_for_one_table_never_share_it(app, meeting_event, person):
    """Eight different pairs, one table, three slots: the table index refuses the losers,
    who retry the next slot; three are placed, the rest wait for the scheduler."""
    event = meeting_event(tables=["1"])
    pairs = [(person(event), person(event)) for _ in range(THREADS)]
    partner = {}
    for requester, other in pairs:
        meeting, _ = request_meeting(requester.id, other.id)
        partner[meeting.id] = other.id
    event_id = event.id
    db.session.rollback()
    errors = _accept_all(app, list(partner), partner.__getitem__)
    assert errors == []
    placed = check_meetings_in_database(event_id)
    assert len(placed) == 3
    assert {m.slot_start for m in placed} == {
        at(WINTER, 11),
        at(WINTER, 11, 20),
        at(WINTER, 11, 40),
    }


def remove_the_booking_guard(monkeypatch) -> None:
    """Placing without the guard: no row locks, a deferred transaction, and a check of the
    placed meetings followed by a write of the meeting alone (no booking rows)."""

    def unlocked(*registration_ids):
        return {i: db.session.get(meetings.Registration, i) for i in registration_ids}

    def place_unguarded(meeting, setup, wanted):
        people = (meeting.requester_id, meeting.partner_id)
        rows = db.session.execute(
            select(Meeting.slot_start, Meeting.table_id).where(
                Meeting.event_id == meeting.event_id,
                Meeting.status == "accepted",
                Meeting.slot_start.is_not(None),
                (Meeting.requester_id.in_(people)) | (Meeting.partner_id.in_(people)),
            )
        ).all()
        if any(start == wanted for start, _table in rows):
            raise MeetingRefused("slot_taken")
        time.sleep(0.05)  # widen the window between check and write
        table = setup.tables[meeting.id % len(setup.tables)]
        slot = setup.slot_at(wanted)
        db.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(slot_start=slot.start, slot_end=slot.end, table_id=table.id)
        )
        db.session.flush()
        return meetings.Placement(True, slot.start, slot.end, table.name)

    monkeypatch.setattr(
        meetings, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(meetings, "lock_people", unlocked)
    monkeypatch.setattr(meetings, "_place", place_unguarded)


@pytest.mark.slow
def test_control_without_the_guard_concurrent_accepts_double_book(
    app, meeting_event, person, monkeypatch
):
    """Shows the tests above can fail: with the guard off, one person ends up in several
    meetings in one slot (PostgreSQL), or accepts fail with lost writes (SQLite)."""
    event_id, busy_id, ids = _requests_to_one_person(
        meeting_event, person, tables=[str(n) for n in range(1, THREADS + 1)]
    )
    remove_the_booking_guard(monkeypatch)
    errors = _accept_all(app, ids, lambda _id: busy_id, at(WINTER, 11))
    db.session.rollback()
    in_slot = db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.partner_id == busy_id, Meeting.slot_start == at(WINTER, 11))
    )
    unexpected = [e for e in errors if not isinstance(e, MeetingRefused)]
    assert in_slot > 1 or unexpected, f"the race did not show: {in_slot} meetings, {errors}"


def test_the_database_refuses_a_second_meeting_at_one_table_in_one_slot(meeting_event, person):
    """The last line of defence, without the service: the partial unique index."""
    from sqlalchemy.exc import IntegrityError

    event = meeting_event()
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    first, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(first.id, bernd.id, at(WINTER, 11))
    second, _ = request_meeting(carl.id, dora.id)
    table = committed(MeetingTable, event_id=event.id, name="1")[0]
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.execute(
            update(Meeting)
            .where(Meeting.id == second.id)
            .values(
                status="accepted",
                slot_start=at(WINTER, 11),
                slot_end=at(WINTER, 11, 15),
                table_id=table.id,
            )
        )


@pytest.mark.slow
def test_crossing_requests_at_the_same_moment_make_one(app, meeting_event, person):
    """Two people asking each other at once: the row locks queue them, the second finds
    the first's request open."""
    event = meeting_event()
    anna, bernd = person(event), person(event)
    pairs = [(anna.id, bernd.id), (bernd.id, anna.id)] * 3
    event_id = event.id
    db.session.rollback()

    def job():
        requester, partner = pairs.pop()
        request_meeting(requester, partner, "Hallo")

    errors = run_together(app, job, len(pairs))
    assert [getattr(e, "reason", repr(e)) for e in errors] == ["pending"] * 5, errors
    assert len(committed(Meeting, event_id=event_id)) == 1


def test_cancelling_a_registration_calls_off_its_meetings(
    meeting_event, person, make_registration, client, outbox
):
    """Anna cancels her registration on her private page: her placed meeting is called off
    (slot and table free again, both mailed an iCal CANCEL), her open request withdrawn;
    meetings between other people stay."""
    event = meeting_event(tables=["1"])
    anna, anna_token = make_registration(event, first_name="Anna")
    anna.directory_visibility = "participants"
    db.session.commit()
    bernd, carl, dora, emil = (person(event) for _ in range(4))
    placed, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(placed.id, bernd.id, at(WINTER, 11))
    asked, _ = request_meeting(anna.id, carl.id)
    others, _ = request_meeting(dora.id, emil.id)
    accept_meeting(others.id, emil.id, at(WINTER, 11, 20))

    page = client.post(f"/r/{anna_token}/cancel")
    assert page.status_code == 303
    statuses = {m.id: m.status for m in committed(Meeting)}
    assert statuses == {placed.id: "cancelled", asked.id: "cancelled", others.id: "accepted"}
    assert [b.meeting_id for b in committed(MeetingBooking)] == [others.id] * 2
    rows = outbox(kind="meeting_cancelled")
    assert {r.recipient for r in rows} == {anna.email, bernd.email}
    cancel_cal = parse_ics(outbox.parse(rows[0]).get_body(("calendar",)).get_content().encode())
    [cancel_event] = vevents(cancel_cal)
    assert cancel_event["UID"] == f"meeting-{placed.uid}@eventhub"
    assert cancel_event["SEQUENCE"] == 1 and str(cancel_cal["METHOD"]) == "CANCEL"
    # The slot and the table are free again.
    again, _ = request_meeting(bernd.id, carl.id)
    assert accept_meeting(again.id, carl.id, at(WINTER, 11))[1].table_name == "1"


def test_the_organisers_bulk_cancel_calls_off_meetings_too(meeting_event, person, outbox):
    """A bulk cancel without notice mails only the partners of the cancelled people."""
    event = meeting_event()
    anna, bernd, carl = (person(event) for _ in range(3))
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id)
    # Without notice to the cancelled people: only Bernd, whose meeting is off, is told.
    cancel_registrations(event.id, [anna.id, carl.id], notify=False)
    assert [m.status for m in committed(Meeting)] == ["cancelled"]
    assert committed(MeetingBooking) == []
    assert [r.recipient for r in outbox(kind="meeting_cancelled")] == [bernd.email]


def test_cancelling_the_event_calls_off_its_meetings(meeting_event, person, outbox):
    event = meeting_event()
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    placed, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(placed.id, bernd.id)
    asked, _ = request_meeting(carl.id, dora.id)
    set_status(event.id, "cancelled")
    assert {m.status for m in committed(Meeting)} == {"cancelled"}
    assert committed(MeetingBooking) == []
    rows = outbox(kind="meeting_cancelled")
    assert {r.recipient for r in rows} == {anna.email, bernd.email}
    cancel_cal = parse_ics(outbox.parse(rows[0]).get_body(("calendar",)).get_content().encode())
    assert str(cancel_cal["METHOD"]) == "CANCEL"
    assert vevents(cancel_cal)[0]["UID"] == f"meeting-{placed.uid}@eventhub"


def test_the_person_asked_declines_rather_than_withdraws(meeting_event, person):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    message = refusal("decline_instead", cancel_meeting, meeting.id, bernd.id)
    assert "lehnen Sie sie stattdessen ab" in message
    assert committed(Meeting, id=meeting.id)[0].status == "requested"
    assert decline_meeting(meeting.id, bernd.id).status == "declined"
