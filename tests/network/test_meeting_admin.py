"""The organisers' side of meetings, service layer: arranging (placed or not, no address
revealed), moving (iCal update with the same UID and a higher SEQUENCE), cancelling,
marking held, the grid (fixed query count), speakers as meeting partners (no seat), and
no double booking when organiser moves and participant accepts run at once."""

from __future__ import annotations

import functools
import time

import pytest
import time_machine
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events.registration import cancel_registration
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.network import Meeting, MeetingBooking, MeetingTable
from eventhub.network import meeting_admin
from eventhub.network.meeting_admin import (
    add_speaker,
    arrange_meeting,
    cancel_by_organiser,
    mark_held,
    meeting_grid,
    move_meeting,
)
from eventhub.network.meetings import (
    MeetingRefused,
    accept_meeting,
    request_meeting,
    set_unavailable,
)
from tests.conftest import run_together
from tests.ical import parse_ics, vevents
from tests.network.meeting_data import (
    WINTER,
    at,
    check_meetings_in_database,
    committed,
    refusal,
)


def table_id(event, name: str) -> int:
    return committed(MeetingTable, event_id=event.id, name=name)[0].id


def calendar_of(outbox, row):
    message = outbox.parse(row)
    [vevent] = vevents(parse_ics(message.get_body(("calendar",)).get_content().encode()))
    return vevent


# --- arranging --------------------------------------------------------------------------


def test_arranged_meeting_is_placed_and_mailed_without_addresses(meeting_event, person, outbox):
    event = meeting_event()
    anna = person(event, first_name="Anna", email="anna.geheim@example.org", visibility="hidden")
    bernd = person(
        event, first_name="Bernd", email="bernd.geheim@example.org", organisation="Röhren AG"
    )
    meeting = arrange_meeting(event.id, anna.id, bernd.id, at(WINTER, 11, 20), table_id(event, "2"))
    assert meeting.status == "accepted" and meeting.arranged
    assert meeting.slot_start == at(WINTER, 11, 20) and meeting.sequence == 0
    bookings = committed(MeetingBooking, meeting_id=meeting.id)
    assert sorted(b.registration_id for b in bookings) == sorted([anna.id, bernd.id])
    rows = {r.recipient: r for r in outbox(kind="meeting_accepted")}
    assert set(rows) == {anna.email, bernd.email}
    for reader, other in ((anna, bernd), (bernd, anna)):
        raw = outbox.parse(rows[reader.email]).as_string()
        assert other.email not in raw  # neither in the text nor in the calendar entry
        text = outbox.text(rows[reader.email])
        assert "Veranstalter haben" in text and other.full_name in text
        assert "11:20" in text and "Tisch: 2" in text
        vevent = calendar_of(outbox, rows[reader.email])
        attendees = vevent.get("ATTENDEE")
        attendees = [attendees] if not isinstance(attendees, list) else attendees
        assert [str(a) for a in attendees] == [f"mailto:{reader.email}"]
    assert "Röhren AG" in outbox.text(rows[anna.email])


def test_arranged_without_a_slot_waits_for_the_scheduler(meeting_event, person, outbox):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting = arrange_meeting(event.id, anna.id, bernd.id)
    assert meeting.status == "accepted" and meeting.slot_start is None
    assert committed(MeetingBooking) == []
    row = outbox(kind="meeting_accepted", recipient=anna.email)[0]
    assert "Veranstalter geben dem Gespräch" in outbox.text(row)
    assert bernd.email not in outbox.parse(row).as_string()
    # The slot alone is enough: the first free table is taken.
    carl, dora = person(event), person(event)
    placed = arrange_meeting(event.id, carl.id, dora.id, at(WINTER, 11))
    assert placed.table.name == "1"


