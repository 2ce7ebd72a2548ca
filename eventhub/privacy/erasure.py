"""Erasure on a person's request (Art. 17 GDPR): what they hold is cancelled properly,
then everything stored about the address is anonymised or deleted, as retention does.

Event by event, in one write transaction with the event locked (the order every seat
change takes): the address's registrations of that event are read under the lock, the
active ones cancelled through the cancel service (seat freed, waiting list served,
METHOD:CANCEL mailed), and all of them anonymised. A registration of the same address
for the same event that is in flight either commits before (and is erased with the
others) or after (a new registration, whole): no seat is ever held by an erased row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from eventhub.access import managed_by
from eventhub.database import write_transaction
from eventhub.events.registration import cancel_registrations
from eventhub.events.seats import locked_event
from eventhub.extensions import db
from eventhub.models import (
    ACTIVE_STATUSES,
    Event,
    OutboxMessage,
    ParticipantFeed,
    PrivacyRequest,
    Registration,
)
from eventhub.models.mail import mailbox_key
from eventhub.models.registration import normalise_email
from eventhub.privacy.anonymise import anonymise_registrations

# Mails on their way out stay (the cancellations just written among them); the rest of
# an address's mail log goes.
_MAILS_KEPT = ("queued", "sending")


@dataclass
class ErasureReport:
    """What an erasure did, as counts (nothing personal: the audit and the log get this)."""

    events: int = 0
    cancelled: int = 0
    anonymised: int = 0
    mails_deleted: int = 0
    other_records_deleted: int = 0

    @property
    def rows(self) -> int:
        return self.anonymised + self.mails_deleted + self.other_records_deleted


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
        report.mails_deleted = _forget_mails(email_normalised, organisation_id)
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
        locked_event(event_id)
        found = _registrations_at(event_id, email_normalised)
        if not found:
            return 0, 0
        ids = sorted(found)
        active = [i for i in ids if found[i] in ACTIVE_STATUSES]
        cancelled = 0
        if active:
            before = set(_mail_ids(active))
            cancelled = cancel_registrations(event_id, active, notify=True)
            session.flush()
            # The notices just written (CANCEL, "you left the list") must still go out:
            # they no longer belong to the registration that is anonymised now.
            notices = [i for i in _mail_ids(active) if i not in before]
            if notices:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(notices))
                    .values(registration_id=None)
                    .execution_options(synchronize_session=False)
                )
        anonymised = anonymise_registrations(session, ids)
    return cancelled, anonymised


def _mail_ids(registration_ids: list[int]) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.registration_id.in_(registration_ids))
        )
    )


def _forget_mails(email_normalised: str, organisation_id: int | None) -> int:
    """Delete the log of mails sent to the address (those still on their way stay); for an
    organisation, only mails of its events."""
    query = select(OutboxMessage.id, OutboxMessage.recipient).where(
        OutboxMessage.mailbox == mailbox_key(email_normalised),
        OutboxMessage.status.not_in(_MAILS_KEPT),
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
    if not ids:
        return 0
    return db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids))).rowcount
