"""Placed meetings in the participant's private calendar feed: the UID and SEQUENCE of the
mailed invite, times in the event's zone in winter and summer, a new ETag after a move
or cancellation, STATUS:CANCELLED afterwards, and nobody else's meetings."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import delete, update

from eventhub.calendar.private import feed_token
from eventhub.extensions import db
from eventhub.models import normalise_email
from eventhub.models.network import Meeting, MeetingBooking
from eventhub.network.meetings import accept_meeting, cancel_meeting, request_meeting
from tests.ical import parse_ics, vevents
from tests.network.meeting_data import BERLIN, SUMMER, WINTER, at


def feed(client, email: str, lang: str = "de"):
    token = feed_token(normalise_email(email))
    return client.get(f"/feeds/{token}.ics?lang={lang}")


def meetings_in(response) -> dict:
    """The feed's meeting VEVENTs by UID (both parsers have read the feed)."""
    cal = parse_ics(response.data)
    return {str(v["UID"]): v for v in vevents(cal) if str(v["UID"]).startswith("meeting-")}


def invite_of(outbox, email: str, kind: str = "meeting_accepted"):
    [row] = outbox(kind=kind, recipient=email)
    body = outbox.parse(row).get_body(("calendar",)).get_content().encode()
    [vevent] = vevents(parse_ics(body))
    return vevent


def test_a_placed_meeting_is_in_both_feeds_with_the_invites_uid(
    client, meeting_event, person, outbox
):
    event = meeting_event()
    anna = person(event, first_name="Anna", last_name="Arslan", email="anna.f@example.org")
    bernd = person(event, first_name="Bernd", last_name="Brandt", email="bernd.f@example.org")
    meeting, _ = request_meeting(anna.id, bernd.id, "Azubis?", [at(WINTER, 11, 20)])
    assert meetings_in(feed(client, anna.email)) == {}  # a request is not a meeting yet
    accept_meeting(meeting.id, bernd.id)

    response = feed(client, anna.email)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    # A moved meeting leaves no time stamp: only the ETag may tell a client what changed.
    assert "Last-Modified" not in response.headers
    [(uid, vevent)] = meetings_in(response).items()
    invite = invite_of(outbox, anna.email)
    assert uid == str(invite["UID"]) == f"meeting-{meeting.uid}@eventhub"
    assert vevent["SEQUENCE"] == invite["SEQUENCE"] == 0
    assert str(vevent["SUMMARY"]) == "Gespräch mit Bernd Brandt"
    assert str(vevent["LOCATION"]) == str(invite["LOCATION"]) == "Tisch/Table 1, Lohnhalle"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert "Azubis?" in str(vevent["DESCRIPTION"])
    assert vevent.decoded("DTSTART") == at(WINTER, 11, 20) == invite.decoded("DTSTART")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert b"DTSTART;TZID=Europe/Berlin:20270120T112000" in response.data
    # A feed carries no addresses, not even revealed ones.
    assert b"ATTENDEE" not in response.data and b"anna.f@example.org" not in response.data
    assert b"bernd.f@example.org" not in response.data
    # The other side has it too, named the other way round, in English when asked.
    [theirs] = meetings_in(feed(client, bernd.email, "en")).values()
    assert str(theirs["SUMMARY"]) == "Meeting with Anna Arslan"
    assert str(theirs["UID"]) == uid
    # The event itself stays in the feed beside the meeting.
    assert event.title in {str(v["SUMMARY"]) for v in vevents(parse_ics(response.data))}


def test_summer_meetings_are_at_the_right_local_time(client, meeting_event, person):
    event = meeting_event(SUMMER)
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(meeting.id, bernd.id, at(SUMMER, 11, 40))
    response = feed(client, anna.email)
    [vevent] = meetings_in(response).values()
    assert b"DTSTART;TZID=Europe/Berlin:20270714T114000" in response.data
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2027, 7, 14, 9, 40, tzinfo=dt.UTC
    )
    assert vevent.decoded("DTEND").astimezone(BERLIN).strftime("%H:%M") == "11:55"


def move(meeting_id: int, start: dt.datetime, table_id: int | None = None) -> None:
    """What the organisers' grid does when it moves a placed meeting (built elsewhere):
    new slot (and table), bookings with it, SEQUENCE up."""
    meeting = db.session.get(Meeting, meeting_id)
    end = start + (meeting.slot_end - meeting.slot_start)
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id)
        .values(
            slot_start=start,
            slot_end=end,
            table_id=table_id or meeting.table_id,
            sequence=Meeting.sequence + 1,
        )
    )
    db.session.execute(
        update(MeetingBooking)
        .where(MeetingBooking.meeting_id == meeting_id)
        .values(slot_start=start)
    )
    db.session.commit()


