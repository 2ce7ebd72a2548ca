"""One-to-one meetings at the venue: the organisers' set-up (blocks, slots, tables, caps),
requests between participants, accepting (which places the meeting in a slot at a table
atomically), declining, cancelling, slots a person is not available, and expiry.

No double booking: a placed meeting writes one MeetingBooking row per person (unique per
person and slot) and takes its table in its slot (a unique partial index on placed
meetings); the database refuses the second of two such writes, and placing retries with
the next free candidate. Caps are counted under both people's row locks (PostgreSQL;
SQLite holds the database write lock), so concurrent accepts cannot pass them.
Pending requests never block a slot: only placed meetings do."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.i18n import event_period
from eventhub.models import Event, Registration
from eventhub.models.base import utcnow
from eventhub.models.network import (
    Meeting,
    MeetingBlock,
    MeetingBooking,
    MeetingSettings,
    MeetingTable,
    MeetingUnavailable,
)
from eventhub.network.meeting_mail import (
    queue_meeting_accepted,
    queue_meeting_cancelled,
    queue_meeting_request,
)
from eventhub.network.visibility import NETWORKING_STATUSES, can_see
from eventhub.text import has_control_characters
from eventhub.tokens import lookup_hash, new_token

SLOT_MINUTES_MIN, SLOT_MINUTES_MAX = 10, 60
BREAK_MINUTES_MAX = 60
NOTE_MAX_LENGTH = 500
TABLE_NAME_MAX_LENGTH = 50
# How often placing tries another slot or table after the database refused one that
# someone else took in the meantime.
PLACEMENT_ATTEMPTS = 5
OPEN_STATUSES = ("requested", "accepted")

# Why a set-up, request or answer was refused, and the HTTP status a page answers with.
REFUSAL_STATUS = {
    # set-up
    "slot_length": 422,
    "break_length": 422,
    "cap": 422,
    "no_blocks": 422,
    "no_tables": 422,
    "block_order": 422,
    "block_outside": 422,
    "block_too_short": 422,
    "block_overlap": 422,
    "table_empty": 422,
    "table_too_long": 422,
    "table_duplicate": 422,
    "table_control": 422,
    "close_after_blocks": 422,
    "strands_table": 409,
    "strands_slot": 409,
    "strands_disabled": 409,
    # requests and answers
    "disabled": 409,
    "self": 400,
    "inactive": 409,
    "not_visible": 404,
    "closed": 409,
    "bad_slot": 422,
    "too_long": 422,
    "control": 422,
    "pending": 409,
    "arranged": 409,
    "cap_you": 409,
    "cap_other": 409,
    "unknown": 404,
    "answered": 409,
    "expired": 409,
    "slot_taken": 409,
    "unavailable": 409,
    "has_meeting": 409,
    "decline_instead": 409,
}


class MeetingRefused(Exception):
    """A set-up, request or answer was refused; `reason` is a key of REFUSAL_STATUS,
    `detail` names the block or table concerned where there is one."""

    def __init__(self, reason: str, detail: str = "", period: tuple | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        # (start, end, time zone) of the block or slot concerned, written out in the
        # reader's language only when the message is shown.
        self.period = period

    @property
    def status(self) -> int:
        return REFUSAL_STATUS[self.reason]

    @property
    def message(self) -> str:
        detail = event_period(*self.period) if self.period else self.detail
        return refusal_message(self.reason, detail)


def refusal_message(reason: str, detail: str = "") -> str:
    """Why, in the user's language."""
    return {
        "slot_length": _(
            "A meeting slot lasts between %(min)d and %(max)d minutes.",
            min=SLOT_MINUTES_MIN,
            max=SLOT_MINUTES_MAX,
        ),
        "break_length": _(
            "The break between slots lasts between 0 and %(max)d minutes.",
            max=BREAK_MINUTES_MAX,
        ),
        "cap": _("Each person needs room for at least one meeting."),
        "no_blocks": _("Please set up at least one time block for meetings."),
        "no_tables": _("Please name at least one table or room for meetings."),
        "block_order": _("The block %(block)s ends before it starts.", block=detail),
        "block_outside": _(
            "The block %(block)s lies outside the event's start and end.", block=detail
        ),
        "block_too_short": _(
            "Not even one meeting slot fits into the block %(block)s.", block=detail
        ),
        "block_overlap": _("The block %(block)s overlaps another block.", block=detail),
        "table_empty": _("Please give every table or room a name."),
        "table_too_long": _(
            "Table and room names have at most %(max)d characters: %(name)s",
            max=TABLE_NAME_MAX_LENGTH,
            name=detail,
        ),
        "table_duplicate": _("The table or room %(name)s is named twice.", name=detail),
        "table_control": _("Please remove control characters from the table and room names."),
        "close_after_blocks": _("Requests must close before the last meeting block ends."),
        "strands_table": _(
            "The table or room %(name)s has meetings planned: move or cancel them first.",
            name=detail,
        ),
        "strands_slot": _(
            "A meeting is planned at %(time)s, which would no longer be a slot: move or "
            "cancel it first.",
            time=detail,
        ),
        "strands_disabled": _(
            "Meetings have been agreed for this event: cancel them before switching meetings "
            "off, so that everyone is told."
        ),
        "disabled": _("This event does not offer one-to-one meetings."),
        "self": _("You cannot request a meeting with yourself."),
        "inactive": _(
            "Only participants with a confirmed registration can request and answer meetings."
        ),
        "not_visible": _(
            "This person is not (or no longer) listed in the directory you see: a meeting "
            "request is not possible."
        ),
        "closed": _("Meeting requests for this event are closed."),
        "bad_slot": _("Please choose one of the event's meeting slots."),
        "too_long": _(
            "Please shorten your note to at most %(max)d characters.", max=NOTE_MAX_LENGTH
        ),
        "control": _("Please remove control characters from your note."),
        "pending": _("There is already an open meeting request between you and this person."),
        "arranged": _("You already have a meeting with this person."),
        "cap_you": _("You have reached the number of meetings possible for each person."),
        "cap_other": _("This person has reached the number of meetings possible for each person."),
        "unknown": _("This meeting does not exist (any more)."),
        "answered": _("This meeting request has already been answered or withdrawn."),
        "expired": _("This meeting request has expired."),
        "slot_taken": _(
            "This slot is no longer free for both of you (or no table is left): please "
            "choose another one."
        ),
        "unavailable": _("One of you is not available in this slot."),
        "decline_instead": _(
            "Only the person who asked can withdraw a request: please decline it instead."
        ),
        "has_meeting": _(
            "You have a meeting in this slot: cancel it first if you are not available."
        ),
    }[reason]


