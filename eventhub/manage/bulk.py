"""Read model of the bulk cancellation: which active registrations a filter selects."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select

from eventhub.extensions import db
from eventhub.manage.event_editing import EventError, local_to_aware
from eventhub.models import ACTIVE_STATUSES, Event, Registration
from eventhub.querying import escape_like

PREVIEW_ROWS = 50


@dataclass(frozen=True)
class BulkFilter:
    """What to select: all given parts must match (an empty part matches everyone)."""

    domain: str = (
        ""  # ASCII form, lower case: bots.example matches a@bots.example, a@x.bots.example
    )
    organisation: str = ""  # case-folded substring of the organisation
    registered_from: dt.datetime | None = None  # aware, inclusive
    registered_before: dt.datetime | None = None  # aware, exclusive

    @property
    def is_empty(self) -> bool:
        return not (
            self.domain or self.organisation or self.registered_from or self.registered_before
        )


@dataclass(frozen=True)
class BulkSelection:
    ids: list[int]  # every match, oldest registration first
    first: list[Registration]  # the first PREVIEW_ROWS of them, loaded for display

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def fingerprint(self) -> str:
        """Names exactly this set: the confirmation must carry it, so a POST cancels the set
        the organiser saw, or nothing."""
        return hashlib.sha256(",".join(map(str, self.ids)).encode()).hexdigest()


def ascii_domain(text: str) -> str | None:
    """The domain as email addresses are keyed (IDNA, lower case), or None if it is none."""
    text = text.strip().removeprefix("@").rstrip(".")
    if not text or "@" in text:
        return None
    try:
        return validate_email(f"x@{text}", check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError:
        return None


def bulk_filter(
    event: Event,
    *,
    domain: str = "",
    organisation: str = "",
    registered_from: dt.datetime | None = None,
    registered_until: dt.datetime | None = None,
) -> BulkFilter:
    """A filter from form values: local wall-clock times in the event's zone, `until`
    taken as the whole minute. Raises EventError("nonexistent", field=...) for a time the
    clocks skip, ValueError("domain") for something that is no domain."""
    domain_key = ascii_domain(domain) if domain.strip() else ""
    if domain_key is None:
        raise ValueError("domain")
    try:
        start = local_to_aware(registered_from, event.timezone)
    except EventError as exc:
        raise EventError(str(exc), field="registered_from") from exc
    try:
        end = local_to_aware(registered_until, event.timezone)
    except EventError as exc:
        raise EventError(str(exc), field="registered_until") from exc
    return BulkFilter(
        domain=domain_key,
        organisation=" ".join(organisation.casefold().split()),
        registered_from=start,
        registered_before=end + dt.timedelta(minutes=1) if end else None,
    )


def matching_registrations(event: Event, wanted: BulkFilter) -> BulkSelection:
    """The active registrations (confirmed, or holding a seat unconfirmed) that the filter
    selects: a program filling an event in confirm-your-address mode leaves held seats."""
    stmt = select(Registration.id, Registration.organisation).where(
        Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES)
    )
    if wanted.domain:
        domain = escape_like(wanted.domain)
        stmt = stmt.where(
            or_(
                Registration.email_normalised.like(f"%@{domain}", escape="\\"),
                Registration.email_normalised.like(f"%.{domain}", escape="\\"),
            )
        )
    if wanted.organisation:
        # search_text holds the case-folded organisation (SQLite's LIKE folds ASCII only),
        # but also name and address: narrow in SQL, decide on the organisation below.
        stmt = stmt.where(
            Registration.search_text.like(f"%{escape_like(wanted.organisation)}%", escape="\\")
        )
    if wanted.registered_from:
        stmt = stmt.where(Registration.created_at >= wanted.registered_from)
    if wanted.registered_before:
        stmt = stmt.where(Registration.created_at < wanted.registered_before)
    rows = db.session.execute(stmt.order_by(Registration.created_at, Registration.id))
    ids = [
        id_
        for id_, organisation in rows
        if not wanted.organisation
        or wanted.organisation in " ".join(organisation.casefold().split())
    ]
    first = ids[:PREVIEW_ROWS]
    loaded = {
        r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(first)))
    }
    return BulkSelection(ids=ids, first=[loaded[id_] for id_ in first if id_ in loaded])
