"""The organisers' "schedule all accepted requests": the scheduling problem read from the
database, the preview of the plan, publishing exactly the plan the organiser saw (or
refusing when anything changed since), and the placed meetings for the printed plans.

The preview carries a digest of every input the plan depends on (slots, tables, the
requests to place, the meetings already placed, unavailable slots, the cap). Publishing
rebuilds the problem under the settings row lock and the people's row locks; a different
digest means the organiser would publish a plan they did not see, so it is refused.
Placements are written as the service layer writes them (the meeting's slot and table and
one booking per person), so the database refuses any double booking; then everything is
rolled back and refused as well."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.network import Meeting, MeetingTable, MeetingUnavailable
from eventhub.network.meeting_mail import pairs
from eventhub.network.meeting_plan_mail import queue_meeting_not_scheduled, queue_meeting_scheduled
from eventhub.network.meetings import (
    MeetingSetup,
    Slot,
    meeting_setup,
    slot_key,
    write_placement,
)
from eventhub.network.scheduling import (
    MeetingRequest,
    PlacedMeeting,
    SchedulePlan,
    SchedulingProblem,
    schedule,
    upper_bound,
)
from eventhub.network.visibility import NETWORKING_STATUSES


class PlanRefused(Exception):
    """Publishing was refused; `reason` is "disabled", "changed" or "conflict"."""

    status = 409

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PlanInput:
    """The problem and what it was read from."""

    setup: MeetingSetup
    problem: SchedulingProblem
    meetings: dict[int, Meeting]  # the requests to place, by id, people loaded
    placed: list[Meeting]  # meetings already placed (people loaded)
    digest: str


@dataclass(frozen=True)
class PlannedMeeting:
    meeting: Meeting
    slot: Slot
    table: MeetingTable


@dataclass(frozen=True)
class PlanPreview:
    event_id: int
    enabled: bool
    slots: list[Slot]
    placements: list[PlannedMeeting]  # in slot, then table order
    unplaced: list[Meeting]
    people_without_meeting: list[Registration]
    requested: int  # accepted requests without a slot, i.e. what the plan tries to place
    already_placed: int
    upper_bound: int
    digest: str

    @property
    def placed(self) -> int:
        return len(self.placements)

    def by_slot(self) -> list[tuple[Slot, list[PlannedMeeting]]]:
        groups: dict[dt.datetime, list[PlannedMeeting]] = defaultdict(list)
        for planned in self.placements:
            groups[planned.slot.start].append(planned)
        return [(slot, groups[slot.start]) for slot in self.slots if groups[slot.start]]


@dataclass(frozen=True)
class PublishResult:
    placed: int
    mailed: int  # people who received at least one mail


def _people_of_accepted(event_id: int):
    """Ids of everyone in an accepted meeting of the event (a subquery)."""
    accepted = (Meeting.event_id == event_id, Meeting.status == "accepted")
    return union(
        select(Meeting.requester_id.label("id")).where(*accepted),
        select(Meeting.partner_id.label("id")).where(*accepted),
    ).subquery()


def _lock_people_with_accepted_meetings(event_id: int) -> None:
    """Row-lock everyone in an accepted meeting of the event, in id order (as the service
    layer locks two people), so nobody accepts, marks a slot unavailable or is placed
    elsewhere while the plan is checked and written. SQLite: the write lock does this."""
    people = _people_of_accepted(event_id)
    db.session.execute(
        select(Registration.id)
        .where(Registration.id.in_(select(people.c.id)))
        .order_by(Registration.id)
        .with_for_update(key_share=True)
    ).all()


def read_plan_input(event_id: int, *, lock: bool = False) -> PlanInput:
    """The scheduling problem of the event as the database has it: five queries (the
    set-up's three, the accepted meetings with both people, the unavailable marks)."""
    setup = meeting_setup(event_id, lock=lock)
    accepted = list(
        db.session.scalars(
            select(Meeting)
            .options(joinedload(Meeting.requester), joinedload(Meeting.partner))
            .where(Meeting.event_id == event_id, Meeting.status == "accepted")
            .order_by(Meeting.answered_at, Meeting.id)
            .execution_options(populate_existing=True)
        )
    )
    people = _people_of_accepted(event_id)
    marks = db.session.execute(
        select(MeetingUnavailable.registration_id, MeetingUnavailable.slot_start)
        .where(MeetingUnavailable.registration_id.in_(select(people.c.id)))
        .order_by(MeetingUnavailable.registration_id, MeetingUnavailable.slot_start)
    ).all()
    slots = setup.slots
    slot_starts = {slot_key(s.start): s.start for s in slots}
    active = set(NETWORKING_STATUSES)
    to_place = [
        m
        for m in accepted
        if m.slot_start is None and m.requester.status in active and m.partner.status in active
    ]
    placed = [m for m in accepted if m.slot_start is not None]
    unavailable: dict[int, list[dt.datetime]] = defaultdict(list)
    for registration_id, start in marks:
        unavailable[registration_id].append(start)
    problem = SchedulingProblem(
        slots=[s.start for s in slots],
        tables=[t.id for t in setup.tables],
        requests=[
            MeetingRequest(
                m.id,
                m.requester_id,
                m.partner_id,
                tuple(slot_starts[k] for k in m.preferred_slots or [] if k in slot_starts),
            )
            for m in to_place
        ],
        placed=[
            PlacedMeeting(m.requester_id, m.partner_id, m.slot_start, m.table_id) for m in placed
        ],
        unavailable=dict(unavailable),
        default_cap=setup.settings.max_per_person if setup.settings else None,
    )
    return PlanInput(setup, problem, {m.id: m for m in to_place}, placed, _digest(setup, problem))


def _digest(setup: MeetingSetup, problem: SchedulingProblem) -> str:
    """A stable hash of everything the plan depends on (and of the table names it shows)."""

    def when(moment: dt.datetime) -> str:
        return slot_key(moment)

    data = {
        "enabled": setup.enabled,
        "slots": [[when(s.start), when(s.end)] for s in setup.slots],
        "tables": [[t.id, t.name] for t in setup.tables],
        "cap": problem.default_cap,
        "requests": [
            [r.request_id, r.person_a, r.person_b, [when(s) for s in r.preferred_slots]]
            for r in problem.requests
        ],
        "placed": sorted([p.person_a, p.person_b, when(p.slot), p.table] for p in problem.placed),
        "unavailable": sorted(
            [person, sorted(when(s) for s in slots)]
            for person, slots in problem.unavailable.items()
        ),
    }
    encoded = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _planned(plan_input: PlanInput, plan: SchedulePlan) -> list[PlannedMeeting]:
    slots = {s.start: s for s in plan_input.setup.slots}
    tables = {t.id: t for t in plan_input.setup.tables}
    position = {t.id: i for i, t in enumerate(plan_input.setup.tables)}
    planned = [
        PlannedMeeting(plan_input.meetings[p.request_id], slots[p.slot], tables[p.table])
        for p in plan.placements
    ]
    return sorted(planned, key=lambda p: (p.slot.start, position[p.table.id]))


def preview_plan(event_id: int) -> PlanPreview:
    """What "schedule all accepted requests" would do now; changes nothing."""
    plan_input = read_plan_input(event_id)
    plan = schedule(plan_input.problem)
    people = {
        person.id: person
        for m in plan_input.meetings.values()
        for person in (m.requester, m.partner)
    }
    return PlanPreview(
        event_id=event_id,
        enabled=plan_input.setup.enabled,
        slots=plan_input.setup.slots,
        placements=_planned(plan_input, plan),
        unplaced=[plan_input.meetings[r] for r in plan.unplaced],
        people_without_meeting=sorted(
            (people[p] for p in plan.people_without_meeting),
            key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), r.id),
        ),
        requested=len(plan_input.problem.requests),
        already_placed=len(plan_input.placed),
        upper_bound=upper_bound(plan_input.problem),
        digest=plan_input.digest,
    )