# --- slot arithmetic ----------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    block_id: int | None


def slots_in(
    starts_at: dt.datetime, ends_at: dt.datetime, slot_minutes: int, break_minutes: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) of every slot in one block: `slot_minutes` long, `break_minutes`
    apart, the last one ending at the block's end at the latest."""
    length = dt.timedelta(minutes=slot_minutes)
    step = length + dt.timedelta(minutes=break_minutes)
    if length <= dt.timedelta(0):
        return []
    result = []
    start = starts_at
    while start + length <= ends_at:
        result.append((start, start + length))
        start += step
    return result


def meeting_slots(settings, blocks: Iterable) -> list[Slot]:
    """Every slot of the event's blocks in time order. `blocks` have starts_at, ends_at
    and id (MeetingBlock rows or anything alike)."""
    slots = [
        Slot(start, end, getattr(block, "id", None))
        for block in blocks
        for start, end in slots_in(
            block.starts_at, block.ends_at, settings.slot_minutes, settings.break_minutes
        )
    ]
    return sorted(slots, key=lambda s: s.start)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; pass aware datetimes only")
    return moment.astimezone(dt.UTC)


def slot_key(moment: dt.datetime) -> str:
    """How a slot start is written in Meeting.preferred_slots: UTC ISO 8601."""
    return _utc(moment).isoformat()


# --- set-up -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingSetup:
    settings: MeetingSettings | None
    blocks: list[MeetingBlock]
    tables: list[MeetingTable]

    @property
    def enabled(self) -> bool:
        return self.settings is not None and self.settings.enabled

    @property
    def slots(self) -> list[Slot]:
        return meeting_slots(self.settings, self.blocks) if self.settings else []

    def slot_at(self, start: dt.datetime) -> Slot | None:
        try:
            start = _utc(start)
        except OverflowError:  # e.g. 0001-01-01 with a positive offset: not a slot
            return None
        return next((s for s in self.slots if s.start == start), None)

    @property
    def requests_close_at(self) -> dt.datetime | None:
        return requests_close(
            self.settings.requests_close_at if self.settings else None,
            min((b.starts_at for b in self.blocks), default=None),
        )

    def takes_requests(self, now: dt.datetime | None = None) -> bool:
        """Meetings on, and requests not closed yet."""
        return self.enabled and still_open(self.requests_close_at, now)


