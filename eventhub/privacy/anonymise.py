"""Anonymising registrations: what retention does when its time is over and what erasure
does on a person's request.

A registration row stays, so every count the reports need stays: status, attendance
(checked in), seat pool, type of organisation, source, the ESF indicator answers (choices,
aggregated), feedback ratings and how many were invited to give it. Everything that
names, reaches or describes the person goes: name, address, organisation, job title,
free-text and sensitive answers, the private links, the directory profile, contact
requests, blocks and meetings, the named link of a feedback answer and the mails they
were sent (delivered or failed ones are emptied; one still waiting is left to the mail
retention, so a cancellation can still reach the person).

Every function here works inside the caller's write transaction and is idempotent: a
second run finds nothing left to change. Nothing here logs a name, address or token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, String, and_, cast, delete, exists, literal, or_, select, update
from sqlalchemy.orm import Session

from eventhub.mail.composing import compose_before_erasing
from eventhub.models import (
    CHOICE_KINDS,
    Answer,
    Certificate,
    ContactBlock,
    ContactRequest,
    Event,
    FeedbackInvite,
    FeedbackResponse,
    Meeting,
    MeetingBooking,
    MeetingUnavailable,
    NetworkProfile,
    OutboxMessage,
    ParticipantFeed,
    Question,
    Registration,
)
from eventhub.models.base import utcnow

# Answers kept after anonymising: the statistical questions' choices, counted in reports
# (an option key says nothing about who chose it once the name is gone).
KEPT_ANSWER_KINDS = (*CHOICE_KINDS, "boolean")
# SQLite allows 32,766 bound parameters, PostgreSQL 65,535: stay well below in IN lists.
CHUNK = 500
# Outbox rows whose content may go: a queued or sending mail is still to be delivered.
DONE_MAIL = ("sent", "failed")


def _dead_key(column):
    """ "anonymised-<id>": unique like the value it replaces, and never equal to a token's
    SHA-256 (64 hex digits), so no link matches it any more."""
    return literal("anonymised-").concat(cast(column, String))


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def empty_mails(session: Session, condition) -> int:
    """Empty the delivered and failed outbox rows matching `condition`: the row (kind,
    status, times, links) stays for the counts, the recipient and the message go."""
    result = session.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.status.in_(DONE_MAIL), OutboxMessage.recipient != "")
        .values(recipient="", mailbox="", subject="", message=b"", last_error="", compose_args=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def delete_network_data(session: Session, registrations: Sequence[int] | Select) -> int:
    """Directory profiles, contact requests, blocks and meetings (with their bookings and
    marked-unavailable slots) of these registrations (ids, or a query of ids: one pass
    for a whole event); returns how many rows went."""
    gone = 0
    parts = [registrations] if isinstance(registrations, Select) else chunks(registrations)
    for part in parts:
        meetings = select(Meeting.id).where(
            or_(Meeting.requester_id.in_(part), Meeting.partner_id.in_(part))
        )
        statements = (
            delete(MeetingBooking).where(MeetingBooking.meeting_id.in_(meetings)),
            delete(Meeting).where(Meeting.id.in_(meetings)),
            delete(MeetingUnavailable).where(MeetingUnavailable.registration_id.in_(part)),
            delete(ContactRequest).where(
                or_(ContactRequest.sender_id.in_(part), ContactRequest.recipient_id.in_(part))
            ),
            delete(ContactBlock).where(
                or_(ContactBlock.blocker_id.in_(part), ContactBlock.blocked_id.in_(part))
            ),
            # The profile's tags go with it (ON DELETE CASCADE).
            delete(NetworkProfile).where(NetworkProfile.registration_id.in_(part)),
        )
        for statement in statements:
            gone += session.execute(statement.execution_options(synchronize_session=False)).rowcount
    return gone


def delete_sensitive_answers(session: Session, event_id: int) -> int:
    """The answers to the event's sensitive questions (diet, accessibility needs): the
    first data to go, right after the event."""
    return session.execute(
        delete(Answer)
        .where(
            Answer.question_id.in_(
                select(Question.id).where(
                    Question.event_id == event_id, Question.sensitive.is_(True)
                )
            )
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def anonymise_registrations(
    session: Session,
    registration_ids: Sequence[int],
    *,
    certificates: bool = False,
    network_and_mails: bool = True,
) -> int:
    """Anonymise these registrations (see the module's docstring); returns how many were
    changed now (already anonymised ones are skipped). `certificates=True` (erasure) also
    deletes their certificates of attendance, which retention keeps longer
    (RETENTION_CERTIFICATE_DAYS) because people need them as proof.
    `network_and_mails=False`: the caller removes the network data and empties the mails
    for the whole event itself (the retention job: one statement instead of one a batch)."""
    now = utcnow()
    changed = 0
    for part in chunks(registration_ids):
        addresses = set(
            session.scalars(
                select(Registration.email_normalised).where(
                    Registration.id.in_(part), Registration.anonymised_at.is_(None)
                )
            )
        )
        # Mails still on their way stay (as when they were written): those the worker
        # has yet to compose are composed now, while the names are there.
        compose_before_erasing(session, OutboxMessage.registration_id.in_(part))
        # The rows first: their locks order us after any networking write that holds
        # them, and a later one sees the row anonymised and stops (network.meetings,
        # network.contacts); what such a write committed before is deleted below.
        changed += session.execute(
            update(Registration)
            .where(Registration.id.in_(part), Registration.anonymised_at.is_(None))
            .values(
                first_name="",
                last_name="",
                email="",
                # Unique per row: one active registration per address and event.
                email_normalised=_dead_key(Registration.id),
                organisation="",
                job_title="",
                search_text="",
                directory_visibility="hidden",
                token_hash=_dead_key(Registration.id),
                resent_token_hash=None,
                anonymised_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if network_and_mails:
            delete_network_data(session, part)
        session.execute(
            delete(Answer)
            .where(
                Answer.registration_id.in_(part),
                ~exists().where(
                    Question.id == Answer.question_id,
                    Question.statistical.is_(True),
                    Question.sensitive.is_(False),
                    Question.kind.in_(KEPT_ANSWER_KINDS),
                ),
            )
            .execution_options(synchronize_session=False)
        )
        # The invitation stays counted ("invited"), its link stops working; a named
        # answer becomes an anonymous one.
        session.execute(
            update(FeedbackInvite)
            .where(FeedbackInvite.registration_id.in_(part))
            .values(token_hash=_dead_key(FeedbackInvite.id))
            .execution_options(synchronize_session=False)
        )
        _unname_feedback(session, part)
        if certificates:
            session.execute(
                delete(Certificate)
                .where(Certificate.registration_id.in_(part))
                .execution_options(synchronize_session=False)
            )
        if network_and_mails:
            empty_mails(session, OutboxMessage.registration_id.in_(part))
        _drop_orphan_feeds(session, addresses)
    return changed


def _unname_feedback(session: Session, registration_ids: list[int]) -> None:
    """A named feedback answer becomes anonymous: the link to the person goes, and so do
    the comment and the free-text answers, which the organisers read next to the name;
    the rating, the ticks and the choices stay for the figures."""
    rows = session.execute(
        select(FeedbackResponse.id, FeedbackResponse.answers, Event.feedback_questions)
        .join(Event, Event.id == FeedbackResponse.event_id)
        .where(FeedbackResponse.registration_id.in_(registration_ids))
    ).all()
    for response_id, answers, questions in rows:
        with_choices = {q.get("label") for q in questions or () if q.get("choices")}
        session.execute(
            update(FeedbackResponse)
            .where(FeedbackResponse.id == response_id)
            .values(
                registration_id=None,
                comment="",
                answers=[a for a in answers or () if a.get("question") in with_choices],
            )
            .execution_options(synchronize_session=False)
        )


def _drop_orphan_feeds(session: Session, addresses: set[str]) -> None:
    """A personal calendar feed goes once no registration of its address is left."""
    if not addresses:
        return
    session.execute(
        delete(ParticipantFeed)
        .where(
            ParticipantFeed.email_normalised.in_(addresses),
            ~exists().where(
                and_(Registration.email_normalised == ParticipantFeed.email_normalised)
            ),
        )
        .execution_options(synchronize_session=False)
    )
