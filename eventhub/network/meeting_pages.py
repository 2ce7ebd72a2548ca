"""What a participant's meeting pages show: requests to and from them, their meetings
(with the partner's address only where accepting revealed it), the slots free for both
sides of a request, their unavailable slots, and the personal agenda (the event's
programme and their placed meetings in time order). Reading only: every change goes
through eventhub.network.meetings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.models import AgendaItem, Event, Registration
from eventhub.models.network import (
    Meeting,
    MeetingBlock,
    MeetingBooking,
    MeetingSettings,
    MeetingUnavailable,
)
from eventhub.network.meetings import (
    MeetingRefused,
    MeetingSetup,
    Slot,
    meeting_setup,
    meetings_for,
    requests_close,
    still_open,
)
from eventhub.network.visibility import NETWORKING_STATUSES, can_see

# The answer "first slot we both have free" in the accept forms' slot choice.
FIRST_FREE = "first"


@dataclass(frozen=True)
class MeetingEntry:
    """One of my requests or meetings, seen from my side."""

    meeting: Meeting
    other: Registration
    incoming: bool

    @property
    def other_email(self) -> str | None:
        """The partner's address once the meeting was accepted between the two of them;
        never for one accepted automatically or arranged by the organisers (nobody agreed to
        share it)."""
        if self.meeting.shares_addresses:
            return self.other.email
        return None


@dataclass
class MeetingOverview:
    setup: MeetingSetup
    requests_open: bool
    incoming: list[MeetingEntry] = field(default_factory=list)
    outgoing: list[MeetingEntry] = field(default_factory=list)
    accepted: list[MeetingEntry] = field(default_factory=list)
    closed: list[MeetingEntry] = field(default_factory=list)
    # For each incoming request, the slots free for both (a table left in it too).
    free_slots: dict[int, list[Slot]] = field(default_factory=dict)
    unavailable: set[dt.datetime] = field(default_factory=set)
    booked: set[dt.datetime] = field(default_factory=set)


@dataclass(frozen=True)
class MeetingsOffered:
    enabled: bool = False
    requests_open: bool = False


def meetings_offered(event_id: int) -> MeetingsOffered:
    """Whether the event offers meetings and takes requests now, in one query (the
    networking page links to the meetings, its cards to a request, when they do)."""
    row = db.session.execute(
        select(
            MeetingSettings.enabled,
            MeetingSettings.requests_close_at,
            select(func.min(MeetingBlock.starts_at))
            .where(MeetingBlock.event_id == event_id)
            .scalar_subquery(),
        ).where(MeetingSettings.event_id == event_id)
    ).first()
    if row is None or not row[0]:
        return MeetingsOffered()
    return MeetingsOffered(True, still_open(requests_close(row[1], row[2])))


def meeting_partner(viewer: Registration, person_id: int) -> Registration | None:
    """The person a participant may ask for a meeting: someone they see in the
    directory; None otherwise."""
    person = db.session.get(Registration, person_id)
    if person is None or not can_see(viewer, person):
        return None
    return person


def meeting_overview(registration: Registration) -> MeetingOverview:
    """Everything the meetings page shows; a fixed number of queries whatever the number
    of requests."""
    setup = meeting_setup(registration.event_id)
    overview = MeetingOverview(setup=setup, requests_open=setup.takes_requests())
    for meeting in meetings_for(registration.id, include_closed=True):
        incoming = meeting.partner_id == registration.id
        other = meeting.requester if incoming else meeting.partner
        entry = MeetingEntry(meeting, other, incoming)
        if meeting.status == "accepted":
            overview.accepted.append(entry)
        elif meeting.status != "requested":
            overview.closed.append(entry)
        elif incoming:
            overview.incoming.append(entry)
        else:
            overview.outgoing.append(entry)
    people = {registration.id} | {e.other.id for e in overview.incoming}
    busy, unavailable, tables_taken = _occupancy(registration.event_id, people)
    overview.booked = busy[registration.id]
    overview.unavailable = unavailable[registration.id]
    for entry in overview.incoming:
        overview.free_slots[entry.meeting.id] = _free_for_both(
            setup, (registration.id, entry.other.id), busy, unavailable, tables_taken
        )
    return overview


def free_slots_for(meeting: Meeting, setup: MeetingSetup) -> list[Slot]:
    """The slots in which both people of a request are free and a table is left."""
    people = (meeting.requester_id, meeting.partner_id)
    busy, unavailable, tables_taken = _occupancy(meeting.event_id, set(people))
    return _free_for_both(setup, people, busy, unavailable, tables_taken)


def _occupancy(event_id: int, people: set[int]):
    """Per person: booked and unavailable slot starts; per slot: tables taken. Three
    queries."""
    busy: dict[int, set] = {p: set() for p in people}
    unavailable: dict[int, set] = {p: set() for p in people}
    for person, start in db.session.execute(
        select(MeetingBooking.registration_id, MeetingBooking.slot_start).where(
            MeetingBooking.registration_id.in_(people)
        )
    ):
        busy[person].add(start)
    for person, start in db.session.execute(
        select(MeetingUnavailable.registration_id, MeetingUnavailable.slot_start).where(
            MeetingUnavailable.registration_id.in_(people)
        )
    ):
        unavailable[person].add(start)
    tables_taken = Counter(
        db.session.scalars(
            select(Meeting.slot_start).where(
                Meeting.event_id == event_id,
                Meeting.status == "accepted",
                Meeting.slot_start.is_not(None),
            )
        )
    )
    return busy, unavailable, tables_taken


def _free_for_both(setup, people, busy, unavailable, tables_taken) -> list[Slot]:
    return [
        slot
        for slot in setup.slots
        if tables_taken[slot.start] < len(setup.tables)
        and not any(slot.start in busy[p] or slot.start in unavailable[p] for p in people)
    ]


def parse_slot(value: str) -> dt.datetime:
    """A slot as the forms send it (slot_key: UTC ISO 8601), or MeetingRefused."""
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive")
        moment.astimezone(dt.UTC)  # 0001-01-01T00:00+05:00 overflows
    except (TypeError, ValueError, OverflowError) as exc:
        raise MeetingRefused("bad_slot") from exc
    return moment


# --- the personal agenda -------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaEntry:
    """A line of the personal agenda: a programme item or one of my meetings."""

    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    title: str = ""
    speakers: tuple = ()
    meeting: MeetingEntry | None = None


def personal_agenda(registration: Registration) -> list[AgendaEntry]:
    """The event's programme and my placed meetings, in time order. Programme items
    without a time keep their place after the item before them."""
    event: Event = registration.event
    items = db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    keyed = []
    previous = event.starts_at
    for position, item in enumerate(items):
        previous = item.starts_at or previous
        entry = AgendaEntry(item.starts_at, item.ends_at, item.title, tuple(item.speakers or ()))
        keyed.append(((previous, 0, position), entry))
    if registration.status in NETWORKING_STATUSES:
        for position, meeting in enumerate(meetings_for(registration.id)):
            if meeting.status != "accepted" or meeting.slot_start is None:
                continue
            incoming = meeting.partner_id == registration.id
            other = meeting.requester if incoming else meeting.partner
            entry = AgendaEntry(
                meeting.slot_start,
                meeting.slot_end,
                meeting=MeetingEntry(meeting, other, incoming),
            )
            keyed.append(((meeting.slot_start, 1, position), entry))
    return [entry for _key, entry in sorted(keyed, key=lambda pair: pair[0])]
