"""Read models of the workspace: listings, counts, charts, export rows, check-in codes."""

from __future__ import annotations

import datetime as dt
import hmac
import io
import re
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import abort
from sqlalchemy import Select, and_, case, func, select

from eventhub.events.registration import registration_by_uid
from eventhub.extensions import db
from eventhub.i18n import short_date
from eventhub.labels import NOT_SPECIFIED, ORGANISATION_TYPE_LABELS
from eventhub.models import (
    REGISTRATION_STATUSES,
    Event,
    OutboxMessage,
    Registration,
)
from eventhub.models.base import utcnow
from eventhub.models.network import MeetingSettings
from eventhub.network.meeting_counts import MeetingCounts, meeting_figures
from eventhub.paging import MAX_PAGE, parse_int
from eventhub.qr import make_qr
from eventhub.querying import escape_like
from eventhub.urls import checkin_code, checkin_url

PER_PAGE = 50
SORTS = {
    "name": (Registration.last_name, Registration.first_name),
    "organisation": (Registration.organisation, Registration.last_name),
    "registered": (Registration.created_at,),
    "-registered": (Registration.created_at.desc(),),
}


@dataclass(frozen=True)
class DashboardRow:
    event: Event
    checked_in: int
    waiting: int = 0
    pending: int = 0


def dashboard_rows(events: Select) -> list[DashboardRow]:
    """Managed events with their check-in, waiting and pending counts: two queries however
    many events."""
    found = list(db.session.scalars(events.order_by(Event.starts_at.desc())))
    ids = [e.id for e in found]
    counts = (
        {
            event_id: rest
            for event_id, *rest in db.session.execute(
                select(
                    Registration.event_id,
                    func.count(
                        case(
                            (
                                (Registration.status == "confirmed")
                                & Registration.checked_in_at.is_not(None),
                                1,
                            )
                        )
                    ),
                    func.count(case((Registration.status == "waiting", 1))),
                    func.count(case((Registration.status == "pending", 1))),
                )
                .where(
                    Registration.event_id.in_(ids),
                    Registration.status.in_(("confirmed", "waiting", "pending")),
                )
                .group_by(Registration.event_id)
            )
        }
        if ids
        else {}
    )
    return [DashboardRow(e, *counts.get(e.id, (0, 0, 0))) for e in found]


def _matches(query: str):
    """Every word of the query in name, email or organisation, case-insensitive (umlauts too)."""
    words = query.casefold().split()[:6]
    return and_(
        *(Registration.search_text.like(f"%{escape_like(word)}%", escape="\\") for word in words)
    )


@dataclass(frozen=True)
class Listing:
    page: object
    q: str
    status: str
    sort: str


def registration_listing(event: Event, args) -> Listing:
    q = " ".join(args.get("q", "").split())[:100]
    status = args.get("status", "")
    if status not in ("", *REGISTRATION_STATUSES, "checked_in"):
        status = ""
    sort = args.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    page = parse_int(args.get("page", "1"), 1, MAX_PAGE) or 1
    stmt = select(Registration).where(Registration.event_id == event.id)
    if status == "checked_in":
        stmt = stmt.where(Registration.checked_in_at.is_not(None))
    elif status:
        stmt = stmt.where(Registration.status == status)
    if q:
        stmt = stmt.where(_matches(q))
    stmt = stmt.order_by(*SORTS[sort], Registration.id)
    pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)
    return Listing(pagination, q, status, sort)


@dataclass(frozen=True)
class EventStats:
    confirmed: int
    cancelled: int  # registrations withdrawn or cancelled (not people who left the list)
    checked_in: int
    capacity: int | None
    seats_left: int | None
    started: bool = True
    waiting: int = 0
    offered: int = 0
    pending: int = 0
    declined: int = 0
    left_waiting_list: int = 0  # left it, or let a seat offer expire

    @property
    def no_show_rate(self) -> float | None:
        """Who registered and did not come; None before the event began (nobody could
        have come yet) and without registrations."""
        if not self.started or not self.confirmed:
            return None
        return (self.confirmed - self.checked_in) / self.confirmed


# Why a cancelled registration counts as having left the waiting list, not as a cancellation.
LEFT_LIST_REASONS = ("left_waiting_list", "offer_expired")


