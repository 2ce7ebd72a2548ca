"""Attendee lists: the rows of the downloads, and mailing the list to an organiser
(on demand, and the day before the event)."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from eventhub.database import write_transaction
from eventhub.events.questions import answer_columns, answers_of
from eventhub.extensions import db
from eventhub.i18n import current_language, event_period
from eventhub.labels import ATTENDANCE_LABELS, STATUS_LABELS
from eventhub.manage.exports import AttendeeRow, SheetInfo, attendee_csv, attendee_xlsx
from eventhub.manage.notifications import queue_attendee_list
from eventhub.manage.reports import event_stats
from eventhub.models import Event, Registration, User
from eventhub.privacy.audit import record_list_mail
from eventhub.querying import event_load_options


def export_headers(event: Event) -> list[str]:
    """The columns' headings; a hybrid event's lists say who attends on site or online."""
    return [
        _("No."),
        _("Last name"),
        _("First name"),
        _("Email address"),
        _("Organisation"),
        _("Job title"),
        _("Status"),
        _("Registered at"),
        _("Checked in"),
        *([_("Attendance")] if event.hybrid else []),
    ]


def answer_headers(event: Event, *, sensitive: bool = True) -> list[str]:
    """One column per question of the event (attendee_rows(..., answers=True)); without
    the sensitive ones unless `sensitive`."""
    return answer_columns(event.id, current_language(), sensitive=sensitive).headers


def attendee_rows(
    event: Event,
    *,
    confirmed_only: bool = False,
    status: str = "",
    onsite_only: bool = False,
    answers: bool = False,
    sensitive: bool = True,
) -> Iterator[AttendeeRow]:
    """Rows for the exports, streamed from the database in batches: everyone, or the people
    of one `status`. The waiting list comes in the order it is served (per pool), numbered
    by position (1 + the people ahead, a group sharing its number); the others by name.
    `onsite_only` leaves out who attends online (the sign-in sheet). With `answers`, the
    answers to the event's questions (answer_headers(event)), one query per batch."""
    stmt = _attendee_filter(
        select(
            Registration.id,
            Registration.last_name,
            Registration.first_name,
            Registration.email,
            Registration.organisation,
            Registration.job_title,
            Registration.status,
            Registration.created_at,
            Registration.checked_in_at,
            Registration.attendance,
            Registration.waiting_rank,
        ).execution_options(yield_per=1000),
        event,
        confirmed_only=confirmed_only,
        status=status,
        onsite_only=onsite_only,
    )
    if confirmed_only:
        status = "confirmed"
    if status == "waiting":
        stmt = stmt.order_by(Registration.attendance, Registration.waiting_rank, Registration.id)
    else:
        stmt = stmt.order_by(Registration.last_name, Registration.first_name, Registration.id)
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    modes = {mode: str(label) for mode, label in ATTENDANCE_LABELS.items()} if event.hybrid else {}
    tz = event.tz
    language = current_language()
    columns = answer_columns(event.id, language, sensitive=sensitive) if answers else None
    pool, rank, seen, number = None, None, 0, 0
    for batch in db.session.execute(stmt).partitions():
        given = answers_of([row.id for row in batch]) if columns and columns.questions else {}
        for row in batch:
            if status != "waiting":
                number += 1
            elif (row.attendance, row.waiting_rank) != (pool, rank):
                if row.attendance != pool:
                    seen = 0
                pool, rank, number = row.attendance, row.waiting_rank, seen + 1
            seen += 1
            yield AttendeeRow(
                number=number,
                last_name=row.last_name,
                first_name=row.first_name,
                email=row.email,
                organisation=row.organisation,
                job_title=row.job_title,
                status=labels.get(row.status, row.status),
                registered_at=row.created_at.astimezone(tz),
                checked_in=row.checked_in_at is not None,
                attendance=modes.get(row.attendance, row.attendance) if modes else "",
                answers=columns.cells(given.get(row.id, {}), language) if columns else (),
            )


def _attendee_filter(stmt, event: Event, *, confirmed_only: bool, status: str, onsite_only: bool):
    """Who is on the list: the one filter of attendee_rows and attendee_count."""
    stmt = stmt.where(Registration.event_id == event.id)
    if confirmed_only:
        status = "confirmed"
    if status:
        stmt = stmt.where(Registration.status == status)
    if onsite_only:
        stmt = stmt.where(Registration.attendance == "onsite")
    return stmt


def attendee_count(
    event: Event, *, confirmed_only: bool = False, status: str = "", onsite_only: bool = False
) -> int:
    """How many rows attendee_rows gives with the same filters (one COUNT query)."""
    stmt = _attendee_filter(
        select(func.count(Registration.id)),
        event,
        confirmed_only=confirmed_only,
        status=status,
        onsite_only=onsite_only,
    )
    return db.session.scalar(stmt) or 0


def sheet_info(event: Event, language: str) -> SheetInfo:
    venue = ", ".join(
        p
        for p in (
            event.venue_name,
            event.venue_street,
            f"{event.venue_postcode} {event.venue_city}".strip(),
        )
        if p
    )
    hosts = ", ".join(
        h.organisation.name for h in event.hosts if h.role in ("host", "cohost") and h.accepted
    )
    return SheetInfo(
        title=event.title,
        period=event_period(event.starts_at, event.ends_at, event.timezone),
        venue=venue,
        hosts=hosts,
        funding_note=event.funding_note,
        language=language,
    )


def queue_list(
    event: Event, *, to: str, to_name: str, language: str, requested_by: int | None = None
) -> None:
    """The attendee list with CSV and XLSX attached, in the caller's transaction. Mailed
    lists leave out the answers to sensitive questions (diet, accessibility needs): a mail
    travels further than a download behind the workspace login. The audit log records it
    for the account that asked (`requested_by`), else (the scheduler) for the system."""
    with force_locale(language):
        headers = export_headers(event)
        answers = answer_headers(event, sensitive=False)
        hybrid = event.hybrid

        def rows():
            return attendee_rows(event, answers=True, sensitive=False)

        csv_bytes = b"".join(attendee_csv(rows(), headers, answers, attendance=hybrid))
        xlsx_bytes = b"".join(
            attendee_xlsx(
                rows(),
                headers,
                _("Attendees"),
                answers,
                attendance=hybrid,
            )
        )
        stats = event_stats(event)
    queue_attendee_list(
        event,
        to=to,
        to_name=to_name,
        language=language,
        stats=stats,
        csv_bytes=csv_bytes,
        xlsx_bytes=xlsx_bytes,
    )
    record_list_mail(event.id, attendee_count(event), requested_by)


def mail_attendee_list(event_id: int, user_id: int, language: str) -> None:
    """The attendee list (CSV and XLSX attached) to the organiser who asked for it."""
    with write_transaction() as session:
        event = session.scalar(
            select(Event).options(*event_load_options()).where(Event.id == event_id)
        )
        user = db.session.get(User, user_id)
        queue_list(event, to=user.email, to_name=user.name, language=language, requested_by=user.id)
