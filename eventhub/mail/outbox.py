"""The outbox: a composed message becomes a row in the caller's transaction, and is
delivered (by the worker) only if that transaction commits."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select

from eventhub.extensions import db
from eventhub.models.base import utcnow
from eventhub.models.mail import OutboxMessage, mailbox_key


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
    message_id = new_message_id(kind)
    del message["Message-ID"]
    message["Message-ID"] = message_id
    recipient = str(message["To"].addresses[0].addr_spec)
    row = OutboxMessage(
        kind=kind,
        recipient=recipient,
        mailbox=mailbox_key(recipient),
        subject=str(message["Subject"])[:300],
        message=message.as_bytes(),
        message_id=message_id,
        event_id=event_id,
        registration_id=registration_id,
    )
    return row


def new_message_id(kind: str) -> str:
    """A unique Message-ID on the site's domain, fixed when the row is written."""
    domain = current_app.config["BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    return make_msgid(idstring=kind, domain=domain or "eventhub.invalid")


MAIL_LIMIT_WINDOW = dt.timedelta(hours=1)
# Mails a visitor can make us send to any address: what the per-inbox limit counts.
# Mails organisers cause (updates to attendees, notices, digests, lists, invitations) are
# not counted: an organiser's inbox full of notices must not block their own registration.
VISITOR_CAUSED = (
    "confirmation",
    "confirm_address",
    "cancellation",
    "already_registered",
    "group_summary",
    "password_reset",
    "private_feed",
    "my_links",
)


@cache
def _mails_per_mailbox():
    """Mails of some kinds per mailbox since a time (built once: every registration asks)."""
    return (
        select(OutboxMessage.mailbox, func.count())
        .where(
            OutboxMessage.mailbox.in_(bindparam("mailboxes", expanding=True)),
            OutboxMessage.kind.in_(bindparam("kinds", expanding=True)),
            OutboxMessage.created_at > bindparam("since"),
        )
        .group_by(OutboxMessage.mailbox)
    )


def mailboxes_over_limit(
    addresses: list[str], *, kinds: tuple[str, ...] = VISITOR_CAUSED, limit: int | None = None
) -> list[str]:
    """Of these addresses (one planned mail each), those whose inbox would get more than
    MAILS_PER_MAILBOX_PER_HOUR mails that visitors can cause (the site-wide limit
    against mail bombing; "+tags" count as the same inbox). Other `kinds` with their own
    `limit`: a kind counted apart, which cannot use up the inbox's allowance for the
    others (the links to one's data: anyone may ask for them for any address)."""
    if limit is None:
        limit = current_app.config["MAILS_PER_MAILBOX_PER_HOUR"]
    planned = Counter(mailbox_key(a) for a in addresses)
    sent = dict(
        db.session.execute(
            _mails_per_mailbox(),
            {
                "mailboxes": list(planned),
                "kinds": list(kinds),
                "since": utcnow() - MAIL_LIMIT_WINDOW,
            },
        ).all()
    )
    over = {key for key, n in planned.items() if sent.get(key, 0) + n > limit}
    return [a for a in addresses if mailbox_key(a) in over]
