"""Questions an event's organisers add to its registration form, and the answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.extensions import db
from eventhub.models.base import UTCDateTime, utcnow

# short text, long text, single choice, multiple choice, yes/no, number, date
QUESTION_KINDS = ("text", "textarea", "choice", "multiple", "boolean", "number", "date")
# Kinds whose answers must be among the question's options.
CHOICE_KINDS = ("choice", "multiple")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))
    label_de: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    help_de: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # For choice kinds: [{"key": "w", "de": "weiblich", "en": "female", "retired": false}].
    # Keys are stable: answers store keys, so relabelling an option keeps its answers, and
    # a removed option is only marked retired (no longer offered, still shown in answers).
    options: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # Statistical data for a funder's report (the ESF set): aggregated, exported apart
    # from contact data. `purpose` names which statistic ("gender", "employment", ...).
    statistical: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    purpose: Mapped[str] = mapped_column(String(30), default="", server_default="")
    # Sensitive (accessibility needs, diet): shown only to the event's organisers, and
    # purged first by the data-protection rules.
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # A question removed after answers exist is archived, not deleted: its answers stay in
    # the workspace and the exports, the form no longer asks it.
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    # str (text, textarea, choice key, ISO date), list[str] (multiple), bool, int or float.
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    question: Mapped[Question] = relationship()