def test_arrange_refusals(meeting_event, person, make_event):
    event = meeting_event(max_per_person=1, tables=["1"])
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    other_event = meeting_event()
    stranger = person(other_event)
    assert "zwei verschiedene" in refusal(
        "same_person", arrange_meeting, event.id, anna.id, anna.id
    )
    assert "bestätigten Teilnehmenden" in refusal(
        "not_participant", arrange_meeting, event.id, anna.id, stranger.id
    )
    refusal("not_participant", arrange_meeting, other_event.id, anna.id, bernd.id)
    refusal("bad_slot", arrange_meeting, event.id, anna.id, bernd.id, at(WINTER, 11, 5))
    assert "Tische oder Räume" in refusal(
        "bad_table", arrange_meeting, event.id, anna.id, bernd.id, None, table_id(other_event, "1")
    )
    refusal("slot_needed", arrange_meeting, event.id, anna.id, bernd.id, None, table_id(event, "1"))
    request_meeting(anna.id, bernd.id)
    assert "bereits eine offene" in refusal(
        "pair_open", arrange_meeting, event.id, bernd.id, anna.id
    )
    arrange_meeting(event.id, anna.id, carl.id, at(WINTER, 11))
    assert anna.first_name in refusal("cap_person", arrange_meeting, event.id, dora.id, anna.id)
    eve, fritz = person(event), person(event)
    assert "Tisch oder Raum ist in diesem" in refusal(
        "table_busy",
        arrange_meeting,
        event.id,
        eve.id,
        fritz.id,
        at(WINTER, 11),
        table_id(event, "1"),
    )
    set_unavailable(eve.id, [at(WINTER, 11, 20)])
    assert "nicht verfügbar" in refusal(
        "person_unavailable", arrange_meeting, event.id, eve.id, fritz.id, at(WINTER, 11, 20)
    )
    cancel_registration(fritz.id)
    refusal("not_participant", arrange_meeting, event.id, eve.id, fritz.id)
    plain = make_event(starts=at(WINTER, 10))
    gerd, hanna = person(plain), person(plain)
    assert "keine Einzelgespräche" in refusal(
        "disabled", arrange_meeting, plain.id, gerd.id, hanna.id
    )
    assert committed(Meeting, event_id=plain.id) == []


# --- moving ---------------------------------------------------------------------------------


def test_move_sends_an_update_with_the_same_uid_and_a_higher_sequence(
    meeting_event, person, outbox
):
    event = meeting_event()
    anna = person(event, first_name="Anna", email="anna.m@example.org")
    bernd = person(event, first_name="Bernd", email="bernd.m@example.org", language="en")
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id, at(WINTER, 11))
    moved = move_meeting(event.id, meeting.id, at(WINTER, 11, 40), table_id(event, "3"))
    assert moved.slot_start == at(WINTER, 11, 40) and moved.table.name == "3"
    assert moved.sequence == 1
    bookings = committed(MeetingBooking, meeting_id=meeting.id)
    assert {b.slot_start for b in bookings} == {at(WINTER, 11, 40)} and len(bookings) == 2
    rows = {r.recipient: r for r in outbox(kind="meeting_moved")}
    assert set(rows) == {anna.email, bernd.email}
    assert "11:40" in outbox.text(rows[anna.email]) and "verschoben" in outbox.text(
        rows[anna.email]
    )
    assert "moved" in outbox.text(rows[bernd.email])  # in Bernd's language
    first = calendar_of(outbox, outbox(kind="meeting_accepted", recipient=anna.email)[0])
    update_ = calendar_of(outbox, rows[anna.email])
    assert update_["UID"] == first["UID"] == f"meeting-{meeting.uid}@eventhub"
    assert update_["SEQUENCE"] > first["SEQUENCE"]
    assert str(update_["LOCATION"]).startswith("Tisch/Table 3")
    cal = parse_ics(outbox.parse(rows[anna.email]).get_body(("calendar",)).get_content().encode())
    assert str(cal["METHOD"]) == "REQUEST"
    # The old slot is free again: someone else can meet there.
    carl, dora = person(event), person(event)
    other, _ = request_meeting(carl.id, dora.id)
    assert accept_meeting(other.id, dora.id, at(WINTER, 11))[1].table_name == "1"
    # A table change alone, in the same slot, is a move too.
    assert (
        move_meeting(event.id, meeting.id, at(WINTER, 11, 40), table_id(event, "1")).sequence == 2
    )


