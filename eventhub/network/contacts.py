"""Contact requests between participants of an event: sending (with limits and blocks),
answering (accepting reveals both addresses, exactly once), blocking, and the overview a
participant sees of their requests and contacts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from eventhub.database import write_transaction
from eventhub.events.consent import record_consent
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.base import utcnow
from eventhub.models.network import ContactBlock, ContactRequest
from eventhub.network.contact_mail import (
    queue_contact_accepted,
    queue_contact_declined,
    queue_contact_request,
)
from eventhub.network.visibility import NETWORKING_STATUSES, can_see
from eventhub.text import has_control_characters
from eventhub.tokens import lookup_hash, new_token

MESSAGE_MAX_LENGTH = 1000
RATE_WINDOW = dt.timedelta(hours=1)
ANSWERS = ("accept", "decline", "block")

# Why a request could not be sent or answered, and the HTTP status a page answers with.
REFUSAL_STATUS = {
    "empty": 422,
    "too_long": 422,
    "control": 422,
    "self": 400,
    "not_visible": 404,
    "inactive": 409,
    "pending": 409,
    "connected": 409,
    "asked_you": 409,
    "rate": 429,
    "total": 429,
    "unknown": 404,
    "answered": 409,
    "ended": 409,
}


class ContactRefused(Exception):
    """A contact request was not sent or not answered; `reason` is a key of REFUSAL_STATUS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def status(self) -> int:
        return REFUSAL_STATUS[self.reason]

    @property
    def message(self) -> str:
        return refusal_message(self.reason)


def refusal_message(reason: str) -> str:
    """Why, in the user's language. A block is never among the reasons: a request to
    someone who blocked the sender looks sent (see send_contact_request)."""
    config = current_app.config
    if reason == "rate":
        limit = config["NETWORK_CONTACT_REQUESTS_PER_HOUR"]
        return ngettext(
            "You can send %(num)d contact request per hour. Please try again later.",
            "You can send %(num)d contact requests per hour. Please try again later.",
            limit,
        )
    if reason == "total":
        limit = config["NETWORK_CONTACT_REQUESTS_PER_EVENT"]
        return ngettext(
            "You have sent the %(num)d contact request possible for this event.",
            "You have sent all %(num)d contact requests possible for this event.",
            limit,
        )
    return {
        "empty": _("Please write a short message."),
        "too_long": _(
            "Please shorten your message to at most %(max)d characters.", max=MESSAGE_MAX_LENGTH
        ),
        "control": _("Please remove control characters from your message."),
        "self": _("You cannot send a contact request to yourself."),
        "not_visible": _(
            "This person is not (or no longer) listed in the directory you see: a contact "
            "request is not possible."
        ),
        "inactive": _(
            "Only participants with a confirmed registration can send and answer contact requests."
        ),
        "pending": _("You have already sent this person a request. Please wait for the answer."),
        "connected": _(
            "You are already in contact with this person: you find their email address "
            "under your contacts."
        ),
        "asked_you": _(
            "This person has already sent you a contact request: please answer it on your "
            "contact requests page."
        ),
        "unknown": _("This contact request does not exist (any more). Please check the link."),
        "answered": _("This contact request has already been answered."),
        "ended": _(
            "This contact request has ended: one of you is no longer registered for the event."
        ),
    }[reason]