def requests_close(
    close_at: dt.datetime | None, first_block_start: dt.datetime | None
) -> dt.datetime | None:
    """When requests close and open ones expire: the organisers' time, else when the
    first block starts (None: no blocks, never)."""
    return close_at or first_block_start


def still_open(closes: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    return closes is None or (now or utcnow()) < closes


def meeting_setup(event_id: int, *, lock: bool = False) -> MeetingSetup:
    """The event's settings, blocks (in time order) and tables (by position): three
    queries. With `lock` (inside a write transaction) the settings row is share-locked:
    requests and accepts run side by side, but a set-up change waits for them (and they
    for it), so nothing is placed into a slot or at a table being removed."""
    settings = db.session.get(
        MeetingSettings,
        event_id,
        populate_existing=True,
        with_for_update={"read": True} if lock else None,
    )
    blocks = list(
        db.session.scalars(
            select(MeetingBlock)
            .where(MeetingBlock.event_id == event_id)
            .order_by(MeetingBlock.starts_at)
            .execution_options(populate_existing=True)
        )
    )
    tables = list(
        db.session.scalars(
            select(MeetingTable)
            .where(MeetingTable.event_id == event_id)
            .order_by(MeetingTable.position, MeetingTable.id)
            .execution_options(populate_existing=True)
        )
    )
    return MeetingSetup(settings, blocks, tables)


def _period(event: Event, start: dt.datetime, end: dt.datetime) -> tuple:
    return (start, end, event.timezone)


def configure_meetings(
    event_id: int,
    *,
    enabled: bool,
    slot_minutes: int,
    break_minutes: int = 0,
    max_per_person: int,
    needs_acceptance: bool = True,
    requests_close_at: dt.datetime | None = None,
    blocks: Sequence[tuple[dt.datetime, dt.datetime]],
    tables: Sequence[str],
) -> MeetingSetup:
    """Store the event's meeting set-up, or raise MeetingRefused.

    Tables are matched by name (a kept name keeps its table and meetings, the order given
    is the order tables fill); blocks are replaced. A change that would leave a placed
    meeting without its table or its slot is refused."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise MeetingRefused("unknown")
    names = _check_setup(
        event,
        enabled=enabled,
        slot_minutes=slot_minutes,
        break_minutes=break_minutes,
        max_per_person=max_per_person,
        requests_close_at=requests_close_at,
        blocks=blocks,
        tables=tables,
    )
    new_slots = {
        (_utc(start), _utc(end))
        for block_start, block_end in blocks
        for start, end in slots_in(block_start, block_end, slot_minutes, break_minutes)
    }
    with write_transaction() as session:
        settings = session.get(MeetingSettings, event_id, with_for_update=True)
        if settings is None:
            settings = MeetingSettings(event_id=event_id)
            session.add(settings)
        placed = session.execute(
            select(Meeting.slot_start, Meeting.slot_end, MeetingTable.name)
            .join(MeetingTable, MeetingTable.id == Meeting.table_id)
            .where(
                Meeting.event_id == event_id,
                Meeting.status == "accepted",
                Meeting.slot_start.is_not(None),
            )
            .order_by(Meeting.slot_start)
        ).all()
        if not enabled and (placed or _has_accepted(event_id)):
            raise MeetingRefused("strands_disabled")
        for start, end, table_name in placed:
            if table_name not in names:
                raise MeetingRefused("strands_table", table_name)
            if (start, end) not in new_slots:
                raise MeetingRefused("strands_slot", period=_period(event, start, end))
        settings.enabled = enabled
        settings.slot_minutes = slot_minutes
        settings.break_minutes = break_minutes
        settings.max_per_person = max_per_person
        settings.needs_acceptance = needs_acceptance
        settings.requests_close_at = requests_close_at
        session.execute(delete(MeetingBlock).where(MeetingBlock.event_id == event_id))
        for start, end in sorted(blocks):
            session.add(MeetingBlock(event_id=event_id, starts_at=start, ends_at=end))
        existing = {
            t.name: t
            for t in session.scalars(select(MeetingTable).where(MeetingTable.event_id == event_id))
        }
        for name, table in existing.items():
            if name not in names:
                # Unplaced (cancelled, declined) meetings may still name it: forget it there.
                session.execute(
                    update(Meeting)
                    .where(Meeting.table_id == table.id)
                    .values(table_id=None)
                    .execution_options(synchronize_session=False)
                )
                session.delete(table)
        session.flush()
        for position, name in enumerate(names):
            table = existing.get(name)
            if table is None:
                session.add(MeetingTable(event_id=event_id, name=name, position=position))
            else:
                table.position = position
        # Unavailable marks for slots that no longer exist mean nothing any more.
        starts = {start for start, _end in new_slots}
        marks = session.scalars(
            select(MeetingUnavailable)
            .join(Registration, Registration.id == MeetingUnavailable.registration_id)
            .where(Registration.event_id == event_id)
        )
        for mark in marks:
            if mark.slot_start not in starts:
                session.delete(mark)
    return meeting_setup(event_id)


def _has_accepted(event_id: int) -> bool:
    return (
        db.session.scalar(
            select(Meeting.id)
            .where(Meeting.event_id == event_id, Meeting.status == "accepted")
            .limit(1)
        )
        is not None
    )


def _check_setup(
    event: Event,
    *,
    enabled,
    slot_minutes,
    break_minutes,
    max_per_person,
    requests_close_at,
    blocks,
    tables,
) -> list[str]:
    """The table names as they are stored, or MeetingRefused for the first problem."""
    if not SLOT_MINUTES_MIN <= slot_minutes <= SLOT_MINUTES_MAX:
        raise MeetingRefused("slot_length")
    if not 0 <= break_minutes <= BREAK_MINUTES_MAX:
        raise MeetingRefused("break_length")
    if max_per_person < 1:
        raise MeetingRefused("cap")
    if enabled and not blocks:
        raise MeetingRefused("no_blocks")
    ordered = sorted((_utc(start), _utc(end)) for start, end in blocks)
    for start, end in ordered:
        label = _period(event, start, end)
        if end <= start:
            raise MeetingRefused("block_order", period=label)
        if start < event.starts_at or end > event.ends_at:
            raise MeetingRefused("block_outside", period=label)
        if not slots_in(start, end, slot_minutes, break_minutes):
            raise MeetingRefused("block_too_short", period=label)
    for (_start, before_end), (start, end) in zip(ordered, ordered[1:], strict=False):
        if start < before_end:
            raise MeetingRefused("block_overlap", period=_period(event, start, end))
    if requests_close_at is not None and ordered and _utc(requests_close_at) >= ordered[-1][1]:
        raise MeetingRefused("close_after_blocks")
    names: list[str] = []
    for raw in tables:
        name = " ".join((raw or "").split())
        if not name:
            raise MeetingRefused("table_empty")
        if len(name) > TABLE_NAME_MAX_LENGTH:
            raise MeetingRefused("table_too_long", name[:TABLE_NAME_MAX_LENGTH] + "…")
        if has_control_characters(name):
            raise MeetingRefused("table_control")
        if name.casefold() in (n.casefold() for n in names):
            raise MeetingRefused("table_duplicate", name)
        names.append(name)
    if enabled and not names:
        raise MeetingRefused("no_tables")
    return names


# --- requests -----------------------------------------------------------------------------


def clean_note(note: str | None) -> str:
    text = (note or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise MeetingRefused("too_long")
    if has_control_characters(text):
        raise MeetingRefused("control")
    return text


def lock_people(*registration_ids: int) -> dict[int, Registration]:
    """The people, re-read under their row locks, always in id order so two accepts
    that involve the same people cannot deadlock. FOR NO KEY UPDATE: the meeting's and
    bookings' foreign keys take key-share locks on the same rows (see contacts)."""
    people = {}
    for registration_id in sorted(set(registration_ids)):
        people[registration_id] = db.session.get(
            Registration,
            registration_id,
            populate_existing=True,
            with_for_update={"key_share": True},
        )
    return people


def is_active(person: Registration | None) -> bool:
    """Confirmed (or a speaker) and not anonymised: an erasure or the retention job may
    have removed the person while a request was on its way (the row lock orders us)."""
    return (
        person is not None and person.status in NETWORKING_STATUSES and person.anonymised_at is None
    )


def meeting_count(registration_id: int) -> int:
    """Meetings that count against the cap: accepted ones, placed or waiting for a slot."""
    return db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(
            or_(Meeting.requester_id == registration_id, Meeting.partner_id == registration_id),
            Meeting.status == "accepted",
        )
    )


