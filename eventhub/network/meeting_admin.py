"""The organisers' side of one-to-one meetings: arranging a meeting between two
participants, moving or cancelling one, marking it held at check-in, the grid of slots
and tables, and speakers as meeting partners.

Every placement goes through the guard of network/meetings.py: both people's rows are
locked (in id order) and the set-up share-locked; the bookings (unique per person and
slot) and the meeting's table (unique per table and slot) are written in a savepoint, so
the database refuses a double booking that a concurrent accept or move would cause."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventhub.database import write_transaction
from eventhub.events.registration import Attendee, register
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.base import utcnow
from eventhub.models.network import (
    Meeting,
    MeetingBooking,
    MeetingTable,
    MeetingUnavailable,
)
from eventhub.network.meeting_mail import queue_meeting_accepted, queue_meeting_moved
from eventhub.network.meetings import (
    MeetingRefused,
    MeetingSetup,
    Slot,
    cancel_meeting,
    check_open,
    clean_note,
    is_active,
    lock_people,
    meeting_count,
    meeting_setup,
    write_placement,
)

# Why an organiser's action was refused, and the HTTP status a page answers with; reasons
# not listed here are those of network/meetings.py.
ADMIN_REFUSAL_STATUS = {
    "same_person": 422,
    "not_participant": 409,
    "pair_open": 409,
    "cap_person": 409,
    "bad_table": 422,
    "slot_needed": 422,
    "person_busy": 409,
    "person_unavailable": 409,
    "table_busy": 409,
    "no_table": 409,
    "slot_taken": 409,
    "not_accepted": 409,
    "not_placed": 409,
    "not_started": 409,
    "same_place": 409,
    "not_open": 409,
}


class MeetingAdminRefused(MeetingRefused):
    """An organiser's action was refused: worded for the organiser; `detail` names the
    person concerned where there is one."""

    @property
    def status(self) -> int:
        return ADMIN_REFUSAL_STATUS.get(self.reason) or super().status

    @property
    def message(self) -> str:
        if self.reason not in ADMIN_REFUSAL_STATUS:
            return super().message
        return admin_refusal_message(self.reason, self.detail)


def admin_refusal_message(reason: str, name: str = "") -> str:
    return {
        "same_person": _("Please choose two different people."),
        "not_participant": _(
            "Meetings can only be arranged between confirmed participants of this event."
        ),
        "pair_open": _(
            "These two people already have an open meeting request or a meeting with each other."
        ),
        "cap_person": _(
            "%(name)s has reached the number of meetings possible for each person.", name=name
        ),
        "bad_table": _("Please choose one of the event's tables or rooms."),
        "slot_needed": _("Please choose a slot for the table as well."),
        "person_busy": _("%(name)s already has a meeting in this slot.", name=name),
        "person_unavailable": _("%(name)s is not available in this slot.", name=name),
        "table_busy": _("This table or room is taken in this slot."),
        "no_table": _("No table or room is free in this slot."),
        "slot_taken": _(
            "Someone else took this slot or table a moment ago: please choose another one."
        ),
        "not_accepted": _("Only accepted meetings can be given a slot or marked as held."),
        "not_placed": _("Only meetings with a slot and a table can be marked as held."),
        "not_started": _("A meeting can be marked as held only once its slot has started."),
        "same_place": _("The meeting already takes place in this slot at this table."),
        "not_open": _("This meeting has already been cancelled, declined or has expired."),
    }[reason]


# --- placing at a chosen slot and table -----------------------------------------------------


def _table_in(setup: MeetingSetup, table_id: int | None) -> MeetingTable | None:
    if table_id is None:
        return None
    table = next((t for t in setup.tables if t.id == table_id), None)
    if table is None:
        raise MeetingAdminRefused("bad_table")
    return table


def _slot_in(setup: MeetingSetup, slot_start: dt.datetime | None) -> Slot | None:
    if slot_start is None:
        return None
    if slot_start.tzinfo is None:
        raise MeetingAdminRefused("bad_slot")
    slot = setup.slot_at(slot_start)
    if slot is None:
        raise MeetingAdminRefused("bad_slot")
    return slot


def _put(
    meeting: Meeting,
    setup: MeetingSetup,
    people: dict[int, Registration],
    slot: Slot,
    table: MeetingTable | None,
    *,
    bump_sequence: bool,
) -> MeetingTable:
    """Place (or re-place) the accepted meeting at `slot` and `table` (None: the first
    free table, its current one first) inside the open write transaction, with both
    people locked by the caller. The friendly checks name who or what is busy; the
    savepoint's writes are what the database refuses if a concurrent transaction took
    the slot or table meanwhile (then "slot_taken")."""
    session = db.session
    pair = (meeting.requester_id, meeting.partner_id)
    for person_id in pair:
        unavailable = session.scalar(
            select(func.count())
            .select_from(MeetingUnavailable)
            .where(
                MeetingUnavailable.registration_id == person_id,
                MeetingUnavailable.slot_start == slot.start,
            )
        )
        if unavailable:
            raise MeetingAdminRefused("person_unavailable", people[person_id].full_name)
        busy = session.scalar(
            select(func.count())
            .select_from(MeetingBooking)
            .where(
                MeetingBooking.registration_id == person_id,
                MeetingBooking.slot_start == slot.start,
                MeetingBooking.meeting_id != meeting.id,
            )
        )
        if busy:
            raise MeetingAdminRefused("person_busy", people[person_id].full_name)
    taken = set(
        session.scalars(
            select(Meeting.table_id).where(
                Meeting.event_id == meeting.event_id,
                Meeting.status == "accepted",
                Meeting.slot_start == slot.start,
                Meeting.id != meeting.id,
            )
        )
    )
    if table is None:
        ordered = sorted(setup.tables, key=lambda t: t.id != meeting.table_id)
        table = next((t for t in ordered if t.id not in taken), None)
        if table is None:
            raise MeetingAdminRefused("no_table")
    elif table.id in taken:
        raise MeetingAdminRefused("table_busy")
    try:
        with session.begin_nested():
            write_placement(meeting, slot, table.id, bump_sequence=bump_sequence)
    except IntegrityError as exc:
        raise MeetingAdminRefused("slot_taken") from exc
    session.refresh(meeting)
    return table


# --- arranging --------------------------------------------------------------------------------


def arrange_meeting(
    event_id: int,
    a_id: int,
    b_id: int,
    slot_start: dt.datetime | None = None,
    table_id: int | None = None,
    note: str | None = "",
) -> Meeting:
    """The organisers set up an accepted meeting between two confirmed participants of
    the event (no directory listing needed: the organisers match them), placed at the
    given slot (and table, else the first free one) or left without a place for the
    scheduler. No meeting with oneself, none for a pair that has an open request or
    meeting, caps hold. Both are mailed — without the other's address. Raises
    MeetingRefused (MeetingAdminRefused for the organiser's reasons)."""
    text = clean_note(note)
    if a_id == b_id:
        raise MeetingAdminRefused("same_person")
    with write_transaction() as session:
        people = lock_people(a_id, b_id)
        if not all(p is not None and p.event_id == event_id for p in people.values()):
            raise MeetingAdminRefused("not_participant")
        if not all(is_active(p) for p in people.values()):
            raise MeetingAdminRefused("not_participant")
        setup = meeting_setup(event_id, lock=True)
        if not setup.enabled:
            raise MeetingAdminRefused("disabled")
        slot = _slot_in(setup, slot_start)
        table = _table_in(setup, table_id)
        if table is not None and slot is None:
            raise MeetingAdminRefused("slot_needed")
        try:
            check_open(a_id, b_id)
        except MeetingRefused as exc:
            raise MeetingAdminRefused("pair_open") from exc
        for person_id in (a_id, b_id):
            if meeting_count(person_id) >= setup.settings.max_per_person:
                raise MeetingAdminRefused("cap_person", people[person_id].full_name)
        now = utcnow()
        meeting = Meeting(
            event_id=event_id,
            requester_id=a_id,
            partner_id=b_id,
            note=text,
            status="accepted",
            arranged=True,
            preferred_slots=[],
            answered_at=now,
        )
        session.add(meeting)
        session.flush()
        table_name = None
        if slot is not None:
            table_name = _put(meeting, setup, people, slot, table, bump_sequence=False).name
        queue_meeting_accepted(session.get(Event, event_id), meeting, table_name)
    return meeting


# --- moving, cancelling, held ---------------------------------------------------------------


def _meeting_of(event_id: int, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None or meeting.event_id != event_id:
        raise MeetingAdminRefused("unknown")
    return meeting


def move_meeting(
    event_id: int, meeting_id: int, slot_start: dt.datetime, table_id: int | None = None
) -> Meeting:
    """Give an accepted meeting a slot and table, or another one (table None: the first
    free one, its current table first). Under the same guard as accepting: the old
    bookings go and the new ones are written in a savepoint. SEQUENCE rises; both are
    mailed an update (iCal REQUEST, same UID) — or, for a meeting that had no slot yet,
    the mail that it is on."""
    with write_transaction() as session:
        meeting = _meeting_of(event_id, meeting_id)
        people = lock_people(meeting.requester_id, meeting.partner_id)
        session.refresh(meeting)
        if meeting.status != "accepted":
            raise MeetingAdminRefused("not_accepted")
        setup = meeting_setup(event_id, lock=True)
        slot = _slot_in(setup, slot_start)
        if slot is None:
            raise MeetingAdminRefused("bad_slot")
        table = _table_in(setup, table_id)
        if meeting.slot_start == slot.start and (table is None or table.id == meeting.table_id):
            raise MeetingAdminRefused("same_place")
        was_placed = meeting.slot_start is not None
        table = _put(meeting, setup, people, slot, table, bump_sequence=True)
        event = session.get(Event, event_id)
        if was_placed:
            queue_meeting_moved(event, meeting, table.name)
        else:
            queue_meeting_accepted(event, meeting, table.name)
    return meeting


def cancel_by_organiser(event_id: int, meeting_id: int) -> Meeting:
    """Call a request or meeting off for both: as if one of them cancelled it (slot and
    table free again, SEQUENCE up, an iCal CANCEL to both when it was placed)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event_id:
        raise MeetingAdminRefused("unknown")
    try:
        return cancel_meeting(meeting.id, meeting.requester_id)
    except MeetingRefused as exc:
        if exc.reason in ("answered", "expired"):
            raise MeetingAdminRefused("not_open") from exc
        raise


def mark_held(event_id: int, meeting_id: int, held: bool) -> Meeting:
    """Check-in for meetings: mark a placed, accepted meeting as held once its slot has
    started (or undo it, at any time)."""
    with write_transaction():
        meeting = _meeting_of(event_id, meeting_id)
        if meeting.status != "accepted":
            raise MeetingAdminRefused("not_accepted")
        if meeting.slot_start is None:
            raise MeetingAdminRefused("not_placed")
        now = utcnow()
        if held and now < meeting.slot_start:
            raise MeetingAdminRefused("not_started")
        if held and meeting.held_at is None:
            meeting.held_at = now
        elif not held:
            meeting.held_at = None
    return meeting


# --- the grid -------------------------------------------------------------------------------


@dataclass
class GridRow:
    slot: Slot
    # One entry per table, in the set-up's order: the meeting there, or None.
    cells: list[Meeting | None]


@dataclass
class MeetingGrid:
    setup: MeetingSetup
    rows: list[GridRow]
    unplaced: list[Meeting]
    open_requests: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def tables(self) -> list[MeetingTable]:
        return self.setup.tables


def meeting_grid(event_id: int) -> MeetingGrid:
    """Slots × tables with every placed meeting (both people loaded), the accepted
    meetings still without a slot, and how many requests are open: five queries, however
    many meetings there are."""
    setup = meeting_setup(event_id)
    accepted = list(
        db.session.scalars(
            select(Meeting)
            .options(joinedload(Meeting.requester), joinedload(Meeting.partner))
            .where(Meeting.event_id == event_id, Meeting.status == "accepted")
            .order_by(Meeting.slot_start, Meeting.id)
        )
    )
    open_requests = db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.event_id == event_id, Meeting.status == "requested")
    )
    at: dict[tuple[dt.datetime, int], Meeting] = {}
    for meeting in accepted:
        if meeting.slot_start is not None:
            at[(meeting.slot_start, meeting.table_id)] = meeting
    rows = [
        GridRow(slot, [at.get((slot.start, table.id)) for table in setup.tables])
        for slot in setup.slots
    ]
    placed = [m for m in accepted if m.slot_start is not None]
    return MeetingGrid(
        setup=setup,
        rows=rows,
        unplaced=[m for m in accepted if m.slot_start is None],
        open_requests=open_requests,
        counts={
            "placed": len(placed),
            "held": sum(1 for m in placed if m.held_at is not None),
            "unplaced": len(accepted) - len(placed),
            "requested": open_requests,
        },
    )


def meeting_of_event(event_id: int, meeting_id: int) -> Meeting | None:
    """One meeting of the event with both people, or None (another event's id too)."""
    return db.session.scalar(
        select(Meeting)
        .options(
            joinedload(Meeting.requester), joinedload(Meeting.partner), joinedload(Meeting.table)
        )
        .where(Meeting.id == meeting_id, Meeting.event_id == event_id)
    )


def meeting_partners(event_id: int) -> list[Registration]:
    """Everyone who can be given a meeting: the event's confirmed participants and
    speakers, by name."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.status == "confirmed")
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
    )


# --- speakers -------------------------------------------------------------------------------


def add_speaker(
    event_id: int,
    first_name: str,
    last_name: str,
    email: str,
    affiliation: str = "",
    language: str = "de",
) -> tuple[Registration, str]:
    """Add a speaker as a meeting partner: a confirmed registration that takes no seat
    (nor frees one when cancelled), listed in the directory for every confirmed
    participant, mailed the usual confirmation with their private link. Returns the
    registration and the raw token; raises events.registration.RegistrationRefused."""
    return register(
        event_id,
        Attendee(
            first_name=first_name,
            last_name=last_name,
            email=email,
            organisation=affiliation,
            language=language,
            source="manual",
            role="speaker",
        ),
        allow_closed=True,
    )


def speakers_of(event_id: int) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.role == "speaker")
            .order_by(Registration.status, Registration.last_name, Registration.first_name)
        )
    )
