"""Messages to an event's attendees: who is in which group, the limits, and sending one
message through the outbox (each person once, even when the form is sent twice)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.exc import IntegrityError

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.manage.message_mail import MessageDraft, attendee_message_row
from eventhub.models import (
    MESSAGE_GROUPS,
    AttendeeMessage,
    AttendeeMessageRecipient,
    Event,
    OutboxMessage,
    Registration,
    User,
)
from eventhub.models.base import utcnow
from eventhub.tokens import new_token

RATE_WINDOW = dt.timedelta(hours=24)
BATCH = 200  # outbox rows flushed at a time while one message is written


class MessageRefused(Exception):
    """The message was not sent; `reason` is one of "group", "no_recipients", "rate"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def group_condition(event: Event, group: str, now: dt.datetime) -> ColumnElement[bool]:
    """Who belongs to a group, as a condition on Registration (the event's own people
    only). Cancelled, declined, unconfirmed addresses and pending approvals never do."""
    own = Registration.event_id == event.id
    confirmed = and_(own, Registration.status == "confirmed")
    if group == "confirmed":
        return confirmed
    if group == "waiting":
        # A person holding a seat offer is still waiting until they accept it.
        return and_(own, Registration.status.in_(("waiting", "offered")))
    if group == "checked_in":
        return and_(confirmed, Registration.checked_in_at.is_not(None))
    if group == "no_show" and event.ends_at <= now:
        return and_(confirmed, Registration.checked_in_at.is_(None))
    raise MessageRefused("group")


def offered_groups(event: Event, now: dt.datetime | None = None) -> list[str]:
    """The groups one may write to now: "no show" only once the event has ended."""
    now = now or utcnow()
    return [g for g in MESSAGE_GROUPS if g != "no_show" or event.ends_at <= now]


def group_counts(event: Event, now: dt.datetime | None = None) -> dict[str, int]:
    """How many people each offered group has, in one query."""
    now = now or utcnow()
    groups = offered_groups(event, now)
    columns = [func.count(case((group_condition(event, g, now), 1))) for g in groups]
    row = db.session.execute(select(*columns).where(Registration.event_id == event.id)).one()
    return dict(zip(groups, row, strict=True))


def sample_recipient(event: Event, group: str, now: dt.datetime | None = None):
    """The first person of the group, whose name and language the preview shows."""
    return db.session.scalar(
        select(Registration)
        .where(group_condition(event, group, now or utcnow()))
        .order_by(Registration.id)
        .limit(1)
    )


def messages_per_day() -> int:
    return int(current_app.config["ATTENDEE_MESSAGES_PER_DAY"])


def sent_in_window(event_id: int, now: dt.datetime) -> int:
    return db.session.scalar(
        select(func.count(AttendeeMessage.id)).where(
            AttendeeMessage.event_id == event_id, AttendeeMessage.created_at > now - RATE_WINDOW
        )
    )


def _already_sent(event_id: int, nonce: str) -> AttendeeMessage | None:
    return db.session.scalar(
        select(AttendeeMessage).where(
            AttendeeMessage.event_id == event_id, AttendeeMessage.nonce == nonce
        )
    )


@dataclass
class Sent:
    message: AttendeeMessage
    repeated: bool  # the same preview had been sent before: nothing new was written


def send_message(
    event_id: int,
    *,
    author_id: int | None,
    group: str,
    subject: str,
    body: str,
    nonce: str,
    now: dt.datetime | None = None,
) -> Sent:
    """Write the message and one mail per person of the group into the outbox, all in one
    transaction under the event's row lock (SQLite: the write lock), so the daily limit
    and the nonce hold against concurrent sends; the unique nonce and the unique
    (message, person) pair are the database's backstop.

    The mails are built before the lock is taken (about 20 ms each: a few hundred
    people would otherwise hold SQLite's write lock for seconds); under the lock the
    group is read again, and only who is in it then gets the message."""
    now = now or utcnow()
    draft = MessageDraft(group=group, subject=subject, body=body)
    event = db.session.get(Event, event_id)
    earlier = _already_sent(event_id, nonce)
    if earlier is not None:
        return Sent(earlier, repeated=True)
    if sent_in_window(event_id, now) >= messages_per_day():
        raise MessageRefused("rate")
    people = db.session.scalars(
        select(Registration).where(group_condition(event, group, now)).order_by(Registration.id)
    ).all()
    prepared = {person.id: _prepared_mail(event, person, draft) for person in people}
    try:
        with write_transaction() as session:
            event = session.get(Event, event_id, populate_existing=True, with_for_update=True)
            earlier = _already_sent(event.id, nonce)
            if earlier is not None:
                return Sent(earlier, repeated=True)
            if sent_in_window(event.id, now) >= messages_per_day():
                raise MessageRefused("rate")
            people = session.scalars(
                select(Registration)
                .where(group_condition(event, group, now))
                .order_by(Registration.id)
            ).all()
            if not people:
                raise MessageRefused("no_recipients")
            message = AttendeeMessage(
                event_id=event.id,
                author_id=author_id,
                group=group,
                subject=subject,
                body=body,
                nonce=nonce,
                recipient_count=len(people),
                created_at=now,
            )
            session.add(message)
            session.flush()
            for start in range(0, len(people), BATCH):
                batch = people[start : start + BATCH]
                _write_batch(event, message, draft, batch, prepared)
            return Sent(message, repeated=False)
    except IntegrityError:
        # The same preview, sent at the same moment past the lock (the nonce's backstop).
        db.session.rollback()
        earlier = _already_sent(event_id, nonce)
        if earlier is None:
            raise
        return Sent(earlier, repeated=True)