def _check_caps(setup: MeetingSetup, me: int, other: int) -> None:
    cap = setup.settings.max_per_person
    if meeting_count(me) >= cap:
        raise MeetingRefused("cap_you")
    if meeting_count(other) >= cap:
        raise MeetingRefused("cap_other")


def check_open(requester_id: int, partner_id: int) -> None:
    statuses = set(
        db.session.scalars(
            select(Meeting.status).where(
                or_(
                    and_(Meeting.requester_id == requester_id, Meeting.partner_id == partner_id),
                    and_(Meeting.requester_id == partner_id, Meeting.partner_id == requester_id),
                ),
                Meeting.status.in_(OPEN_STATUSES),
            )
        )
    )
    if "accepted" in statuses:
        raise MeetingRefused("arranged")
    if statuses:
        raise MeetingRefused("pending")


def request_meeting(
    requester_id: int,
    partner_id: int,
    note: str | None = "",
    preferred_slots: Sequence[dt.datetime] = (),
) -> tuple[Meeting, Placement | None]:
    """Ask another participant for a meeting, or raise MeetingRefused.

    Both confirmed in one event that offers meetings, the partner listed for the
    requester, requests still open, preferred slots real slots, at most one open request
    or meeting per pair (either direction), the requester under their cap. Without
    acceptance the meeting is accepted and placed at once (the Placement says where);
    with acceptance the partner is mailed and the Placement is None."""
    text = clean_note(note)
    if requester_id == partner_id:
        raise MeetingRefused("self")
    try:
        with write_transaction() as session:
            people = lock_people(requester_id, partner_id)
            requester, partner = people[requester_id], people[partner_id]
            if requester is None:
                raise MeetingRefused("unknown")
            if not is_active(requester):
                raise MeetingRefused("inactive")
            if partner is None or not can_see(requester, partner):
                raise MeetingRefused("not_visible")
            setup = meeting_setup(requester.event_id, lock=True)
            if not setup.enabled:
                raise MeetingRefused("disabled")
            if not setup.takes_requests():
                raise MeetingRefused("closed")
            preferred = []
            for start in preferred_slots:
                slot = setup.slot_at(start)
                if slot is None:
                    raise MeetingRefused("bad_slot")
                if slot_key(slot.start) not in preferred:
                    preferred.append(slot_key(slot.start))
            check_open(requester_id, partner_id)
            automatic = not setup.settings.needs_acceptance
            # The partner answers from the mail's link, without their private link.
            token, token_hash = (None, None) if automatic else new_token()
            if automatic:
                _check_caps(setup, requester_id, partner_id)
            elif meeting_count(requester_id) >= setup.settings.max_per_person:
                raise MeetingRefused("cap_you")
            meeting = Meeting(
                event_id=requester.event_id,
                requester_id=requester_id,
                partner_id=partner_id,
                note=text,
                status="accepted" if automatic else "requested",
                preferred_slots=preferred,
                answered_at=utcnow() if automatic else None,
                answer_token_hash=token_hash,
            )
            session.add(meeting)
            session.flush()
            event = session.get(Event, requester.event_id)
            placement = None
            if automatic:
                placement = _place(meeting, setup, None)
                queue_meeting_accepted(event, meeting, _table_name(setup, meeting))
            else:
                queue_meeting_request(event, meeting, token)
    except IntegrityError as exc:  # pragma: no cover - the row locks queue such requests
        raise MeetingRefused("pending") from exc
    return meeting, placement


