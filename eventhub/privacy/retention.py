"""Retention that runs by itself: what of an event's personal data goes when, and the
job that makes it go (`flask privacy purge`, and hourly from the looping mail worker).

Periods count in days from the event's end (site-wide EVENTHUB_RETENTION_*; organisers
may set an event's own period for registrations and the sign-in scan, see
`change_period`). The job is idempotent (stamps in event_retention say what went), works
in batches under the event's lock so that no participant's change can write a name back
into an anonymised row, and logs counts and event ids only.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, fields

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload

from eventhub.database import write_transaction
from eventhub.events.seats import locked_event
from eventhub.extensions import db
from eventhub.models import (
    RETENTION_EVENT_KINDS,
    RETENTION_KINDS,
    Certificate,
    Event,
    EventFile,
    EventRetention,
    OutboxMessage,
    Registration,
    RetentionChange,
)
from eventhub.models.base import utcnow
from eventhub.network.meeting_counts import count_meetings
from eventhub.privacy.anonymise import (
    anonymise_registrations,
    delete_network_data,
    delete_sensitive_answers,
    empty_mails,
)
from eventhub.privacy.audit import purge_audit_log
from eventhub.privacy.requests import delete_spent_requests

log = logging.getLogger(__name__)

# Registrations anonymised per transaction: the event's lock is held for one batch only.
BATCH = 1000
# Mails emptied per transaction by the age rule.
MAIL_BATCH = 5000
# The site setting behind each kind's period.
SETTINGS = {
    "sensitive": "RETENTION_SENSITIVE_DAYS",
    "network": "RETENTION_NETWORK_DAYS",
    "registrations": "RETENTION_REGISTRATION_DAYS",
    "signin_scan": "RETENTION_SIGNIN_SCAN_DAYS",
    "certificates": "RETENTION_CERTIFICATE_DAYS",
}


class RetentionRefused(ValueError):
    """An organiser's period change that the rules do not allow; str() is the reason."""


@dataclass
class PurgeReport:
    events: int = 0
    sensitive_answers: int = 0
    network_rows: int = 0
    registrations: int = 0
    signin_scans: int = 0
    certificates: int = 0
    mails: int = 0
    audit_entries: int = 0
    access_requests: int = 0
    failed: int = 0  # events whose purge failed (logged; the next run tries again)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Due:
    """When one kind of an event's data goes (or went)."""

    kind: str
    days: int
    site_days: int
    due_at: dt.datetime
    done_at: dt.datetime | None

    @property
    def own_period(self) -> bool:
        return self.days != self.site_days


def site_days(kind: str) -> int:
    return int(current_app.config[SETTINGS[kind]])


def max_days() -> int:
    return int(current_app.config["RETENTION_MAX_DAYS"])


def _days(kind: str, state: EventRetention | None) -> int:
    own = getattr(state, f"{kind}_days", None) if state and kind in RETENTION_EVENT_KINDS else None
    return own if own is not None else site_days(kind)


def schedule(event: Event, state: EventRetention | None = None) -> list[Due]:
    """Every kind of the event's personal data with the day it goes (the workspace's
    data-protection page and the privacy notice show these)."""
    if state is None:
        state = db.session.get(EventRetention, event.id)
    plan = []
    for kind in RETENTION_KINDS:
        days = _days(kind, state)
        if kind == "network":  # never kept longer than the registrations it belongs to
            days = min(days, _days("registrations", state))
        plan.append(
            Due(
                kind=kind,
                days=days,
                site_days=site_days(kind),
                due_at=event.ends_at + dt.timedelta(days=days),
                done_at=getattr(state, f"{kind}_done_at", None) if state else None,
            )
        )
    return plan


