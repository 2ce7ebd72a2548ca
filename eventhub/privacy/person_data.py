"""Everything stored about one email address (Art. 15 GDPR): for the person's own page
and JSON download, and for an organiser's export restricted to their organisation's
events. One query per kind of record, whatever the number of rows; nothing about anyone
else beyond what the person saw (a contact's name, an address only once shared)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from eventhub.access import managed_by
from eventhub.events.questions import answer_text, question_label
from eventhub.extensions import db
from eventhub.models import (
    Answer,
    Certificate,
    ConsentRecord,
    ContactBlock,
    ContactRequest,
    Event,
    FeedbackInvite,
    FeedbackResponse,
    Meeting,
    MeetingTable,
    MeetingUnavailable,
    NetworkProfile,
    NetworkTag,
    OutboxMessage,
    ParticipantFeed,
    PrivacyRequest,
    Question,
    Registration,
)
from eventhub.models.base import utcnow
from eventhub.models.mail import mailbox_key
from eventhub.models.registration import normalise_email
from eventhub.network.visibility import NETWORKING_STATUSES

# What the export's top level always holds (lists may be empty).
SECTIONS = ("registrations", "participant_feed", "mails", "access_requests")


def person_data(
    email_normalised: str, *, language: str, organisation_id: int | None = None
) -> dict[str, Any]:
    """What is stored about the address, as plain values (times as aware datetimes; see
    as_json). With `organisation_id`: only what that organisation's events hold (no
    site-wide records such as the private feed or these access requests)."""
    ahead = aliased(Registration, name="ahead")
    waiting_ahead = (
        select(func.count())
        .select_from(ahead)
        .where(
            ahead.event_id == Registration.event_id,
            ahead.attendance == Registration.attendance,
            ahead.status == "waiting",
            ahead.waiting_rank < Registration.waiting_rank,
        )
        .correlate(Registration)
        .scalar_subquery()
    )
    query = (
        select(Registration, Event, waiting_ahead)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.email_normalised == email_normalised)
        .order_by(Event.starts_at, Registration.id)
    )
    if organisation_id is not None:
        query = query.where(managed_by([organisation_id]))
    rows = db.session.execute(query).all()
    ids = [registration.id for registration, _event, _ahead in rows]
    registrations = []
    for registration, event, ahead in rows:
        registrations.append(
            {
                "id": registration.uid,
                "event": {
                    "title": event.title,
                    "slug": event.slug,
                    "starts_at": event.starts_at,
                    "ends_at": event.ends_at,
                    "timezone": event.timezone,
                },
                "status": registration.status,
                "status_reason": registration.status_reason,
                "waiting_position": (ahead + 1)
                if registration.status == "waiting" and registration.waiting_rank is not None
                else None,
                "attendance": registration.attendance,
                "role": registration.role,
                "first_name": registration.first_name,
                "last_name": registration.last_name,
                "email": registration.email,
                "organisation": registration.organisation,
                "job_title": registration.job_title,
                "organisation_type": registration.organisation_type,
                "language": registration.language,
                "source": registration.source,
                "registered_as_group": registration.group_uid is not None,
                "directory_visibility": registration.directory_visibility,
                "created_at": registration.created_at,
                "updated_at": registration.updated_at,
                "cancelled_at": registration.cancelled_at,
                "hold_until": registration.hold_until,
                "offer_expires_at": registration.offer_expires_at,
                "checked_in_at": registration.checked_in_at,
                "answers": [],
                "directory_profile": None,
                "consents": [],
                "certificates": [],
                "feedback_invitation": None,
                "feedback": [],
                "contact_requests": [],
                "blocked": [],
                "meetings": [],
                "unavailable_for_meetings": [],
            }
        )
    by_id = dict(zip(ids, registrations, strict=True))
    _answers(by_id, language)
    _profiles(by_id)
    _consents(by_id)
    _certificates(by_id)
    _feedback(by_id)
    _contacts(by_id)
    _meetings(by_id)
    data: dict[str, Any] = {
        "email": email_normalised,
        "generated_at": utcnow(),
        "registrations": registrations,
        "participant_feed": None,
        "mails": _mails(email_normalised, ids, organisation_id),
        "access_requests": [],
    }
    if organisation_id is None:
        data["participant_feed"] = _feed(email_normalised)
        data["access_requests"] = _access_requests(email_normalised)
    return data


def item_count(data: dict[str, Any]) -> int:
    """How many records the export holds (registrations and mails: the audit's rows)."""
    return len(data["registrations"]) + len(data["mails"])


def _answers(by_id: dict[int, dict], language: str) -> None:
    rows = db.session.execute(
        select(Answer.registration_id, Answer.value, Question)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.registration_id.in_(list(by_id)))
        .order_by(Answer.registration_id, Question.position, Question.id)
    ).all()
    for registration_id, value, question in rows:
        by_id[registration_id]["answers"].append(
            {
                "question": question_label(question, language),
                "answer": answer_text(question, value, language),
                "sensitive": question.sensitive,
                "statistical": question.statistical,
            }
        )