def test_etag_changes_when_a_meeting_is_placed_moved_or_cancelled(
    client, meeting_event, person, outbox
):
    event = meeting_event()
    anna, bernd = person(event), person(event)
    meeting, _ = request_meeting(anna.id, bernd.id)
    before = feed(client, anna.email).headers["ETag"]
    accept_meeting(meeting.id, bernd.id, at(WINTER, 11))
    placed = feed(client, anna.email)
    assert placed.headers["ETag"] != before
    assert (
        client.get(
            f"/feeds/{feed_token(anna.email_normalised)}.ics?lang=de",
            headers={"If-None-Match": placed.headers["ETag"]},
        ).status_code
        == 304
    )

    move(meeting.id, at(WINTER, 11, 40))
    moved = feed(client, anna.email)
    assert moved.headers["ETag"] != placed.headers["ETag"]
    [vevent] = meetings_in(moved).values()
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTART") == at(WINTER, 11, 40)
    # A client that asks with the old ETag gets the new feed, not a 304.
    again = client.get(
        f"/feeds/{feed_token(anna.email_normalised)}.ics?lang=de",
        headers={"If-None-Match": placed.headers["ETag"]},
    )
    assert again.status_code == 200

    cancel_meeting(meeting.id, bernd.id)
    cancelled = feed(client, anna.email)
    assert cancelled.headers["ETag"] != moved.headers["ETag"]
    [vevent] = meetings_in(cancelled).values()
    # Like a cancelled event in the feeds: kept a while as STATUS:CANCELLED, with the
    # SEQUENCE of the mailed CANCEL.
    cancel = invite_of(outbox, anna.email, "meeting_cancelled")
    assert str(vevent["STATUS"]) == "CANCELLED" == str(cancel["STATUS"])
    assert vevent["SEQUENCE"] == 2 and str(vevent["UID"]) == str(cancel["UID"])
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        later = feed(client, anna.email)
        assert meetings_in(later) == {}
        assert later.headers["ETag"] != cancelled.headers["ETag"]


def test_unplaced_declined_and_other_peoples_meetings_stay_out(
    client, meeting_event, person, make_event
):
    event = meeting_event(tables=["1"])
    anna, bernd, carl, dora = (person(event) for _ in range(4))
    ours, _ = request_meeting(anna.id, bernd.id)
    accept_meeting(ours.id, bernd.id, at(WINTER, 11))
    theirs, _ = request_meeting(carl.id, dora.id)
    accept_meeting(theirs.id, dora.id, at(WINTER, 11, 20))
    # Carl's feed: his meeting only, never Anna's.
    carl_feed = meetings_in(feed(client, carl.email))
    assert set(carl_feed) == {f"meeting-{theirs.uid}@eventhub"}
    assert anna.last_name.encode() not in feed(client, carl.email).data
    # An address with registrations elsewhere but no meeting here sees none.
    stranger = person(make_event())
    assert meetings_in(feed(client, stranger.email)) == {}
    # Accepted without a slot (waiting for the scheduler) is not in a calendar yet.
    db.session.execute(delete(MeetingBooking).where(MeetingBooking.meeting_id == theirs.id))
    db.session.execute(
        update(Meeting).where(Meeting.id == theirs.id).values(slot_start=None, slot_end=None)
    )
    db.session.commit()
    assert meetings_in(feed(client, carl.email)) == {}


def test_feed_query_count_does_not_grow_with_meetings(client, meeting_event, person, query_counter):
    event = meeting_event(
        blocks=[(at(WINTER, 11), at(WINTER, 13))], tables=["1", "2"], max_per_person=10
    )
    anna = person(event)
    first, _ = request_meeting(anna.id, person(event).id)
    accept_meeting(first.id, first.partner_id)
    token = feed_token(anna.email_normalised)

    def measure() -> int:
        with query_counter() as statements:
            assert client.get(f"/feeds/{token}.ics").status_code == 200
        return len(statements)

    one = measure()
    for _ in range(4):
        meeting, _ = request_meeting(anna.id, person(event).id)
        accept_meeting(meeting.id, meeting.partner_id)
    assert len(meetings_in(client.get(f"/feeds/{token}.ics"))) == 5
    assert measure() == one
