"""What is due by the clock: daily digests, the attendee list the day before, reminders
to confirmed people, seats held for unconfirmed addresses that ran out, and meeting
requests nobody answered in time; after the event, feedback invitations, certificates of
attendance and the materials the organisers shared."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from eventhub.database import write_transaction
from eventhub.events.certificates import (
    MAIL_DAYS,
    compose_certificate_mails,
    issue_due_certificates,
    write_certificate_mails,
)
from eventhub.events.feedback import OPEN_DAYS, compose_invites, write_invites
from eventhub.events.materials import (
    MATERIAL_MAIL_DAYS,
    compose_material_mails,
    write_material_mails,
)
from eventhub.events.registration import release_expired_holds
from eventhub.extensions import db
from eventhub.manage.attendee_lists import queue_list
from eventhub.manage.notifications import queue_digest
from eventhub.manage.reminders import compose_reminders, write_reminders
from eventhub.models import Event, Registration
from eventhub.models.base import utcnow
from eventhub.network.meetings import expire_requests

log = logging.getLogger(__name__)
REMINDER_BATCH = 200  # reminders written per transaction
FEEDBACK_BATCH = 200  # feedback invitations written per transaction
CERTIFICATE_BATCH = 20  # certificates issued and mailed per round (a PDF takes ~0.7 s)


@dataclass
class ScheduledReport:
    digests: int = 0
    attendee_lists: int = 0
    released_holds: int = 0
    expired_meeting_requests: int = 0
    reminders: int = 0
    feedback_invites: int = 0
    certificates: int = 0
    material_mails: int = 0


def run_scheduled(now: dt.datetime | None = None) -> ScheduledReport:
    """Write what is due into the outbox; safe to run as often as you like."""
    now = now or utcnow()
    report = ScheduledReport(
        released_holds=release_expired_holds(), expired_meeting_requests=expire_requests(now)
    )
    for event_id in db.session.scalars(
        select(Event.id).where(Event.status == "published", Event.ends_at > now)
    ).all():
        try:
            _run_for_event(event_id, now, report)
            _remind(event_id, now, report)
        except Exception:  # one broken event must not stop the others
            log.exception("scheduled mail for event %s failed", event_id)
            db.session.rollback()
    _after_events(now, report)
    return report


def _after_events(now: dt.datetime, report: ScheduledReport) -> None:
    """Events that ended lately: feedback invitations (within the survey's OPEN_DAYS),
    certificates (within MAIL_DAYS) and materials (within MATERIAL_MAIL_DAYS), each
    event under its row lock."""
    since = now - dt.timedelta(days=max(OPEN_DAYS, MAIL_DAYS, MATERIAL_MAIL_DAYS))
    for event_id, feedback, ends_at in db.session.execute(
        select(Event.id, Event.feedback_enabled, Event.ends_at).where(
            Event.status == "published", Event.ends_at <= now, Event.ends_at > since
        )
    ).all():
        try:
            if feedback and ends_at > now - dt.timedelta(days=OPEN_DAYS):
                _invite_to_feedback(event_id, now, report)
            _certificates(event_id, now, report)
            _materials(event_id, now, report)
        except Exception:  # one broken event must not stop the others
            log.exception("mail after event %s failed", event_id)
            db.session.rollback()


def _materials(event_id: int, now: dt.datetime, report: ScheduledReport) -> None:
    """The materials mails: built without a lock, written under the event's row lock."""
    event = db.session.get(Event, event_id, populate_existing=True)
    composed = compose_material_mails(event, now)
    db.session.rollback()
    if composed is not None:
        with write_transaction() as session:
            _locked_event(session, event_id)
            report.material_mails += write_material_mails(composed, now)


def _certificates(event_id: int, now: dt.datetime, report: ScheduledReport) -> None:
    """Certificates in batches: issued under the event's row lock (quick), their mails
    with the PDF built without a lock (about 0.7 s each), then written under the lock
    again, each claimed so that two schedulers mail each certificate once."""
    while True:
        with write_transaction() as session:
            event = _locked_event(session, event_id)
            if event.ends_at <= now - dt.timedelta(days=MAIL_DAYS):
                return
            issued = issue_due_certificates(event, now, limit=CERTIFICATE_BATCH)
        event = db.session.get(Event, event_id, populate_existing=True)
        composed = compose_certificate_mails(event, now, limit=CERTIFICATE_BATCH)
        db.session.rollback()  # end the read: the mails are not in the session
        if composed:
            with write_transaction() as session:
                _locked_event(session, event_id)
                report.certificates += write_certificate_mails(composed, now)
        if issued < CERTIFICATE_BATCH and len(composed) < CERTIFICATE_BATCH:
            return


def _run_for_event(event_id: int, now: dt.datetime, report: ScheduledReport) -> None:
    with write_transaction() as session:
        # Locked, so two workers running this at once write each mail once (PostgreSQL).
        event = _locked_event(session, event_id)
        if not event.contact_email:
            return  # the organisers' mails need an address to go to
        local_today = now.astimezone(event.tz).date()
        if event.notify_mode == "digest" and _digest_due(event, now, local_today):
            report.digests += _send_digest(event, now)
        tomorrow = local_today + dt.timedelta(days=1)
        if event.attendee_list_sent_at is None and event.local_starts_at.date() <= tomorrow:
            queue_list(
                event,
                to=event.contact_email,
                to_name=event.contact_name,
                language=event.language,
            )
            event.attendee_list_sent_at = now
            report.attendee_lists += 1


def _locked_event(session, event_id: int) -> Event:
    """The event under its row lock: two schedulers take turns per event (PostgreSQL;
    SQLite's write transaction holds the whole database)."""
    return session.get(Event, event_id, populate_existing=True, with_for_update=True)


def _remind(event_id: int, now: dt.datetime, report: ScheduledReport) -> None:
    report.reminders += _compose_then_write(
        event_id, now, compose_reminders, write_reminders, REMINDER_BATCH
    )


def _invite_to_feedback(event_id: int, now: dt.datetime, report: ScheduledReport) -> None:
    report.feedback_invites += _compose_then_write(
        event_id, now, compose_invites, write_invites, FEEDBACK_BATCH
    )


def _compose_then_write(event_id: int, now: dt.datetime, compose, write, batch: int) -> int:
    """Mails to many people (reminders, feedback invitations) in batches: each batch is
    built without a lock (the slow part), then written under the event's row lock (and
    on SQLite the write lock) by `write`, which checks again who is still due, so two
    schedulers at once write each mail once and registrations go on meanwhile. Returns
    how many were written."""
    written = 0
    while True:
        event = db.session.get(Event, event_id, populate_existing=True)
        composed = compose(event, now, limit=batch)
        db.session.rollback()  # end the read: the composed mails are not in the session
        if composed is None or not composed.rows:
            return written
        with write_transaction() as session:
            written += write(_locked_event(session, event_id), composed, now)
        if len(composed.rows) < batch:
            return written


def _digest_due(event: Event, now: dt.datetime, local_today: dt.date) -> bool:
    """Once a day, from 7:00 in the event's zone."""
    if now.astimezone(event.tz).hour < 7:
        return False
    last = event.digest_sent_at
    return last is None or last.astimezone(event.tz).date() < local_today


def _send_digest(event: Event, now: dt.datetime) -> int:
    since = event.digest_sent_at or event.created_at
    new = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            Registration.created_at > since,
            Registration.created_at <= now,
        )
        .order_by(Registration.created_at)
    ).all()
    event.digest_sent_at = now
    if not new:
        return 0
    total = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id, Registration.status == "confirmed"
        )
    )
    queue_digest(event, list(new), total)
    return 1