def test_move_places_an_unplaced_meeting(meeting_event, person, outbox):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting = arrange_meeting(event.id, anna.id, bernd.id)
    placed = move_meeting(event.id, meeting.id, at(WINTER, 11, 20))
    assert placed.slot_start == at(WINTER, 11, 20) and placed.table.name == "1"
    rows = outbox(kind="meeting_accepted", recipient=anna.email)
    assert len(rows) == 2 and "11:20" in outbox.text(rows[-1])
    assert bernd.email not in outbox.parse(rows[-1]).as_string()
    assert calendar_of(outbox, rows[-1])["SEQUENCE"] == 1


def test_move_refusals(meeting_event, person):
    event = meeting_event()
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    first = arrange_meeting(event.id, anna.id, bernd.id, at(WINTER, 11), table_id(event, "1"))
    second = arrange_meeting(event.id, carl.id, dora.id, at(WINTER, 11, 20), table_id(event, "1"))
    assert "bereits in diesem" in refusal(
        "same_place", move_meeting, event.id, first.id, at(WINTER, 11), table_id(event, "1")
    )
    refusal("table_busy", move_meeting, event.id, second.id, at(WINTER, 11), table_id(event, "1"))
    eve = person(event)
    busy = arrange_meeting(event.id, anna.id, eve.id, at(WINTER, 11, 40))
    assert anna.full_name in refusal("person_busy", move_meeting, event.id, busy.id, at(WINTER, 11))
    set_unavailable(dora.id, [at(WINTER, 11, 40)])
    refusal("person_unavailable", move_meeting, event.id, second.id, at(WINTER, 11, 40))
    refusal("bad_slot", move_meeting, event.id, second.id, at(WINTER, 12))
    other_event = meeting_event()
    refusal("unknown", move_meeting, other_event.id, second.id, at(WINTER, 11, 40))
    fritz, gerd = person(event), person(event)
    requested, _ = request_meeting(fritz.id, gerd.id)
    assert "Nur angenommene" in refusal(
        "not_accepted", move_meeting, event.id, requested.id, at(WINTER, 11, 40)
    )
    # Nothing changed by the refusals.
    assert committed(Meeting, id=second.id)[0].slot_start == at(WINTER, 11, 20)
    assert committed(Meeting, id=second.id)[0].sequence == 0


# --- cancelling and held -----------------------------------------------------------------------


def test_organiser_cancels_for_both_with_an_ical_cancel(meeting_event, person, outbox):
    event = meeting_event(tables=["1"])
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    meeting = arrange_meeting(event.id, anna.id, bernd.id, at(WINTER, 11))
    cancelled = cancel_by_organiser(event.id, meeting.id)
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    assert committed(MeetingBooking) == []
    rows = outbox(kind="meeting_cancelled")
    assert {r.recipient for r in rows} == {anna.email, bernd.email}
    row = outbox(kind="meeting_cancelled", recipient=anna.email)[0]
    assert bernd.email not in outbox.parse(row).as_string()
    vevent = calendar_of(outbox, row)
    assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == 1
    assert "bereits abgesagt" in refusal("not_open", cancel_by_organiser, event.id, meeting.id)
    refusal("unknown", cancel_by_organiser, meeting_event().id, meeting.id)
    # Table and slot are free again.
    assert arrange_meeting(event.id, carl.id, dora.id, at(WINTER, 11)).table.name == "1"


def test_mark_held_and_undo(meeting_event, person):
    event = meeting_event()
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    meeting = arrange_meeting(event.id, anna.id, bernd.id, at(WINTER, 11))
    with time_machine.travel(at(WINTER, 10, 59), tick=False):
        early = refusal("not_started", mark_held, event.id, meeting.id, True)
        assert "erst" in early and "begonnen" in early
        assert db.session.get(Meeting, meeting.id).held_at is None
    with time_machine.travel(at(WINTER, 11), tick=False):
        assert mark_held(event.id, meeting.id, True).held_at == at(WINTER, 11)
    with time_machine.travel(at(WINTER, 10), tick=False):  # undoing needs no clock
        assert mark_held(event.id, meeting.id, False).held_at is None
    unplaced = arrange_meeting(event.id, carl.id, dora.id)
    assert "Zeitfenster und Tisch" in refusal("not_placed", mark_held, event.id, unplaced.id, True)
    requested, _ = request_meeting(anna.id, carl.id)
    refusal("not_accepted", mark_held, event.id, requested.id, True)
    refusal("unknown", mark_held, meeting_event().id, meeting.id, True)