def publish_plan(event_id: int, digest: str) -> PublishResult:
    """Place the plan the organiser previewed (`digest`) and mail everyone concerned:
    each placed meeting to both people (slot, table, iCal REQUEST), and everyone with a
    request that could not be placed a list of those. A plan that places nothing writes
    and mails nothing. Raises PlanRefused (nothing is written or mailed then)."""
    try:
        with write_transaction() as session:
            setup = meeting_setup(event_id, lock=True)
            if not setup.enabled:
                raise PlanRefused("disabled")
            _lock_people_with_accepted_meetings(event_id)
            plan_input = read_plan_input(event_id)
            if plan_input.digest != digest:
                raise PlanRefused("changed")
            plan = schedule(plan_input.problem)
            planned = _planned(plan_input, plan)
            if not planned:  # nothing to write; mailing the left-out again helps nobody
                return PublishResult(placed=0, mailed=0)
            for item in planned:
                _write_placement(item)
            session.flush()
            event = session.get(Event, event_id)
            # The placed meetings as written (slot, table, SEQUENCE), read back in one query.
            session.scalars(
                select(Meeting)
                .where(Meeting.id.in_([item.meeting.id for item in planned]))
                .execution_options(populate_existing=True)
            ).all()
            mailed: set[int] = set()
            for item in planned:
                queue_meeting_scheduled(event, item.meeting, item.table.name)
                mailed.update((item.meeting.requester_id, item.meeting.partner_id))
            left_out: dict[int, tuple[Registration, list[tuple[Registration, Meeting]]]] = {}
            for request_id in plan.unplaced:
                meeting = plan_input.meetings[request_id]
                for reader, other in pairs(meeting):
                    left_out.setdefault(reader.id, (reader, []))[1].append((other, meeting))
            for reader, meetings in left_out.values():
                queue_meeting_not_scheduled(event, reader, meetings)
                mailed.add(reader.id)
    except IntegrityError as exc:
        raise PlanRefused("conflict") from exc
    return PublishResult(placed=len(planned), mailed=len(mailed))