def clean_message(message: str | None) -> str:
    """The message as stored (line breaks normalised, ends trimmed), or ContactRefused."""
    text = (message or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ContactRefused("empty")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ContactRefused("too_long")
    if has_control_characters(text):
        raise ContactRefused("control")
    return text


# --- sending ----------------------------------------------------------------------------


def send_contact_request(sender_id: int, recipient_id: int, message: str) -> ContactRequest:
    """Send `message` to another participant, or raise ContactRefused.

    Only to someone the sender can see (both confirmed, same event), not twice while one
    is open, never to someone already in contact, and within the sender's limits per hour
    and per event. The limits are counted under the sender's row lock (PostgreSQL; SQLite
    holds the database write lock), so concurrent sends cannot pass them.

    A request to someone who blocked the sender is stored and looks sent, but nobody is
    mailed and the recipient never sees it: a blocked sender cannot tell a block from a
    request that is not answered.
    """
    text = clean_message(message)
    if sender_id == recipient_id:
        raise ContactRefused("self")
    token, token_hash = new_token()
    try:
        with write_transaction() as session:
            sender = _locked_sender(sender_id)
            recipient = session.get(Registration, recipient_id, populate_existing=True)
            if sender is None:
                raise ContactRefused("unknown")
            if sender.status not in NETWORKING_STATUSES or sender.anonymised_at is not None:
                raise ContactRefused("inactive")
            if recipient is None or not can_see(sender, recipient):
                raise ContactRefused("not_visible")
            senders, recipients = _same_person(sender), _same_person(recipient)
            _check_open_and_connected(sender_id, senders, recipients)
            _check_limits(senders)
            blocked = session.scalar(
                select(ContactBlock.id).where(
                    ContactBlock.blocker_id.in_(recipients), ContactBlock.blocked_id.in_(senders)
                )
            )
            request = ContactRequest(
                event_id=sender.event_id,
                sender_id=sender_id,
                recipient_id=recipient_id,
                message=text,
                status="pending",
                token_hash=token_hash,
            )
            session.add(request)
            session.flush()
            # Sending is consenting to share one's address once the recipient accepts.
            record_consent(session, sender_id, "contact_request")
            if blocked is None:
                queue_contact_request(session.get(Event, sender.event_id), request, token)
    except IntegrityError as exc:  # a concurrent send of the same request got in first
        raise ContactRefused("pending") from exc
    return request


def _locked_sender(sender_id: int) -> Registration | None:
    """The sender, re-read under their row lock: concurrent sends of one sender queue up
    here, so each counts the requests the others made (PostgreSQL; SQLite already holds
    the database lock).

    FOR NO KEY UPDATE, not FOR UPDATE: the new request's foreign keys take a key-share
    lock on both registrations, which FOR UPDATE would block, so two people writing to
    each other at the same moment would deadlock."""
    return db.session.get(
        Registration,
        sender_id,
        populate_existing=True,
        with_for_update={"key_share": True},
    )


def _same_person(registration: Registration):
    """The ids of every registration of this person (address) for this event: a block, the
    limits and "already in contact" hold for the person, so cancelling and registering
    again does not undo them."""
    return select(Registration.id).where(
        Registration.event_id == registration.event_id,
        Registration.email_normalised == registration.email_normalised,
    )


def _check_open_and_connected(sender_id: int, senders, recipients) -> None:
    rows = db.session.execute(
        select(ContactRequest.sender_id, ContactRequest.status).where(
            or_(
                and_(
                    ContactRequest.sender_id.in_(senders),
                    ContactRequest.recipient_id.in_(recipients),
                ),
                and_(
                    ContactRequest.sender_id.in_(recipients),
                    ContactRequest.recipient_id.in_(senders),
                ),
            ),
            ContactRequest.status.in_(("pending", "accepted")),
        )
    ).all()
    if any(status == "accepted" for _sender, status in rows):
        raise ContactRefused("connected")
    if any(sender == sender_id for sender, _status in rows):
        raise ContactRefused("pending")
    if rows:  # the other person asked first: answering that request is the way
        raise ContactRefused("asked_you")


def _check_limits(senders) -> None:
    """Every request counts, whatever became of it: a rate per hour and a total per event,
    over all of the person's registrations for the event."""
    recent = ContactRequest.created_at > utcnow() - RATE_WINDOW
    total, in_window = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((recent, 1), else_=0)), 0)).where(
            ContactRequest.sender_id.in_(senders)
        )
    ).one()
    config = current_app.config
    if total >= config["NETWORK_CONTACT_REQUESTS_PER_EVENT"]:
        raise ContactRefused("total")
    if in_window >= config["NETWORK_CONTACT_REQUESTS_PER_HOUR"]:
        raise ContactRefused("rate")