# --- the grid ---------------------------------------------------------------------------------


def _grid_statements(query_counter, event_id: int):
    db.session.rollback()
    with query_counter() as statements:
        grid = meeting_grid(event_id)
        names = [
            (m.requester.full_name, m.partner.organisation)
            for row in grid.rows
            for m in row.cells
            if m is not None
        ] + [m.requester.full_name for m in grid.unplaced]
    return grid, names, len(statements)


def test_grid_shows_every_meeting_with_a_fixed_number_of_queries(
    meeting_event, person, query_counter
):
    event = meeting_event()
    people = [person(event) for _ in range(10)]
    arrange_meeting(event.id, people[0].id, people[1].id, at(WINTER, 11, 20), table_id(event, "2"))
    request_meeting(people[2].id, people[3].id)
    grid, names, few = _grid_statements(query_counter, event.id)
    assert [t.name for t in grid.tables] == ["1", "2", "3"]
    assert [len(row.cells) for row in grid.rows] == [3, 3, 3]
    assert grid.rows[1].cells[1].requester_id == people[0].id
    assert grid.counts == {"placed": 1, "held": 0, "unplaced": 0, "requested": 1}
    for a, b, slot in (
        (4, 5, at(WINTER, 11)),
        (6, 7, at(WINTER, 11, 40)),
        (8, 9, None),
        (0, 9, at(WINTER, 11)),
    ):
        arrange_meeting(event.id, people[a].id, people[b].id, slot)
    grid, names, many = _grid_statements(query_counter, event.id)
    assert len(names) == 5
    assert [m.partner_id for m in grid.unplaced] == [people[9].id]
    assert few == many == 5


# --- speakers -------------------------------------------------------------------------------


def test_speakers_take_no_seat_and_free_none(make_event, meeting_event, person, outbox):
    event = meeting_event()
    db.session.execute(update(Event).where(Event.id == event.id).values(capacity=1))
    db.session.commit()
    listener = person(event, visibility="hidden")  # fills the only seat
    speaker, token = add_speaker(
        event.id, "Sina", "Sprecherin", "sina@example.org", "Agentur für Arbeit", "en"
    )
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 1  # still only the listener
    stored = db.session.get(Registration, speaker.id)
    assert (stored.role, stored.status, stored.directory_visibility) == (
        "speaker",
        "confirmed",
        "registered",
    )
    assert stored.organisation == "Agentur für Arbeit"
    row = outbox(kind="confirmation", recipient="sina@example.org")[0]
    assert f"/r/{token}" in outbox.text(row)
    # A participant who is not listed themselves may still ask the speaker for a meeting.
    meeting, _ = request_meeting(listener.id, speaker.id)
    assert meeting.partner_id == speaker.id
    # Cancelling the speaker frees no seat; cancelling the listener frees theirs.
    cancel_registration(speaker.id)
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 1
    cancel_registration(listener.id)
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 0


# --- no double booking under concurrency ------------------------------------------------------

THREADS = 8


def _unplaced_with_one_person(meeting_event, person):
    """One busy person with THREADS arranged meetings, none placed yet, and THREADS tables."""
    event = meeting_event(tables=[str(n) for n in range(1, THREADS + 1)], max_per_person=20)
    busy = person(event)
    ids = [arrange_meeting(event.id, busy.id, person(event).id).id for _ in range(THREADS)]
    tables = [table_id(event, str(n)) for n in range(1, THREADS + 1)]
    event_id, busy_id = event.id, busy.id
    db.session.rollback()
    return event_id, busy_id, ids, tables


def _move_all(app, event_id, moves) -> list[Exception]:
    queue = list(moves)

    def job():
        meeting_id, slot, table = queue.pop()
        meeting_admin.move_meeting(event_id, meeting_id, slot, table)

    return run_together(app, job, len(queue))


@pytest.mark.slow
def test_concurrent_moves_never_put_one_person_twice_in_a_slot(app, meeting_event, person):
    event_id, _busy, ids, tables = _unplaced_with_one_person(meeting_event, person)
    errors = _move_all(
        app, event_id, [(m, at(WINTER, 11), t) for m, t in zip(ids, tables, strict=True)]
    )
    reasons = sorted(getattr(e, "reason", repr(e)) for e in errors)
    assert len(errors) == THREADS - 1
    assert set(reasons) <= {"person_busy", "slot_taken"}, reasons
    assert len(check_meetings_in_database(event_id)) == 1