def _write_placement(item: PlannedMeeting) -> None:
    """The meeting's slot and table (SEQUENCE up: a new invitation) and one booking per
    person, as accepting writes them: the database refuses a double booking."""
    if not write_placement(item.meeting, item.slot, item.table.id, bump_sequence=True):
        raise PlanRefused("changed")  # pragma: no cover - the row locks keep it as read


def placed_meetings(event_id: int, registration_id: int | None = None) -> list[Meeting]:
    """Accepted meetings with a slot, in slot and table order, with both people and the
    table: one query. With `registration_id` only that person's."""
    query = (
        select(Meeting)
        .join(MeetingTable, MeetingTable.id == Meeting.table_id)
        .options(
            joinedload(Meeting.requester),
            joinedload(Meeting.partner),
            joinedload(Meeting.table),
        )
        .where(
            Meeting.event_id == event_id,
            Meeting.status == "accepted",
            Meeting.slot_start.is_not(None),
        )
        .order_by(Meeting.slot_start, MeetingTable.position, MeetingTable.id)
    )
    if registration_id is not None:
        query = query.where(
            or_(Meeting.requester_id == registration_id, Meeting.partner_id == registration_id)
        )
    return list(db.session.scalars(query))


def has_placed_meetings(event_id: int, registration_id: int) -> bool:
    return (
        db.session.scalar(
            select(Meeting.id)
            .where(
                Meeting.event_id == event_id,
                Meeting.status == "accepted",
                Meeting.slot_start.is_not(None),
                or_(Meeting.requester_id == registration_id, Meeting.partner_id == registration_id),
            )
            .limit(1)
        )
        is not None
    )
