"""The outbox: a composed message becomes a row in the caller's transaction, and is
delivered (by the worker) only if that transaction commits."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from eventhub.extensions import db
from eventhub.models import OutboxMessage


def enqueue(
    message: EmailMessage,
    *,
    kind: str,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> OutboxMessage:
    """Add the message to the outbox; it is sent only if the caller's transaction commits."""
    row = outbox_row(message, kind=kind, event_id=event_id, registration_id=registration_id)
    db.session.add(row)
    return row


def outbox_row(
    message: EmailMessage,
    *,
    kind: str,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> OutboxMessage:
    """The outbox row for a message, not yet added to the session (serialising is the
    expensive part, so callers holding a lock can do it before taking the lock)."""
    domain = current_app.config["BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    message_id = make_msgid(idstring=kind, domain=domain or "eventhub.invalid")
    del message["Message-ID"]
    message["Message-ID"] = message_id
    row = OutboxMessage(
        kind=kind,
        recipient=str(message["To"].addresses[0].addr_spec),
        subject=str(message["Subject"])[:300],
        message=message.as_bytes(),
        message_id=message_id,
        event_id=event_id,
        registration_id=registration_id,
    )
    return row