# --- answering ----------------------------------------------------------------------------


def meeting_by_answer_token(token: str | None) -> Meeting | None:
    """The request behind the answer link in its partner's mail, or None."""
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(
        select(Meeting)
        .options(joinedload(Meeting.requester), joinedload(Meeting.partner))
        .where(Meeting.answer_token_hash == token_hash)
    )


@dataclass(frozen=True)
class Placement:
    """Where an accepted meeting went: placed (slot and table) or waiting for the
    organisers' scheduler (placed False)."""

    placed: bool
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None
    table_name: str | None = None


def accept_meeting(
    meeting_id: int, partner_id: int, slot_start: dt.datetime | None = None
) -> tuple[Meeting, Placement]:
    """The partner accepts, and the meeting is placed in the same transaction: in
    `slot_start` (free for both, available for both) or, without one, in the first slot
    both have free (the requester's preferred slots first), at the first free table.
    When no slot fits it stays accepted without a place (the organisers' scheduler places
    it later): Placement.placed is False. Raises MeetingRefused."""
    with write_transaction() as session:
        meeting = session.get(Meeting, meeting_id, populate_existing=True)
        if meeting is None or meeting.partner_id != partner_id:
            raise MeetingRefused("unknown")
        people = lock_people(meeting.requester_id, meeting.partner_id)
        session.refresh(meeting)
        if meeting.status == "expired":
            raise MeetingRefused("expired")
        if meeting.status != "requested":
            raise MeetingRefused("answered")
        if not all(is_active(p) for p in people.values()):
            raise MeetingRefused("inactive")
        setup = meeting_setup(meeting.event_id, lock=True)
        if not setup.enabled:
            raise MeetingRefused("disabled")
        if not setup.takes_requests():
            raise MeetingRefused("expired")
        if slot_start is not None and setup.slot_at(slot_start) is None:
            raise MeetingRefused("bad_slot")
        _check_caps(setup, partner_id, meeting.requester_id)
        claimed = session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.status == "requested")
            .values(status="accepted", answered_at=utcnow(), addresses_shared=True)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:  # pragma: no cover - the row locks make this the only answer
            raise MeetingRefused("answered")
        session.refresh(meeting)
        placement = _place(meeting, setup, slot_start)
        event = session.get(Event, meeting.event_id)
        queue_meeting_accepted(event, meeting, placement.table_name)
    return meeting, placement