# --- answering --------------------------------------------------------------------------


def request_by_token(token: str | None) -> ContactRequest | None:
    """The request behind the link in its recipient's mail, or None."""
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(
        select(ContactRequest)
        .options(joinedload(ContactRequest.sender), joinedload(ContactRequest.recipient))
        .where(ContactRequest.token_hash == token_hash)
    )


def answer_contact_request(request_id: int, recipient_id: int, accept: bool) -> ContactRequest:
    """The recipient accepts (both are mailed each other's address) or declines (the sender
    gets a polite note). Raises ContactRefused when the request is not theirs, was answered
    already, or has ended."""
    return _answer(request_id, recipient_id, "accept" if accept else "decline")


def block_sender(request_id: int, recipient_id: int) -> ContactRequest:
    """Decline the request (the sender gets the same note as for any decline, so a block
    looks like one) and stop the sender's further requests reaching the recipient."""
    return _answer(request_id, recipient_id, "block")


def answer_by_token(token: str, answer: str) -> ContactRequest:
    """An answer given on the page behind the recipient's mail link."""
    if answer not in ANSWERS:
        raise ValueError(answer)
    request = request_by_token(token)
    if request is None:
        raise ContactRefused("unknown")
    return _answer(request.id, request.recipient_id, answer)


def _answer(request_id: int, recipient_id: int, answer: str) -> ContactRequest:
    ended = False
    try:
        with write_transaction() as session:
            request = session.get(ContactRequest, request_id, populate_existing=True)
            if request is None or request.recipient_id != recipient_id:
                raise ContactRefused("unknown")
            sender = session.get(Registration, request.sender_id, populate_existing=True)
            recipient = session.get(Registration, recipient_id, populate_existing=True)
            if answer == "block":
                _add_block(recipient_id, request.sender_id)
            if request.status == "pending" and not _both_active(sender, recipient):
                _end_requests([request.id])  # kept (committed) although we refuse below
                ended = True
            elif _claim_answer(request_id, "accepted" if answer == "accept" else "declined"):
                event = session.get(Event, request.event_id)
                session.refresh(request)
                if answer == "accept":
                    # Accepting is the recipient's consent to share their address.
                    record_consent(session, recipient_id, "contact_request")
                    queue_contact_accepted(event, request)
                    _close_reverse_request(request)
                else:
                    queue_contact_declined(event, request)
            elif answer != "block":  # blocking a request answered before still blocks
                raise ContactRefused("ended" if request.status == "ended" else "answered")
    except IntegrityError:
        # Two blocks of the same sender at once: the other one stored it (and the decline).
        db.session.rollback()
        if answer != "block":
            raise
    if ended and answer != "block":
        raise ContactRefused("ended")
    return db.session.get(ContactRequest, request_id, populate_existing=True)


