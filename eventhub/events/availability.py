"""What a visitor can get at an event right now, per seat pool: a seat, a place on the
waiting list, or nothing (what the forms, the event page and the public API show)."""

from __future__ import annotations

from dataclasses import dataclass

from eventhub.events.seats import queue_ahead
from eventhub.models import Event

# Registration states in which people can still sign up (for a seat or the list).
_SIGNING_UP = ("open", "full")


@dataclass(frozen=True)
class Pool:
    """One seat pool as a visitor sees it."""

    mode: str  # "onsite" or "online"
    seats_left: int | None  # None: unlimited
    full: bool  # a registration now gets no seat (none left, or people wait for them)
    can_wait: bool  # ... and may join this pool's waiting list instead

    @property
    def waitlist_only(self) -> bool:
        return self.full and self.can_wait


def may_join_waitlist(event: Event, mode: str) -> bool:
    """Whether people could be put on this pool's waiting list (it has a capacity, the
    event a waiting list, and registration has not ended)."""
    return (
        event.has_waitlist
        and event.pool_capacity(mode) is not None
        and event.registration_state in _SIGNING_UP
    )


def pools(event: Event) -> list[Pool]:
    """Each pool the person can pick, in the order of event.attendance_modes. "Full" also
    when seats are free but people wait for them (a group at the head of the list that
    does not fit yet): newcomers queue behind them (events.seats.queue_ahead)."""
    signing_up = event.registration_state in _SIGNING_UP
    result = []
    for mode in event.attendance_modes:
        left = event.pool_seats_left(mode)
        # Nobody waits for an unlimited pool: no query for it.
        full = signing_up and left is not None and (left == 0 or queue_ahead(event, mode))
        result.append(Pool(mode, left, full, may_join_waitlist(event, mode)))
    return result


def waitlist_open(event: Event) -> bool:
    """Whether a newcomer would join a waiting list now: some pool has no seat left and
    takes people on its list (no query: people queueing behind a waiting group while
    seats are free are not counted here)."""
    return any(
        event.pool_seats_left(mode) == 0 and may_join_waitlist(event, mode)
        for mode in event.attendance_modes
    )
