"""Mails the worker composes: a registration writes its confirmation's outbox row with
only what the message needs (compose_args: the private link's token, ...), in the same
transaction; the message itself (templates, QR code, calendar invitation) is built
later, by the worker just before delivery, or when someone reads the outbox first (the
development mailbox, the tests), always by the same code: compose_rows.

Each kind has one composer, registered by the area that owns the mail (init_app of the
events blueprint): it takes the row and returns the EmailMessage, reading the event and
the registration as they are when it runs. A row is composed once: the UPDATE that
stores the message only succeeds while compose_args is still there, so two workers (or
a worker and the dev mailbox) never give one row two different messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from email.message import EmailMessage

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.mail.messages import envelope_recipient
from eventhub.mail.outbox import new_message_id
from eventhub.models import OutboxMessage
from eventhub.models.mail import mailbox_key

log = logging.getLogger(__name__)

Composer = Callable[[OutboxMessage], EmailMessage]
_COMPOSERS = "eventhub_composers"


class CannotCompose(Exception):
    """The message can never be built (its registration was erased or deleted before the
    worker came to it): the row fails for good instead of being retried."""


def register_composer(app: Flask, kind: str, composer: Composer) -> None:
    app.extensions.setdefault(_COMPOSERS, {})[kind] = composer


def deferred_row(
    *,
    kind: str,
    to: str,
    subject: str,
    args: dict,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> OutboxMessage:
    """The outbox row of a mail its composer builds later, not yet added to the session.

    Recipient (what the per-inbox limit counts), subject (what the outbox lists show) and
    Message-ID are fixed now; `args` is what the composer needs besides the row's
    event_id and registration_id, in JSON.
    """
    recipient = envelope_recipient(to)
    return OutboxMessage(
        kind=kind,
        recipient=recipient,
        mailbox=mailbox_key(recipient),
        subject=subject[:300],
        message=b"",
        message_id=new_message_id(kind),
        compose_args=args,
        event_id=event_id,
        registration_id=registration_id,
    )


def pending_ids(ids: Iterable[int] | None = None) -> list[int]:
    """Of these rows (or of the whole outbox), those still waiting to be composed."""
    query = select(OutboxMessage.id).where(OutboxMessage.compose_args.is_not(None))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def compose_rows(ids: Iterable[int] | None = None) -> dict[int, Exception]:
    """Compose the rows of `ids` (all waiting rows if None) that still wait; a row that
    can never be composed is marked failed. Returns the rows whose composing raised,
    with the exception (CannotCompose ones included), for the caller to retry or report.
    """
    problems: dict[int, Exception] = {}
    for row_id in pending_ids(ids):
        try:
            compose_row(row_id)
        except CannotCompose as exc:
            _give_up(row_id, str(exc))
            problems[row_id] = exc
        except Exception as exc:
            db.session.rollback()
            log.exception("composing outbox message %d failed", row_id)
            problems[row_id] = exc
    return problems


def compose_row(row_id: int) -> None:
    """Build one waiting row's message with its kind's composer and store it."""
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.compose_args is None:
        return
    values = _composed(row)
    with write_transaction() as session:
        _store(session, row_id, values)
    db.session.expire_all()


def compose_before_erasing(session: Session, condition) -> int:
    """In the caller's transaction, compose the waiting rows matching `condition` from the
    data as it is now: for a change that takes what they need (anonymising a person),
    so that the mails already on their way still go out as written. Returns how many."""
    rows = session.scalars(
        select(OutboxMessage).where(
            condition,
            OutboxMessage.compose_args.is_not(None),
            OutboxMessage.status.in_(("queued", "sending")),
        )
    ).all()
    for row in rows:
        try:
            values = _composed(row)
        except Exception as exc:
            # One mail that cannot be built must not stop the erasure or the purge: it
            # fails for good, and its token goes with the rest.
            log.exception("composing outbox message %d before erasing failed", row.id)
            values = {"status": "failed", "compose_args": None, "last_error": str(exc)[:2000]}
        _store(session, row.id, values)
        session.expire(row)
    return len(rows)


def _composed(row: OutboxMessage) -> dict:
    """The row's composed message as the values to store."""
    composer = current_app.extensions.get(_COMPOSERS, {}).get(row.kind)
    if composer is None:
        raise LookupError(f"no composer for outbox messages of kind {row.kind!r}")
    message = composer(row)
    del message["Message-ID"]
    message["Message-ID"] = row.message_id or new_message_id(row.kind)
    recipient = str(message["To"].addresses[0].addr_spec)
    return {
        "message": message.as_bytes(),
        "subject": str(message["Subject"])[:300],
        "recipient": recipient,
        "mailbox": mailbox_key(recipient),
        "compose_args": None,
    }


def _store(session: Session, row_id: int, values: dict) -> None:
    # Only while it still waits: a row is composed once, whoever comes first.
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.compose_args.is_not(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _give_up(row_id: int, reason: str) -> None:
    """Mark the row failed for good; what it held for composing (a token) goes."""
    db.session.rollback()
    with write_transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.compose_args.is_not(None))
            .values(status="failed", compose_args=None, last_error=reason[:2000])
            .execution_options(synchronize_session=False)
        )
    log.warning("outbox message %d cannot be composed: %s", row_id, reason)
