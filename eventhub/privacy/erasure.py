"""Erasure on a person's request (Art. 17 GDPR): what they hold is cancelled properly,
then everything stored about the address is anonymised or deleted, as retention does.

Event by event, in one write transaction with the event locked (the order every seat
change takes): the address's registrations of that event are read under the lock; where
the event is not over, the active ones are cancelled through the cancel service (seat
freed, waiting list served, METHOD:CANCEL mailed); then all of them are anonymised. A
registration of the same address for the same event that is in flight either commits
before (and is erased with the others) or after (a new registration, whole): no seat is
ever held by an erased row. Events that are over keep their counts (who came).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, union

from eventhub.access import managed_by
from eventhub.database import write_transaction
from eventhub.events.registration import cancel_registrations
from eventhub.events.seats import locked_event
from eventhub.extensions import db
from eventhub.models import (
    ACTIVE_STATUSES,
    ContactRequest,
    Event,
    Meeting,
    OutboxMessage,
    ParticipantFeed,
    PrivacyRequest,
    Registration,
)
from eventhub.models.base import utcnow
from eventhub.models.mail import mailbox_key
from eventhub.models.registration import normalise_email
from eventhub.privacy.anonymise import DONE_MAIL, anonymise_registrations, chunks, empty_mails


@dataclass
class ErasureReport:
    """What an erasure did, as counts (nothing personal: the audit and the log get this)."""

    events: int = 0
    cancelled: int = 0
    anonymised: int = 0
    mails_emptied: int = 0
    other_records_deleted: int = 0

    @property
    def rows(self) -> int:
        return self.anonymised + self.mails_emptied + self.other_records_deleted


def erase_person(email_normalised: str, *, organisation_id: int | None = None) -> ErasureReport:
    """Erase what is stored about the address; with `organisation_id`, only what that
    organisation's events hold (an organiser acting on a person's request)."""
    report = ErasureReport()
    for event_id in _events_of(email_normalised, organisation_id):
        cancelled, anonymised = _erase_at_event(event_id, email_normalised)
        report.events += 1
        report.cancelled += cancelled
        report.anonymised += anonymised
    with write_transaction() as session:
        report.mails_emptied = _forget_mails(email_normalised, organisation_id)
        if organisation_id is None:
            report.other_records_deleted = (
                session.execute(
                    delete(ParticipantFeed).where(
                        ParticipantFeed.email_normalised == email_normalised
                    )
                ).rowcount
                + session.execute(
                    delete(PrivacyRequest).where(
                        PrivacyRequest.email_normalised == email_normalised
                    )
                ).rowcount
            )
    return report


def _events_of(email_normalised: str, organisation_id: int | None) -> list[int]:
    query = (
        select(Registration.event_id)
        .where(Registration.email_normalised == email_normalised)
        .distinct()
    )
    if organisation_id is not None:
        query = query.join(Event, Event.id == Registration.event_id).where(
            managed_by([organisation_id])
        )
    event_ids = sorted(db.session.scalars(query))
    db.session.rollback()  # the read must not hold a transaction open
    return event_ids


def _registrations_at(event_id: int, email_normalised: str) -> dict[int, str]:
    """{id: status} of the address's registrations of the event (call with it locked)."""
    return dict(
        db.session.execute(
            select(Registration.id, Registration.status).where(
                Registration.event_id == event_id,
                Registration.email_normalised == email_normalised,
            )
        ).all()
    )


def _erase_at_event(event_id: int, email_normalised: str) -> tuple[int, int]:
    """Cancel and anonymise the address's registrations of one event, the event locked
    throughout; returns (cancelled, anonymised)."""
    with write_transaction() as session:
        event = locked_event(event_id)
        found = _registrations_at(event_id, email_normalised)
        if not found:
            return 0, 0
        ids = sorted(found)
        # An event that is over keeps its counts (who came): nothing to cancel there.
        upcoming = event.ends_at > utcnow()
        active = [i for i in ids if upcoming and found[i] in ACTIVE_STATUSES]
        # The cancel service: seats freed, waiting list served, CANCEL mailed (those mails
        # are queued, and anonymising leaves queued mail to go out).
        cancelled = cancel_registrations(event_id, active, notify=True) if active else 0
        others = _who_was_told_about(event_id, ids)
        anonymised = anonymise_registrations(session, ids, certificates=True)
        # Mails to others that name the person: their contacts' and meeting partners'
        # mails, the group's booking summary, the organisers' notices, digests and lists
        # (no registration: written to the event's contact). Delivered ones are emptied
        # now; those still queued (the CANCEL among them) go out and are emptied by the
        # mail rule after delivery (EVENTHUB_RETENTION_MAIL_SENT_DAYS).
        empty_mails(
            session,
            (OutboxMessage.event_id == event_id)
            & (OutboxMessage.registration_id.is_(None) | OutboxMessage.registration_id.in_(others)),
        )
    return cancelled, anonymised


def _who_was_told_about(event_id: int, ids: list[int]) -> list[int]:
    """Registrations of the event that were mailed about these people: the other side of
    their contact requests and meetings, and the members of their groups."""
    groups = select(Registration.group_uid).where(
        Registration.id.in_(ids), Registration.group_uid.is_not(None)
    )
    return sorted(
        set(
            db.session.scalars(
                union(
                    select(ContactRequest.recipient_id).where(ContactRequest.sender_id.in_(ids)),
                    select(ContactRequest.sender_id).where(ContactRequest.recipient_id.in_(ids)),
                    select(Meeting.partner_id).where(Meeting.requester_id.in_(ids)),
                    select(Meeting.requester_id).where(Meeting.partner_id.in_(ids)),
                    select(Registration.id).where(
                        Registration.event_id == event_id, Registration.group_uid.in_(groups)
                    ),
                )
            )
        )
        - set(ids)
    )


def _forget_mails(email_normalised: str, organisation_id: int | None) -> int:
    """Empty the mails sent to the address, as retention does (those still on their way
    stay); for an organisation, only mails of its events."""
    query = select(OutboxMessage.id, OutboxMessage.recipient).where(
        OutboxMessage.mailbox == mailbox_key(email_normalised),
        OutboxMessage.status.in_(DONE_MAIL),
    )
    if organisation_id is not None:
        query = query.join(Event, Event.id == OutboxMessage.event_id).where(
            managed_by([organisation_id])
        )
    ids = [
        mail_id
        for mail_id, recipient in db.session.execute(query)
        if normalise_email(recipient) == email_normalised
    ]
    return sum(empty_mails(db.session, OutboxMessage.id.in_(part)) for part in chunks(ids))