def change_period(event: Event, kind: str, days: int | None, *, reason: str, user_id: int) -> bool:
    """Set the event's own period for `kind` (None: back to the site's). Shorter than the
    site's: always; longer: only with a reason, which is recorded with who set it; never
    longer than EVENTHUB_RETENTION_MAX_DAYS, and not for data that has gone already or is
    due to go (its period is over; the next run removes it). False: nothing changed."""
    if kind not in RETENTION_EVENT_KINDS:
        raise RetentionRefused(_l("This period cannot be changed for one event."))
    reason = reason.strip()
    if days is not None:
        if days < 0:
            raise RetentionRefused(_l("A period cannot be negative."))
        if days > max_days():
            raise RetentionRefused(
                _l("At most %(days)s days: the site's longest period.", days=max_days())
            )
        if days > site_days(kind) and len(reason) < 10:
            raise RetentionRefused(
                _l(
                    "Keeping data longer than the site's %(days)s days needs a reason of at "
                    "least 10 characters (for example a funder's requirement).",
                    days=site_days(kind),
                )
            )
    with write_transaction() as session:
        # The event's lock, as the purge takes it: one of the two waits for the other.
        if locked_event(event.id) is None:
            raise RetentionRefused(_l("This event no longer exists."))
        state = session.get(EventRetention, event.id, populate_existing=True)
        if state is None:
            state = EventRetention(event_id=event.id)
            session.add(state)
        if getattr(state, f"{kind}_done_at") is not None:
            raise RetentionRefused(_l("This data has been deleted already."))
        current = getattr(state, f"{kind}_days")
        if current == days:
            return False
        now_days = current if current is not None else site_days(kind)
        new_days = days if days is not None else site_days(kind)
        if new_days > now_days and event.ends_at + dt.timedelta(days=now_days) <= utcnow():
            raise RetentionRefused(
                _l("This data's period is over: it is removed with the next run of the job.")
            )
        setattr(state, f"{kind}_days", days)
        session.add(
            RetentionChange(event_id=event.id, kind=kind, days=days, reason=reason, user_id=user_id)
        )
    return True


def changes(event_id: int) -> list[RetentionChange]:
    return list(
        db.session.scalars(
            select(RetentionChange)
            .options(joinedload(RetentionChange.user))
            .where(RetentionChange.event_id == event_id)
            .order_by(RetentionChange.created_at.desc(), RetentionChange.id.desc())
        )
    )


# --- the job -------------------------------------------------------------------------


def purge(now: dt.datetime | None = None) -> PurgeReport:
    """Remove every piece of personal data whose time is over; safe to run at any time,
    as often as you like, from several processes at once."""
    now = now or utcnow()
    report = PurgeReport()
    own = db.session.execute(
        select(
            func.min(EventRetention.registrations_days), func.min(EventRetention.signin_scan_days)
        )
    ).one()
    shortest = min(
        [site_days(kind) for kind in RETENTION_KINDS] + [d for d in own if d is not None]
    )
    # Ended events with something still to go: events whose data all went have a stamp
    # for every kind and drop out here, so the job's work does not grow with the years.
    candidates = db.session.scalars(
        select(Event.id)
        .outerjoin(EventRetention, EventRetention.event_id == Event.id)
        .where(
            Event.ends_at <= now - dt.timedelta(days=max(shortest, 0)),
            or_(
                EventRetention.event_id.is_(None),
                *(getattr(EventRetention, f"{kind}_done_at").is_(None) for kind in RETENTION_KINDS),
            ),
        )
        .order_by(Event.ends_at, Event.id)
    ).all()
    db.session.commit()  # end the read: each event below is its own set of transactions
    for event_id in candidates:
        try:
            if _purge_event(event_id, now, report):
                report.events += 1
        except Exception:  # one event's trouble must not hold up the others' retention
            db.session.rollback()
            report.failed += 1
            log.exception("privacy purge: event %s failed", event_id)
    report.mails += purge_mails(now)
    with write_transaction() as session:
        report.access_requests += delete_spent_requests(session, now)
    report.audit_entries += purge_audit_log(now)
    log.info("privacy purge: %s", report.as_dict())
    return report


def _due(event: Event, state: EventRetention | None, now: dt.datetime) -> set[str]:
    return {d.kind for d in schedule(event, state) if d.done_at is None and d.due_at <= now}


