"""Feedback after an event: who was invited (and whether they answered) apart from what
was answered, so an anonymous answer holds no way back to the person."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow


class FeedbackInvite(db.Model):
    """One person's invitation to the survey: the private link (its hash) and THAT they
    answered, never what or when. One per registration: the unique column makes the
    invitation mail exactly once, however many schedulers run at the same time."""

    __tablename__ = "feedback_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once by a conditional UPDATE in the transaction that stores the answer: the
    # guard for "one answer per person". A flag, not a time, so it cannot be matched to
    # an answer by its moment.
    answered: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # What the invitation promised: answers with the person's name (the survey was not
    # anonymous when it was sent). Only then can an answer carry the registration.
    named: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


def random_response_id() -> str:
    return uuid.uuid4().hex


class FeedbackResponse(db.Model):
    """One answer to an event's survey. Anonymous (the default): no registration, token,
    address or time; a random key, so the order of the rows says nothing about the order
    of the answers. Named (the organisers chose so, and the survey page says so): the
    registration, cleared when that registration is deleted."""

    __tablename__ = "feedback_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_response_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    rating: Mapped[int]  # 1 (poor) to 5 (very good)
    # Keys of eventhub.events.feedback.MOST_USEFUL the person ticked.
    most_useful: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    # The organisers' questions as asked then: [{"question": label, "answer": text}].
    answers: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # The privacy notice in force when the answer was given. Kept on the answer itself, not
    # in a consent record of the registration: for an anonymous answer that record's time
    # would tie the answer to the person (see eventhub.events.feedback.submit_feedback).
    notice_version: Mapped[str] = mapped_column(String(40), default="", server_default="")