def _claim_answer(request_id: int, status: str) -> bool:
    """Answer the request with one conditional UPDATE: of any number of answers at once,
    exactly one finds it pending, so the addresses are mailed exactly once."""
    result = db.session.execute(
        update(ContactRequest)
        .where(ContactRequest.id == request_id, ContactRequest.status == "pending")
        .values(status=status, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _close_reverse_request(request: ContactRequest) -> None:
    """Two people who wrote to each other at the same moment are in contact once one
    accepts: the other open request is accepted with it, without a second pair of mails."""
    db.session.execute(
        update(ContactRequest)
        .where(
            ContactRequest.sender_id == request.recipient_id,
            ContactRequest.recipient_id == request.sender_id,
            ContactRequest.status == "pending",
        )
        .values(status="accepted", answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _both_active(*people: Registration | None) -> bool:
    return all(
        p is not None and p.status in NETWORKING_STATUSES and p.anonymised_at is None
        for p in people
    )


def _end_requests(request_ids: list[int]) -> None:
    db.session.execute(
        update(ContactRequest)
        .where(ContactRequest.id.in_(request_ids), ContactRequest.status == "pending")
        .values(status="ended", answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _add_block(blocker_id: int, blocked_id: int) -> None:
    exists = db.session.scalar(
        select(ContactBlock.id).where(
            ContactBlock.blocker_id == blocker_id, ContactBlock.blocked_id == blocked_id
        )
    )
    if exists is None:
        db.session.add(ContactBlock(blocker_id=blocker_id, blocked_id=blocked_id))
        db.session.flush()


def unblock(blocker_id: int, blocked_id: int) -> bool:
    """Let the person send requests again; returns whether there was a block. Requests they
    sent while blocked (which nobody saw) are declined silently rather than surfacing
    now without their mail."""
    with write_transaction() as session:
        removed = session.execute(
            delete(ContactBlock)
            .where(ContactBlock.blocker_id == blocker_id, ContactBlock.blocked_id == blocked_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if removed:
            session.execute(
                update(ContactRequest)
                .where(
                    ContactRequest.sender_id == blocked_id,
                    ContactRequest.recipient_id == blocker_id,
                    ContactRequest.status == "pending",
                )
                .values(status="declined", answered_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    return bool(removed)


# --- reading ----------------------------------------------------------------------------


def effective_status(request: ContactRequest) -> str:
    """The status as the participants see it: an open request of someone whose registration
    no longer stands has ended, whether or not that has been written down yet."""
    if request.status == "pending" and not _both_active(request.sender, request.recipient):
        return "ended"
    return request.status


@dataclass(frozen=True)
class ContactEntry:
    request: ContactRequest
    other: Registration  # the other side of the request
    status: str  # effective_status()

    @property
    def email(self) -> str | None:
        """The other's address, only once the request has been accepted."""
        return self.other.email if self.status == "accepted" else None


@dataclass(frozen=True)
class ContactOverview:
    incoming: list[ContactEntry]  # open requests to the participant
    outgoing: list[ContactEntry]  # every request the participant sent, newest first
    contacts: list[ContactEntry]  # accepted, either way, with the other's address
    blocked: list[Registration]  # people the participant blocked


def contact_overview(registration: Registration) -> ContactOverview:
    """Everything on the participant's requests page, in two queries whatever the number."""
    me = registration.id
    requests = (
        db.session.scalars(
            select(ContactRequest)
            .options(joinedload(ContactRequest.sender), joinedload(ContactRequest.recipient))
            .where(or_(ContactRequest.sender_id == me, ContactRequest.recipient_id == me))
            .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
        )
        .unique()
        .all()
    )
    blocked = list(
        db.session.scalars(
            select(Registration)
            .join(ContactBlock, ContactBlock.blocked_id == Registration.id)
            .where(ContactBlock.blocker_id == me)
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
    )
    blocked_ids = {person.id for person in blocked}
    incoming, outgoing, contacts = [], [], []
    in_contact: set[int] = set()
    for request in requests:
        mine = request.sender_id == me
        entry = ContactEntry(
            request, request.recipient if mine else request.sender, effective_status(request)
        )
        if mine:
            outgoing.append(entry)
        elif entry.status == "pending" and request.sender_id not in blocked_ids:
            incoming.append(entry)
        if entry.status == "accepted" and entry.other.id not in in_contact:
            in_contact.add(entry.other.id)  # once, however many requests were accepted
            contacts.append(entry)
    return ContactOverview(incoming, outgoing, contacts, blocked)


def in_contact_with(registration: Registration) -> set[int]:
    """The registrations this participant has exchanged addresses with (one query): the
    directory offers them no new request."""
    me = registration.id
    rows = db.session.execute(
        select(ContactRequest.sender_id, ContactRequest.recipient_id).where(
            or_(ContactRequest.sender_id == me, ContactRequest.recipient_id == me),
            ContactRequest.status == "accepted",
        )
    )
    return {recipient if sender == me else sender for sender, recipient in rows}


def contact_card(viewer: Registration, person_id: int) -> Registration | None:
    """The person a participant may write to, or None if they may not see them."""
    person = db.session.get(Registration, person_id)
    if person is None or not can_see(viewer, person):
        return None
    return person