def _purge_event(event_id: int, now: dt.datetime, report: PurgeReport) -> bool:
    event = db.session.get(Event, event_id)
    if event is None:
        return False
    if not _due(event, db.session.get(EventRetention, event_id), now):
        db.session.commit()
        return False
    db.session.commit()
    with write_transaction() as session:
        event = locked_event(event_id)
        if event is None:
            return False
        state = session.get(EventRetention, event_id, populate_existing=True)
        if state is None:
            state = EventRetention(event_id=event_id)
            session.add(state)
        # Decided again under the lock: a period an organiser extended in the meantime
        # (change_period takes the same lock) holds.
        kinds = _due(event, state, now)
        if not kinds:
            return False
        if "sensitive" in kinds:
            report.sensitive_answers += delete_sensitive_answers(session, event_id)
        if kinds & {"network", "registrations"}:
            counts = count_meetings(event_id)
            if state.meeting_counts is None and any(counts.as_dict().values()):
                state.meeting_counts = counts.as_dict()  # the report keeps its figures
            report.network_rows += delete_network_data(
                session, select(Registration.id).where(Registration.event_id == event_id)
            )
        if "signin_scan" in kinds:
            report.signin_scans += session.execute(
                delete(EventFile)
                .where(EventFile.event_id == event_id, EventFile.kind == "signin_scan")
                .execution_options(synchronize_session=False)
            ).rowcount
        if "certificates" in kinds:
            report.certificates += session.execute(
                delete(Certificate)
                .where(Certificate.event_id == event_id)
                .execution_options(synchronize_session=False)
            ).rowcount
        for kind in kinds - {"registrations"}:
            setattr(state, f"{kind}_done_at", now)
        if "registrations" in kinds and state.network_done_at is None:
            state.network_done_at = now  # the network data went with the registrations
    if "registrations" in kinds:
        report.registrations += _anonymise_event(event_id)
        with write_transaction() as session:
            if locked_event(event_id) is None:
                return False
            # The mails to the people and what the organisers were mailed about the event
            # (attendee lists, digests), which names people too; a mail still waiting for
            # delivery is left to the mail rule.
            report.mails += empty_mails(
                session,
                (OutboxMessage.event_id == event_id)
                | OutboxMessage.registration_id.in_(
                    select(Registration.id).where(Registration.event_id == event_id)
                ),
            )
            session.get(
                EventRetention, event_id, populate_existing=True
            ).registrations_done_at = now
    log.info("privacy purge: event %s: %s", event_id, ", ".join(sorted(kinds)))
    return True


def _anonymise_event(event_id: int) -> int:
    """Anonymise the event's registrations in batches, each under the event's lock."""
    done = 0
    while True:
        with write_transaction() as session:
            if locked_event(event_id) is None:
                return done
            ids = list(
                session.scalars(
                    select(Registration.id)
                    .where(Registration.event_id == event_id, Registration.anonymised_at.is_(None))
                    .order_by(Registration.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                return done
            # The network data went before (above, one statement for the event), and the
            # event's mails are emptied after the last batch.
            done += anonymise_registrations(session, ids, network_and_mails=False)


def purge_mails(now: dt.datetime) -> int:
    """Empty delivered mails after RETENTION_MAIL_SENT_DAYS and undeliverable ones after
    RETENTION_MAIL_FAILED_DAYS (the row stays for the counts; see empty_mails)."""
    config = current_app.config
    sent_before = now - dt.timedelta(days=int(config["RETENTION_MAIL_SENT_DAYS"]))
    failed_before = now - dt.timedelta(days=int(config["RETENTION_MAIL_FAILED_DAYS"]))
    emptied = 0
    while True:
        with write_transaction() as session:
            ids = list(
                session.scalars(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.recipient != "",
                        OutboxMessage.created_at <= max(sent_before, failed_before),
                        or_(
                            (OutboxMessage.status == "sent")
                            & (OutboxMessage.sent_at <= sent_before),
                            (OutboxMessage.status == "failed")
                            & (OutboxMessage.created_at <= failed_before),
                        ),
                    )
                    .limit(MAIL_BATCH)
                )
            )
            if not ids:
                return emptied
            emptied += empty_mails(session, OutboxMessage.id.in_(ids))