def event_stats(event: Event) -> EventStats:
    """The counts of an event's registrations by state, in one query."""

    def count(condition):
        return func.count(case((condition, 1)))

    status = Registration.status
    left_list = Registration.status_reason.in_(LEFT_LIST_REASONS)
    row = db.session.execute(
        select(
            count(status == "confirmed"),
            count((status == "cancelled") & ~left_list),
            count((status == "confirmed") & Registration.checked_in_at.is_not(None)),
            count(status == "waiting"),
            count(status == "offered"),
            count(status == "pending"),
            count(status == "declined"),
            count((status == "cancelled") & left_list),
        ).where(Registration.event_id == event.id)
    ).one()
    confirmed, cancelled, checked_in, *others = row
    return EventStats(
        confirmed,
        cancelled,
        checked_in,
        event.capacity,
        event.seats_left,
        event.starts_at <= utcnow(),
        *others,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def event_charts(event: Event) -> dict[str, list[Bar]]:
    """Registrations per day (cumulative) and by type of organisation."""
    day = func.date(Registration.created_at)
    per_day = db.session.execute(
        select(day, func.count())
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .group_by(day)
        .order_by(day)
    ).all()
    running, over_time = 0, []
    for when, count in per_day:
        running += count
        # SQLite gives the day as text, PostgreSQL as a date.
        over_time.append(Bar(short_date(dt.date.fromisoformat(str(when)[:10])), running))
    by_type = db.session.execute(
        select(Registration.organisation_type, func.count())
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .group_by(Registration.organisation_type)
        .order_by(func.count().desc())
    ).all()
    labels = organisation_type_labels()
    return {
        "over_time": over_time[-30:],
        "by_type": [Bar(labels.get(kind or "", kind or "—"), count) for kind, count in by_type],
    }


def organisation_type_labels() -> dict[str, str]:
    labels = {"": NOT_SPECIFIED, **ORGANISATION_TYPE_LABELS}
    return {kind: str(label) for kind, label in labels.items()}


def checkin_search(event: Event, query: str) -> list[Registration]:
    stmt = select(Registration).where(
        Registration.event_id == event.id, Registration.status == "confirmed"
    )
    if query:
        stmt = stmt.where(_matches(query))
    return list(db.session.scalars(stmt.order_by(Registration.last_name).limit(50)))


def registration_by_uid_or_404(event: Event, uid: str) -> Registration:
    return registration_by_uid(event.id, uid) or abort(404)


def checkin_code_matches(registration: Registration, code: str) -> bool:
    return hmac.compare_digest(checkin_code(registration), code)


def checkin_qr_svg(event: Event, registration: Registration) -> bytes:
    """A complete SVG document (XML declaration, SVG namespace): `svg_inline` leaves the
    namespace out, which only works inside HTML, so browsers showed the file as broken."""
    qr = make_qr(checkin_url(event, registration))
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=4, title=registration.full_name, encoding="utf-8")
    return out.getvalue()


# The path of a check-in QR (eventhub.urls.checkin_url), wherever the site is served.
_SCANNED_PATH = re.compile(
    r"/manage/events/[a-z0-9-]+/checkin/scan/([A-Za-z0-9_-]{1,100})/([A-Za-z0-9_-]{1,100})/?$"
)


@dataclass(frozen=True)
class ScannedCode:
    """What a scanned QR text names: a registration of this event, of another one, or none."""

    registration: Registration | None
    other_event: bool = False


def scanned_code(event: Event, text: str) -> ScannedCode:
    """Reads the text of a scanned QR code for the check-in of `event`.

    The slug in the URL is ignored (an event may have been renamed since the mail went
    out); the registration's uid and its keyed code decide. A genuine code of another
    event only says so: nothing of that event or person is looked at beyond existence.
    """
    try:
        path = urlsplit(text.strip()).path
    except ValueError:
        return ScannedCode(None)
    match = _SCANNED_PATH.search(path)
    if match is None:
        return ScannedCode(None)
    uid, code = match.groups()
    # The code depends on the uid alone: a forged or mistyped code needs no query.
    if not hmac.compare_digest(checkin_code(SimpleNamespace(uid=uid)), code):
        return ScannedCode(None)
    registration = registration_by_uid(event.id, uid)
    if registration is not None:
        return ScannedCode(registration)
    elsewhere = db.session.scalar(select(Registration.id).where(Registration.uid == uid))
    return ScannedCode(None, other_event=elsewhere is not None)


@dataclass(frozen=True)
class Breakdown:
    organisations: list[tuple[str, int]]
    types: list[tuple[str, int, int]]  # label, registered, attended


def attendance_breakdown(event: Event) -> Breakdown:
    attended = Registration.checked_in_at.is_not(None)
    organisations = db.session.execute(
        select(Registration.organisation, func.count())
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            attended,
            Registration.organisation != "",
        )
        .group_by(Registration.organisation)
        .order_by(func.count().desc(), Registration.organisation)
    ).all()
    types = db.session.execute(
        select(
            Registration.organisation_type,
            func.count(),
            func.count(case((attended, 1))),
        )
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .group_by(Registration.organisation_type)
        .order_by(func.count().desc())
    ).all()
    labels = organisation_type_labels()
    return Breakdown(
        organisations=[(name, count) for name, count in organisations],
        types=[(labels.get(t or "", t), r, a) for t, r, a in types],
    )


def meeting_counts(event: Event) -> MeetingCounts | None:
    """None when the event does not offer meetings; otherwise two queries."""
    enabled = db.session.scalar(
        select(MeetingSettings.enabled).where(MeetingSettings.event_id == event.id)
    )
    return meeting_figures(event.id) if enabled else None


def failed_mail(event: Event) -> list[OutboxMessage]:
    """Mail about this event the SMTP server refused for good (shown to its organisers)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.event_id == event.id, OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc())
            .limit(50)
        )
    )