@pytest.mark.slow
def test_concurrent_moves_never_share_a_table(app, meeting_event, person):
    event = meeting_event(tables=["1", "2"])
    ids = [arrange_meeting(event.id, person(event).id, person(event).id).id for _ in range(THREADS)]
    table = table_id(event, "2")
    event_id = event.id
    db.session.rollback()
    errors = _move_all(app, event_id, [(m, at(WINTER, 11, 20), table) for m in ids])
    reasons = {getattr(e, "reason", repr(e)) for e in errors}
    assert len(errors) == THREADS - 1 and reasons <= {"table_busy", "slot_taken"}, errors
    [placed] = check_meetings_in_database(event_id)
    assert placed.table_id == table


@pytest.mark.slow
def test_concurrent_moves_and_accepts_into_one_slot_place_one(app, meeting_event, person):
    """Half the threads are the organiser moving the busy person's meetings into 11:00,
    half the busy person accepting requests in 11:00: exactly one wins."""
    event_id, busy_id, ids, tables = _unplaced_with_one_person(meeting_event, person)
    half = THREADS // 2
    event = db.session.get(Event, event_id)
    requests = [request_meeting(person(event).id, busy_id)[0].id for _ in range(half)]
    db.session.rollback()
    jobs = [
        functools.partial(meeting_admin.move_meeting, event_id, m, at(WINTER, 11), t)
        for m, t in zip(ids[:half], tables[:half], strict=True)
    ] + [functools.partial(accept_meeting, r, busy_id, at(WINTER, 11)) for r in requests]

    def job():
        jobs.pop()()

    errors = run_together(app, job, len(jobs))
    assert len(errors) == THREADS - 1, errors
    assert all(isinstance(e, MeetingRefused) for e in errors), errors
    placed = check_meetings_in_database(event_id)
    assert [m.slot_start for m in placed] == [at(WINTER, 11)]


def remove_the_move_guard(monkeypatch) -> None:
    """Moving without the guard: no row locks, a deferred transaction, and a check of the
    person's placed meetings followed by a write of the meeting alone (no bookings)."""

    def unlocked(*registration_ids):
        return {i: db.session.get(Registration, i) for i in registration_ids}

    def put_unguarded(meeting, setup, people, slot, table, *, bump_sequence):
        pair = (meeting.requester_id, meeting.partner_id)
        clash = db.session.scalar(
            select(func.count())
            .select_from(Meeting)
            .where(
                Meeting.status == "accepted",
                Meeting.slot_start == slot.start,
                Meeting.requester_id.in_(pair) | Meeting.partner_id.in_(pair),
            )
        )
        if clash:
            raise meeting_admin.MeetingAdminRefused("person_busy", "?")
        time.sleep(0.05)  # widen the window between check and write
        db.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(slot_start=slot.start, slot_end=slot.end, table_id=table.id)
        )
        db.session.flush()
        db.session.refresh(meeting)
        return table

    monkeypatch.setattr(
        meeting_admin, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(meeting_admin, "lock_people", unlocked)
    monkeypatch.setattr(meeting_admin, "_put", put_unguarded)


@pytest.mark.slow
def test_control_without_the_guard_concurrent_moves_double_book(
    app, meeting_event, person, monkeypatch
):
    """Shows the move tests can fail: with the guard off, the busy person ends up in
    several meetings in one slot (PostgreSQL), or moves fail with lost writes (SQLite)."""
    event_id, busy_id, ids, tables = _unplaced_with_one_person(meeting_event, person)
    remove_the_move_guard(monkeypatch)
    errors = _move_all(
        app, event_id, [(m, at(WINTER, 11), t) for m, t in zip(ids, tables, strict=True)]
    )
    db.session.rollback()
    in_slot = db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.requester_id == busy_id, Meeting.slot_start == at(WINTER, 11))
    )
    unexpected = [e for e in errors if not isinstance(e, MeetingRefused)]
    assert in_slot > 1 or unexpected, f"the race did not show: {in_slot} meetings, {errors}"