def _place(meeting: Meeting, setup: MeetingSetup, wanted: dt.datetime | None) -> Placement:
    """Give an accepted meeting a slot and a table inside the open write transaction.

    Each attempt runs in a savepoint; when the database refuses it (a booking or the
    table was taken by a transaction that committed meanwhile) the busy slots are read
    again and the next candidate is tried, PLACEMENT_ATTEMPTS times at most."""
    session = db.session
    people = (meeting.requester_id, meeting.partner_id)
    for _attempt in range(PLACEMENT_ATTEMPTS):
        candidate = _first_candidate(meeting, setup, wanted, people)
        if candidate is None:
            return Placement(placed=False)
        slot, table = candidate
        try:
            with session.begin_nested():
                write_placement(meeting, slot, table.id)
        except IntegrityError:
            continue
        session.refresh(meeting)
        return Placement(True, slot.start, slot.end, table.name)
    return Placement(placed=False)


def write_placement(
    meeting: Meeting, slot: Slot, table_id: int, *, bump_sequence: bool = False
) -> bool:
    """Write where an accepted meeting takes place, inside the open write transaction: its
    slot and table, and one booking per person (replacing the meeting's old bookings);
    with `bump_sequence` SEQUENCE rises (a moved meeting's invitation replaces the old).
    The one place that writes a placement — accepting, the organisers' arranging and
    moving, and the published plan all come here. The database refuses a double booking
    (one booking per person and slot, one placed meeting per table and slot) with an
    IntegrityError at the flush: callers run it in a savepoint or roll back. False if the
    meeting is no longer accepted."""
    session = db.session
    session.execute(
        delete(MeetingBooking)
        .where(MeetingBooking.meeting_id == meeting.id)
        .execution_options(synchronize_session=False)
    )
    written = session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == "accepted")
        .values(
            slot_start=slot.start,
            slot_end=slot.end,
            table_id=table_id,
            sequence=Meeting.sequence + (1 if bump_sequence else 0),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if written:
        session.add_all(
            MeetingBooking(meeting_id=meeting.id, registration_id=p, slot_start=slot.start)
            for p in (meeting.requester_id, meeting.partner_id)
        )
    session.flush()
    return written == 1


def _first_candidate(
    meeting: Meeting, setup: MeetingSetup, wanted: dt.datetime | None, people
) -> tuple[Slot, MeetingTable] | None:
    """The first (slot, table) free for both people, as the database has it now."""
    session = db.session
    busy = set(
        session.scalars(
            select(MeetingBooking.slot_start).where(MeetingBooking.registration_id.in_(people))
        )
    )
    unavailable = set(
        session.scalars(
            select(MeetingUnavailable.slot_start).where(
                MeetingUnavailable.registration_id.in_(people)
            )
        )
    )
    taken: dict[dt.datetime, set[int]] = defaultdict(set)
    for start, table_id in session.execute(
        select(Meeting.slot_start, Meeting.table_id).where(
            Meeting.event_id == meeting.event_id,
            Meeting.status == "accepted",
            Meeting.slot_start.is_not(None),
        )
    ):
        taken[start].add(table_id)
    if wanted is not None:
        slot = setup.slot_at(wanted)
        if slot.start in unavailable:
            raise MeetingRefused("unavailable")
        table = _free_table(setup, taken[slot.start])
        if slot.start in busy or table is None:
            raise MeetingRefused("slot_taken")
        return slot, table
    preferred = set(meeting.preferred_slots or [])
    slots = sorted(setup.slots, key=lambda s: (slot_key(s.start) not in preferred, s.start))
    for slot in slots:
        if slot.start in busy or slot.start in unavailable:
            continue
        table = _free_table(setup, taken[slot.start])
        if table is not None:
            return slot, table
    return None


def _free_table(setup: MeetingSetup, taken: set[int]) -> MeetingTable | None:
    return next((t for t in setup.tables if t.id not in taken), None)


def _table_name(setup: MeetingSetup, meeting: Meeting) -> str | None:
    return next((t.name for t in setup.tables if t.id == meeting.table_id), None)


def decline_meeting(meeting_id: int, partner_id: int) -> Meeting:
    """The partner declines an open request. No mail: the requester sees it on their
    page."""
    with write_transaction() as session:
        meeting = session.get(Meeting, meeting_id, populate_existing=True)
        if meeting is None or meeting.partner_id != partner_id:
            raise MeetingRefused("unknown")
        declined = session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.status == "requested")
            .values(status="declined", answered_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if declined != 1:
            session.refresh(meeting)
            raise MeetingRefused("expired" if meeting.status == "expired" else "answered")
        session.refresh(meeting)
    return meeting


def _call_off(meeting_ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """Cancel those of the meetings that are still open, inside the open write transaction,
    each exactly once even when two call it off at the same moment (conditional UPDATEs):
    SEQUENCE rises, the bookings go (slot and table are free again).
    Returns the ids called off, and those of them that had been accepted (their people
    are to be told)."""
    session = db.session
    now = utcnow()
    called_off: dict[str, list[int]] = {}
    for was in OPEN_STATUSES:
        called_off[was] = list(
            session.scalars(
                update(Meeting)
                .where(Meeting.id.in_(meeting_ids), Meeting.status == was)
                .values(
                    status="cancelled",
                    cancelled_at=now,
                    sequence=Meeting.sequence + 1,
                )
                .returning(Meeting.id)
                .execution_options(synchronize_session=False)
            )
        )
    done = [id_ for ids in called_off.values() for id_ in ids]
    if done:
        session.execute(
            delete(MeetingBooking)
            .where(MeetingBooking.meeting_id.in_(done))
            .execution_options(synchronize_session=False)
        )
    return done, called_off["accepted"]


def _tell_called_off(meeting_ids: Sequence[int], *, skip: Iterable[int] = ()) -> None:
    """Mail both people of each called-off meeting (an iCal CANCEL where it had a slot),
    except the registrations in `skip`: one query for the meetings."""
    if not meeting_ids:
        return
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.id.in_(meeting_ids))
        .options(
            joinedload(Meeting.requester), joinedload(Meeting.partner), joinedload(Meeting.table)
        )
        .order_by(Meeting.id)
        .execution_options(populate_existing=True)
    ).all()
    events: dict[int, Event] = {}
    skip = set(skip)
    for meeting in meetings:
        if meeting.event_id not in events:
            events[meeting.event_id] = db.session.get(Event, meeting.event_id)
        queue_meeting_cancelled(
            events[meeting.event_id],
            meeting,
            meeting.table.name if meeting.table else None,
            skip=skip,
        )