def _profiles(by_id: dict[int, dict]) -> None:
    profiles = db.session.execute(
        select(NetworkProfile.id, NetworkProfile.registration_id, NetworkProfile).where(
            NetworkProfile.registration_id.in_(list(by_id))
        )
    ).all()
    tags = defaultdict(list)
    for profile_id, side, category in db.session.execute(
        select(NetworkTag.profile_id, NetworkTag.side, NetworkTag.category)
        .where(NetworkTag.profile_id.in_([row[0] for row in profiles]))
        .order_by(NetworkTag.category)
    ):
        tags[(profile_id, side)].append(category)
    for profile_id, registration_id, profile in profiles:
        by_id[registration_id]["directory_profile"] = {
            "offers_text": profile.offers_text,
            "seeks_text": profile.seeks_text,
            "offers": tags[(profile_id, "offers")],
            "seeks": tags[(profile_id, "seeks")],
            "updated_at": profile.updated_at,
        }


def _consents(by_id: dict[int, dict]) -> None:
    for record in db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.registration_id.in_(list(by_id)))
        .order_by(ConsentRecord.created_at, ConsentRecord.id)
    ):
        by_id[record.registration_id]["consents"].append(
            {
                "purpose": record.purpose,
                "action": record.action,
                "notice_version": record.notice_version,
                "at": record.created_at,
            }
        )


def _certificates(by_id: dict[int, dict]) -> None:
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.registration_id.in_(list(by_id)))
    ):
        by_id[certificate.registration_id]["certificates"].append(
            {
                "code": certificate.code,
                "holder_name": certificate.holder_name,
                "event_title": certificate.event_title,
                "issued_at": certificate.issued_at,
                "revoked_at": certificate.revoked_at,
                "mailed_at": certificate.mailed_at,
            }
        )


def _feedback(by_id: dict[int, dict]) -> None:
    for invite in db.session.scalars(
        select(FeedbackInvite).where(FeedbackInvite.registration_id.in_(list(by_id)))
    ):
        by_id[invite.registration_id]["feedback_invitation"] = {
            "sent_at": invite.sent_at,
            "answered": invite.answered,
            "named": invite.named,
        }
    # Only named answers carry the registration; anonymous ones cannot be linked to anyone.
    for response in db.session.scalars(
        select(FeedbackResponse).where(FeedbackResponse.registration_id.in_(list(by_id)))
    ):
        by_id[response.registration_id]["feedback"].append(
            {
                "rating": response.rating,
                "most_useful": list(response.most_useful or []),
                "comment": response.comment,
                "answers": list(response.answers or []),
            }
        )


def _other(registration: Registration) -> dict[str, str]:
    """Another participant as the person saw them: name and organisation."""
    return {"name": registration.full_name, "organisation": registration.organisation}