def _prepared_mail(
    event: Event, registration: Registration, draft: MessageDraft
) -> tuple[str | None, OutboxMessage]:
    """A fresh private link (as the reminders do: it replaces the last mailed one) and
    the person's mail with it: (the link's hash, the outbox row not yet added). Someone
    holding a seat offer keeps the link of their offer mail (a new one would end it
    while they may be about to accept): their mail points to that one instead."""
    if registration.status == "offered":
        return None, attendee_message_row(event, registration, draft, None)
    token, token_hash = new_token()
    return token_hash, attendee_message_row(event, registration, draft, token)


def _write_batch(
    event: Event,
    message: AttendeeMessage,
    draft: MessageDraft,
    people,
    prepared: dict[int, tuple[str | None, OutboxMessage]],
) -> None:
    rows = []
    for registration in people:
        # Someone who joined the group after the mails were built gets theirs built now.
        token_hash, row = prepared.get(registration.id) or _prepared_mail(
            event, registration, draft
        )
        if token_hash is not None:
            registration.resent_token_hash = token_hash
        db.session.add(row)
        rows.append((registration, row))
    db.session.flush()
    db.session.add_all(
        AttendeeMessageRecipient(
            message_id=message.id, registration_id=registration.id, outbox_id=row.id
        )
        for registration, row in rows
    )
    db.session.flush()


@dataclass
class MessageRow:
    message: AttendeeMessage
    author: str  # the author's name or address ("" once the account is gone)
    delivered: int
    failed: int
    queued: int


def _counted(stmt):
    """Adds the delivered / failed / still queued counts from the outbox to a select of
    AttendeeMessage."""
    status = OutboxMessage.status
    author = func.coalesce(func.max(func.nullif(User.name, "")), func.max(User.email), "")
    return (
        stmt.add_columns(
            author,
            func.count(case((status == "sent", 1))),
            func.count(case((status == "failed", 1))),
            func.count(case((status.in_(("queued", "sending")), 1))),
        )
        .outerjoin(
            AttendeeMessageRecipient, AttendeeMessageRecipient.message_id == AttendeeMessage.id
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == AttendeeMessageRecipient.outbox_id)
        .outerjoin(User, User.id == AttendeeMessage.author_id)
        .group_by(AttendeeMessage.id)
    )


def message_rows(event: Event) -> list[MessageRow]:
    """The event's messages, newest first, with their delivery counts (one query)."""
    stmt = _counted(select(AttendeeMessage).where(AttendeeMessage.event_id == event.id))
    return [
        MessageRow(*row)
        for row in db.session.execute(
            stmt.order_by(AttendeeMessage.created_at.desc(), AttendeeMessage.id.desc())
        ).all()
    ]


def message_row(event: Event, message_id: int) -> MessageRow | None:
    row = db.session.execute(
        _counted(
            select(AttendeeMessage).where(
                AttendeeMessage.event_id == event.id, AttendeeMessage.id == message_id
            )
        )
    ).one_or_none()
    return MessageRow(*row) if row else None


def message_recipients(message: AttendeeMessage) -> list[tuple[Registration, str | None]]:
    """Who a message went to, with their mail's outbox status (None: no longer there)."""
    return list(
        db.session.execute(
            select(Registration, OutboxMessage.status)
            .join(
                AttendeeMessageRecipient,
                AttendeeMessageRecipient.registration_id == Registration.id,
            )
            .outerjoin(OutboxMessage, OutboxMessage.id == AttendeeMessageRecipient.outbox_id)
            .where(AttendeeMessageRecipient.message_id == message.id)
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
        ).all()
    )