def cancel_meeting(meeting_id: int, by_registration_id: int) -> Meeting:
    """Either side calls a meeting off, or the requester withdraws a request (the person
    asked declines it instead): its bookings go, so slot and table are free again;
    SEQUENCE rises; both are mailed (with an iCal CANCEL when it was placed) if it had
    been accepted. The slot and table stay on the record for the CANCEL."""
    with write_transaction() as session:
        meeting = session.get(Meeting, meeting_id, populate_existing=True)
        if meeting is None or by_registration_id not in (meeting.requester_id, meeting.partner_id):
            raise MeetingRefused("unknown")
        if meeting.status == "requested" and by_registration_id == meeting.partner_id:
            raise MeetingRefused("decline_instead")
        done, accepted = _call_off([meeting_id])
        session.refresh(meeting)
        if not done:
            raise MeetingRefused("expired" if meeting.status == "expired" else "answered")
        _tell_called_off(accepted)
    return meeting


def cancel_meetings_of(_app, registration_ids: Sequence[int], notify: bool = True) -> int:
    """The people's registrations were cancelled (inside the open write transaction): call
    off their open requests and meetings as if they had cancelled them — slots and tables
    go back, SEQUENCE rises, and for meetings that were on the other person is mailed (an
    iCal CANCEL when placed), the cancelled person too when `notify`. Returns how many.
    Connected to `events.signals.registrations_cancelled`."""
    ids = list(
        db.session.scalars(
            select(Meeting.id).where(
                or_(
                    Meeting.requester_id.in_(registration_ids),
                    Meeting.partner_id.in_(registration_ids),
                ),
                Meeting.status.in_(OPEN_STATUSES),
            )
        )
    )
    _done, accepted = _call_off(ids) if ids else ([], [])
    _tell_called_off(accepted, skip=() if notify else registration_ids)
    return len(ids)


