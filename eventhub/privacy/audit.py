"""The audit log of organisers' access to attendee data (pages, downloads, API reads).

A view that shows or exports people is decorated with `@audited("action")` and tells how
many people it shows with `audit_rows(event, n)`; after a successful (2xx) response the
decorator writes one entry: who (the signed-in account or the API key), when, which event,
what, how many rows. Streamed downloads are recorded when the view returns, before the
first byte goes out, with the count from a COUNT query. Mails the scheduler sends are
recorded as the system (no account, no key). Entries expire after AUDIT_LOG_DAYS
(`purge_audit_log`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, delete, func, or_, select

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models import (
    MANAGING_ROLES,
    ApiToken,
    AuditEntry,
    Event,
    EventHost,
    Membership,
    User,
)

logger = logging.getLogger(__name__)

# Every action the log knows, with the label owners read. An action missing here still
# shows (its name), but every audited route uses one of these.
AUDIT_ACTIONS = {
    "registrations.page": _l("Registrations (workspace page)"),
    "registration.page": _l("One registration (workspace page)"),
    "registration.qr": _l("Check-in code of one registration"),
    "attendees.csv": _l("Attendee list (CSV)"),
    "attendees.xlsx": _l("Attendee list (Excel)"),
    "attendees.pdf": _l("Sign-in sheet (PDF)"),
    "attendees.mail": _l("Attendee list sent by mail"),
    "checkin.page": _l("Check-in list"),
    "checkin.scan": _l("Check-in by QR code"),
    "bulk_cancel.preview": _l("Bulk cancellation preview"),
    "messages.recipients": _l("Message recipients"),
    "messages.preview": _l("Message preview for one recipient"),
    "network.directory": _l("Participant directory (workspace)"),
    "meetings.page": _l("One-to-one meetings (workspace)"),
    "meetings.form": _l("Arrange or move a meeting"),
    "meetings.plan": _l("Meeting plan (preview)"),
    "meetings.table_plan.pdf": _l("Table plan (PDF)"),
    "meetings.schedules.pdf": _l("Personal meeting schedules (PDF)"),
    "meetings.schedule.pdf": _l("One person's meeting schedule (PDF)"),
    "meetings.speakers": _l("Speakers' meeting settings"),
    "certificates.page": _l("Certificates of attendance"),
    "feedback.page": _l("Feedback report"),
    "feedback.csv": _l("Feedback export (CSV)"),
    "feedback.xlsx": _l("Feedback export (Excel)"),
    "funder_report.pdf": _l("Funder report (PDF)"),
    "funder_report.xlsx": _l("Funder report (Excel)"),
    "signin_scan.download": _l("Scanned sign-in sheet"),
    "registrations.api": _l("Registrations read through the API"),
    "registration.api": _l("One registration read through the API"),
    "meetings.api": _l("Meetings read through the API"),
    "meeting.api": _l("One meeting read through the API"),
    "person.export": _l("Everything stored about a person (export)"),
    "person.erase": _l("A person's data erased"),
    "person.erase_form": _l("A person's data: the erasure form"),
}


def action_label(action: str) -> str:
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


def record_access(
    action: str,
    *,
    organisation_id: int | None,
    event_id: int | None = None,
    rows: int = 0,
    user_id: int | None = None,
    api_token_id: int | None = None,
) -> None:
    """Write one audit entry (joins a write transaction already open, else its own)."""
    with write_transaction() as session:
        session.add(
            AuditEntry(
                action=action,
                organisation_id=organisation_id,
                event_id=event_id,
                rows=rows,
                user_id=user_id,
                api_token_id=api_token_id,
            )
        )


@dataclass
class _Note:
    event_id: int
    rows: int


def audit_rows(event: Event, rows: int) -> None:
    """Tell the `@audited` view's decorator which event's people it shows, and how many
    (none: nothing is recorded)."""
    g.audit_note = _Note(event.id, rows)


def audit_skip() -> None:
    """Tell the `@audited` view's decorator that this answer shows nobody (an anonymous
    survey, a form not yet filtered): nothing is recorded."""
    g.audit_note = False


def audited(action: str):
    """Record `action` after a 2xx response of the view, with what `audit_rows` noted.

    The view passes its event and row count through `audit_rows`. A 2xx answer without a
    note is a mistake in the view: logged (and an error under test) rather than a 500."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.pop("audit_note", None)
            response = current_app.make_response(view(*args, **kwargs))
            note = g.pop("audit_note", None)
            if 200 <= response.status_code < 300:
                if note is None:
                    if current_app.testing:
                        raise RuntimeError(f"{view.__name__} is audited but noted no rows")
                    logger.error("%s is audited but noted no rows", view.__name__)
                elif note and note.rows:  # not audit_skip(), nor a search that found nobody
                    _record_request(action, note)
            return response

        wrapper.audit_action = action
        return wrapper

    return decorator


