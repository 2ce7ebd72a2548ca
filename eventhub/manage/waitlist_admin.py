"""The waiting list and the approval step as organisers see them: seats per pool, the
list in serving order (one entry per person or group), who awaits approval, and where
"up", "down" or "to position N" puts an entry. The rules themselves are in
eventhub.events.waitlist and eventhub.events.seats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import func, select

from eventhub.events.waitlist import positions, waiting_list
from eventhub.extensions import db
from eventhub.models import Event, Registration

# Entries (and people awaiting approval) drawn per pool on the event's page; the CSV of
# the waiting list has everyone.
SHOWN = 200
# The states the seat table counts, per pool.
COUNTED = ("confirmed", "unverified", "offered", "waiting", "pending")


@dataclass(frozen=True)
class Pool:
    """One seat pool of an event (on site, or online at a hybrid event)."""

    mode: str
    capacity: int | None
    seats_left: int | None
    confirmed: int = 0
    unverified: int = 0  # seats held until the address is confirmed
    offered: int = 0
    waiting: int = 0
    pending: int = 0


def pools(event: Event) -> list[Pool]:
    """Counts per pool and state in one query."""
    counts = {
        (mode, status): n
        for mode, status, n in db.session.execute(
            select(Registration.attendance, Registration.status, func.count())
            .where(Registration.event_id == event.id, Registration.status.in_(COUNTED))
            .group_by(Registration.attendance, Registration.status)
        )
    }
    modes = list(event.attendance_modes)
    # People left in a pool the event no longer has (hybrid switched off) stay visible.
    modes += sorted({mode for mode, _status in counts} - set(modes))
    return [
        Pool(
            mode,
            event.pool_capacity(mode),
            event.pool_seats_left(mode),
            **{status: counts.get((mode, status), 0) for status in COUNTED},
        )
        for mode in modes
    ]


@dataclass(frozen=True)
class Entry:
    """One entry of the waiting list: a person, or the people of one group registration."""

    place: int  # 1 = head; what "move" counts (a group is one entry)
    position: int  # what the people were told: 1 + the people ahead
    people: list[Registration]

    @property
    def head(self) -> Registration:
        return self.people[0]

    @property
    def is_group(self) -> bool:
        return len(self.people) > 1

    @property
    def since(self) -> dt.datetime:
        return min(p.created_at for p in self.people)


@dataclass(frozen=True)
class WaitingList:
    mode: str
    entries: list[Entry]  # the first SHOWN
    total_entries: int
    total_people: int


def entries(people: list[Registration]) -> list[Entry]:
    """One pool's waiting people (in serving order) as entries, numbered."""
    where = positions(people)
    return [
        Entry(place, where[group[0].id], group)
        for place, group in enumerate(
            (list(g) for _rank, g in groupby(people, key=lambda p: p.waiting_rank)), start=1
        )
    ]


def waiting_lists(event: Event) -> list[WaitingList]:
    """The waiting list of each pool in serving order, in one query however long."""
    everyone = waiting_list(event.id)
    lists = []
    for mode, people in groupby(everyone, key=lambda p: p.attendance):
        people = list(people)
        found = entries(people)
        lists.append(WaitingList(mode, found[:SHOWN], len(found), len(people)))
    return lists


def pending(event: Event) -> tuple[list[Registration], int]:
    """Registrations awaiting approval, oldest first (the first SHOWN), and how many."""
    condition = (Registration.event_id == event.id, Registration.status == "pending")
    total = db.session.scalar(select(func.count()).where(*condition))
    shown = db.session.scalars(
        select(Registration)
        .where(*condition)
        .order_by(Registration.created_at, Registration.id)
        .limit(SHOWN)
    ).all()
    return list(shown), total


@dataclass(frozen=True)
class Overview:
    """What the event's page shows of seats, the waiting list and approval."""

    pools: list[Pool]
    waiting: list[WaitingList]
    pending: list[Registration]
    pending_total: int
    hybrid: bool = False
    groups: dict[str, int] = field(default_factory=dict)  # group uid -> its number

    @property
    def people_shown(self) -> int:
        """How many people the page names (for the audit log)."""
        waiting = sum(len(e.people) for lst in self.waiting for e in lst.entries)
        return waiting + len(self.pending)

    @property
    def shown(self) -> bool:
        return bool(self.waiting or self.pending or any(p.offered for p in self.pools))


def overview(event: Event) -> Overview:
    waiting = waiting_lists(event)
    shown_pending, pending_total = pending(event)
    # Groups get short names ("group 1", "group 2") in the order they appear.
    uids = [p.group_uid for lst in waiting for e in lst.entries for p in e.people]
    uids += [p.group_uid for p in shown_pending]
    groups = {uid: n for n, uid in enumerate(dict.fromkeys(u for u in uids if u), start=1)}
    return Overview(pools(event), waiting, shown_pending, pending_total, event.hybrid, groups)


def target_place(registration: Registration, direction: str) -> int:
    """The place `move` is given for one step "up" or "down" (a group is one entry)."""
    found = entries(waiting_list(registration.event_id, registration.attendance))
    mine = next(e for e in found if any(p.id == registration.id for p in e.people))
    return max(mine.place - 1, 1) if direction == "up" else mine.place + 1