def cancel_meetings_of_event(_app, event_id: int) -> int:
    """The event was cancelled (inside the open write transaction): every open request and
    meeting of it is called off, the people of accepted ones mailed an iCal CANCEL.
    Connected to `events.signals.event_cancelled`."""
    ids = list(
        db.session.scalars(
            select(Meeting.id).where(
                Meeting.event_id == event_id, Meeting.status.in_(OPEN_STATUSES)
            )
        )
    )
    _done, accepted = _call_off(ids) if ids else ([], [])
    _tell_called_off(accepted)
    return len(ids)


def set_unavailable(registration_id: int, slot_starts: Sequence[dt.datetime]) -> list[dt.datetime]:
    """Replace the slots the person is not available in; refused for a slot in which they
    have a meeting. Returns the stored slot starts in time order."""
    with write_transaction() as session:
        person = lock_people(registration_id)[registration_id]
        if not is_active(person):
            raise MeetingRefused("inactive")
        setup = meeting_setup(person.event_id, lock=True)
        if not setup.enabled:
            raise MeetingRefused("disabled")
        wanted = set()
        for start in slot_starts:
            slot = setup.slot_at(start)
            if slot is None:
                raise MeetingRefused("bad_slot")
            wanted.add(slot.start)
        booked = set(
            session.scalars(
                select(MeetingBooking.slot_start).where(
                    MeetingBooking.registration_id == registration_id
                )
            )
        )
        if wanted & booked:
            raise MeetingRefused("has_meeting")
        current = {
            mark.slot_start: mark
            for mark in session.scalars(
                select(MeetingUnavailable).where(
                    MeetingUnavailable.registration_id == registration_id
                )
            )
        }
        for start, mark in current.items():
            if start not in wanted:
                session.delete(mark)
        for start in wanted - current.keys():
            session.add(MeetingUnavailable(registration_id=registration_id, slot_start=start))
    return sorted(wanted)


def expire_requests(now: dt.datetime | None = None) -> int:
    """Requests not answered when their event's requests close become expired; returns
    how many. Running it again changes nothing."""
    now = now or utcnow()
    expired = 0
    with write_transaction() as session:
        event_ids = list(
            session.scalars(
                select(Meeting.event_id).where(Meeting.status == "requested").distinct()
            )
        )
        for event_id in event_ids:
            closes = meeting_setup(event_id).requests_close_at
            if closes is None or now < closes:
                continue
            expired += session.execute(
                update(Meeting)
                .where(Meeting.event_id == event_id, Meeting.status == "requested")
                .values(status="expired", answered_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
    return expired


# --- reading ------------------------------------------------------------------------------


def meetings_for(registration_id: int, *, include_closed: bool = False) -> list[Meeting]:
    """My requests and meetings in time order (placed ones by slot, then the rest by when
    they were asked), with both people and the table: one query."""
    query = (
        select(Meeting)
        .options(
            joinedload(Meeting.requester),
            joinedload(Meeting.partner),
            joinedload(Meeting.table),
        )
        .where(or_(Meeting.requester_id == registration_id, Meeting.partner_id == registration_id))
        .order_by(Meeting.slot_start.is_(None), Meeting.slot_start, Meeting.created_at, Meeting.id)
    )
    if not include_closed:
        query = query.where(Meeting.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(query))