def _record_request(action: str, note: _Note) -> None:
    """Write the request's entry without expiring what the view loaded: a streamed
    download goes on with its event after this commit (else four queries to reload it)."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        _record_for_caller(action, note)
    finally:
        session.expire_on_commit = expire


def _record_for_caller(action: str, note: _Note) -> None:
    client = g.get("api_client")
    if client is not None:
        record_access(
            action,
            organisation_id=client.organisation_id,
            event_id=note.event_id,
            rows=note.rows,
            api_token_id=client.token_id,
        )
        return
    user_id = current_user.id if current_user.is_authenticated else None
    record_access(
        action,
        organisation_id=acting_organisation_id(note.event_id, user_id),
        event_id=note.event_id,
        rows=note.rows,
        user_id=user_id,
    )


def acting_organisation_id(event_id: int, user_id: int | None) -> int | None:
    """The organisation through which the account manages the event: one of its own among
    the event's (accepted) hosts and co-hosts; for a site admin or the scheduler, the
    event's first host."""
    member = and_(
        Membership.organisation_id == EventHost.organisation_id,
        Membership.user_id == (user_id if user_id is not None else -1),
    )
    return db.session.scalar(
        select(EventHost.organisation_id)
        .outerjoin(Membership, member)
        .where(
            EventHost.event_id == event_id,
            EventHost.role.in_(MANAGING_ROLES),
            EventHost.accepted_at.is_not(None),
        )
        .order_by(Membership.id.is_(None), EventHost.id)
        .limit(1)
    )


def record_list_mail(event_id: int, rows: int, user_id: int | None) -> None:
    """An attendee list mailed: on an organiser's request (their account) or by the
    scheduler (the system: no account, no key). In the caller's write transaction."""
    record_access(
        "attendees.mail",
        organisation_id=acting_organisation_id(event_id, user_id),
        event_id=event_id,
        rows=rows,
        user_id=user_id,
    )


def visible_entries(organisation_id: int):
    """Condition on AuditEntry: what the owners of that organisation may read: access by
    its own people and keys, and any access to the events it hosts or co-hosts."""
    hosted = select(EventHost.event_id).where(
        EventHost.organisation_id == organisation_id,
        EventHost.role.in_(MANAGING_ROLES),
        EventHost.accepted_at.is_not(None),
    )
    return or_(
        AuditEntry.organisation_id == organisation_id,
        AuditEntry.event_id.in_(hosted),
    )


def purge_audit_log(now: dt.datetime) -> int:
    """Delete the entries older than AUDIT_LOG_DAYS; returns how many went."""
    cutoff = now - dt.timedelta(days=current_app.config["AUDIT_LOG_DAYS"])
    with write_transaction() as session:
        result = session.execute(
            delete(AuditEntry)
            .where(AuditEntry.created_at < cutoff)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


@dataclass(frozen=True)
class AuditRow:
    """One entry as the owners' page shows it."""

    entry: AuditEntry
    account_name: str | None
    account_email: str | None
    key_name: str | None
    event_title: str | None

    @property
    def label(self) -> str:
        return action_label(self.entry.action)


@dataclass(frozen=True)
class AuditPage:
    """One page of the log (what paging.existing_page and the template's pager read)."""

    items: list[AuditRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(-(-self.total // self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def audit_log_page(
    organisation_id: int, *, event_id: int | None, page: int, per_page: int = 50
) -> AuditPage:
    """One page of what the organisation's owners may read, newest first, optionally of
    one event (two queries: the count and the page)."""
    where = [visible_entries(organisation_id)]
    if event_id is not None:
        where.append(AuditEntry.event_id == event_id)
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*where)) or 0
    rows = db.session.execute(
        select(AuditEntry, User.name, User.email, ApiToken.name, Event.title)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(ApiToken, ApiToken.id == AuditEntry.api_token_id)
        .outerjoin(Event, Event.id == AuditEntry.event_id)
        .where(*where)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AuditPage([AuditRow(*row) for row in rows], page, per_page, total)


def audited_events(organisation_id: int) -> list[tuple[int, str]]:
    """(id, title) of the events with entries the organisation's owners may read."""
    rows = db.session.execute(
        select(Event.id, Event.title)
        .where(Event.id.in_(select(AuditEntry.event_id).where(visible_entries(organisation_id))))
        .order_by(Event.starts_at.desc(), Event.id)
    )
    return [(id_, title) for id_, title in rows]