def _contacts(by_id: dict[int, dict]) -> None:
    ids = list(by_id)
    sender, recipient = aliased(Registration), aliased(Registration)
    rows = db.session.execute(
        select(ContactRequest, sender, recipient)
        .join(sender, sender.id == ContactRequest.sender_id)
        .join(recipient, recipient.id == ContactRequest.recipient_id)
        .where(or_(ContactRequest.sender_id.in_(ids), ContactRequest.recipient_id.in_(ids)))
        .order_by(ContactRequest.created_at, ContactRequest.id)
    ).all()
    for request, from_, to in rows:
        status = request.status
        if status == "pending" and not all(p.status in NETWORKING_STATUSES for p in (from_, to)):
            status = "ended"
        # A request between two registrations of the same address shows on both.
        for me, other, direction in ((from_, to, "sent"), (to, from_, "received")):
            if me.id not in by_id:
                continue
            entry = {
                "direction": direction,
                "with": _other(other),
                "status": status,
                "created_at": request.created_at,
                "answered_at": request.answered_at,
                # Their own message only: what the other wrote is theirs.
                "message": request.message if direction == "sent" else None,
                "email_of_other": other.email if status == "accepted" else None,
            }
            by_id[me.id]["contact_requests"].append(entry)
    blocked = aliased(Registration)
    for blocker_id, person in db.session.execute(
        select(ContactBlock.blocker_id, blocked)
        .join(blocked, blocked.id == ContactBlock.blocked_id)
        .where(ContactBlock.blocker_id.in_(ids))
    ):
        by_id[blocker_id]["blocked"].append(_other(person))


def _meetings(by_id: dict[int, dict]) -> None:
    ids = list(by_id)
    requester, partner = aliased(Registration), aliased(Registration)
    rows = db.session.execute(
        select(Meeting, requester, partner, MeetingTable.name)
        .join(requester, requester.id == Meeting.requester_id)
        .join(partner, partner.id == Meeting.partner_id)
        .outerjoin(MeetingTable, MeetingTable.id == Meeting.table_id)
        .where(or_(Meeting.requester_id.in_(ids), Meeting.partner_id.in_(ids)))
        .order_by(Meeting.slot_start, Meeting.created_at, Meeting.id)
    ).all()
    for meeting, asked_by, asked, table in rows:
        for me, other, role in ((asked_by, asked, "requested"), (asked, asked_by, "invited")):
            if me.id not in by_id:
                continue
            by_id[me.id]["meetings"].append(
                {
                    "role": role,
                    "with": _other(other),
                    "status": meeting.status,
                    "arranged_by_organisers": meeting.arranged,
                    "starts_at": meeting.slot_start,
                    "ends_at": meeting.slot_end,
                    "table": table,
                    # The note is the requester's: the partner sees it, but it is not theirs.
                    "note": meeting.note if role == "requested" else None,
                    "email_of_other": other.email if meeting.shares_addresses else None,
                    "created_at": meeting.created_at,
                }
            )
    for registration_id, slot_start in db.session.execute(
        select(MeetingUnavailable.registration_id, MeetingUnavailable.slot_start)
        .where(MeetingUnavailable.registration_id.in_(ids))
        .order_by(MeetingUnavailable.slot_start)
    ):
        by_id[registration_id]["unavailable_for_meetings"].append(slot_start)


def _mails(email_normalised: str, ids: list[int], organisation_id: int | None) -> list[dict]:
    """Mails to the address (the mailbox key narrows by index, the exact address decides):
    when, subject, kind, state; never the body. An organiser's export: only mails of
    their events."""
    query = (
        select(OutboxMessage, Event.title)
        .outerjoin(Event, Event.id == OutboxMessage.event_id)
        .where(OutboxMessage.mailbox == mailbox_key(email_normalised))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    if organisation_id is not None:
        query = query.where(OutboxMessage.event_id.is_not(None), managed_by([organisation_id]))
    return [
        {
            "created_at": row.created_at,
            "sent_at": row.sent_at,
            "subject": row.subject,
            "kind": row.kind,
            "status": row.status,
            "event": title,
        }
        for row, title in db.session.execute(query)
        if normalise_email(row.recipient) == email_normalised
    ]


def _feed(email_normalised: str) -> dict | None:
    feed = db.session.scalar(
        select(ParticipantFeed).where(ParticipantFeed.email_normalised == email_normalised)
    )
    if feed is None:
        return None
    return {"created_at": feed.created_at, "version": feed.version}


def _access_requests(email_normalised: str) -> list[dict]:
    return [
        {"created_at": r.created_at, "expires_at": r.expires_at, "used_at": r.used_at}
        for r in db.session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.email_normalised == email_normalised)
            .order_by(PrivacyRequest.created_at, PrivacyRequest.id)
        )
    ]


def as_json(value: Any) -> Any:
    """The export with its times as ISO 8601 (UTC) strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value
