"""An event's own questions on the registration form: what is asked, in which language,
how answers are validated, changed by the participant, and shown in exports."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from eventhub.database import write_transaction
from eventhub.events.consent import record_change, record_consent
from eventhub.events.seats import writable_registration
from eventhub.extensions import db
from eventhub.models import ACTIVE_STATUSES, CHOICE_KINDS, Answer, Event, Question, Registration
from eventhub.models.base import utcnow
from eventhub.text import has_control_characters, single_line

TEXT_MAX = 300
TEXTAREA_MAX = 4000
# Numbers people type into a registration form (participants, years, kilometres, ...):
# far beyond these is a typing error, and floats this size keep their digits in JSON.
NUMBER_MAX = 1_000_000_000
NUMBER_DECIMALS = 4
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
# What a form's yes/no radio buttons (and a lenient API client) send.
YES = ("yes", "true", "1", "y", "on", "ja")
NO = ("no", "false", "0", "n", "off", "nein")


class AnswersInvalid(Exception):
    """Some answers are missing or not valid: {question id: message in the user's language}."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(errors)
        self.errors = errors


class AnswersClosed(Exception):
    """The answers can no longer be changed (the deadline passed, or not registered)."""


# --- what is asked ----------------------------------------------------------------


def active_questions(event_id: int) -> list[Question]:
    """The questions the form asks, in order (one query)."""
    return list(db.session.scalars(_active_questions(), {"event_id": event_id}))


@cache
def _active_questions():
    # Built once: every registration form asks.
    return (
        select(Question)
        .where(Question.event_id == bindparam("event_id"), Question.archived_at.is_(None))
        .order_by(Question.position, Question.id)
    )


def event_questions(event_id: int) -> list[Question]:
    """Every question of the event, archived ones after the asked ones (for the workspace
    and exports, which keep the answers to archived questions)."""
    return sorted(
        db.session.scalars(select(Question).where(Question.event_id == event_id)),
        key=lambda q: (q.archived_at is not None, q.position, q.id),
    )


def _in(language: str, german: str, english: str) -> str:
    """The English text for English readers when there is one; German otherwise."""
    if language.startswith("en") and english.strip():
        return english
    return german


def question_label(question: Question, language: str) -> str:
    return _in(language, question.label_de, question.label_en)


def question_help(question: Question, language: str) -> str:
    return _in(language, question.help_de, question.help_en)


def option_label(option: Mapping, language: str) -> str:
    return _in(language, option.get("de", "") or option["key"], option.get("en", ""))


def offered_options(question: Question) -> list[dict]:
    """The options the form offers (retired ones are only shown on existing answers)."""
    return [o for o in question.options or [] if not o.get("retired")]


def option_labels(question: Question, language: str) -> dict[str, str]:
    """Every option key, retired ones included, with its label."""
    return {o["key"]: option_label(o, language) for o in question.options or []}


# --- statistics: answered by consent ------------------------------------------------

# The "prefer not to say" option ("keine Angabe") of statistical questions (the ESF set).
NO_ANSWER_KEY = "no_answer"


def answer_required(question: Question) -> bool:
    """Whether the form insists on an answer. Statistical questions are answered by
    consent, so they are optional whatever their `required` says: no answer counts as
    "not answered" in the figures, like "prefer not to say"."""
    return question.required and not question.statistical


def _declined(value: object) -> bool:
    return value in (None, NO_ANSWER_KEY, [NO_ANSWER_KEY], "", [])


def shares_statistics(questions: Iterable[Question], values: Mapping[int, object]) -> bool:
    """Whether these answers share statistics: some statistical question is answered with
    something other than "prefer not to say"."""
    return any(q.statistical and not _declined(values.get(q.id)) for q in questions)


def answers_editable_until(event: Event) -> dt.datetime:
    """Participants change their answers until the registration deadline, or the start."""
    return event.registration_closes_at or event.starts_at


def answers_editable(event: Event, registration: Registration) -> bool:
    return registration.status in ACTIVE_STATUSES and utcnow() < answers_editable_until(event)


# --- validating -------------------------------------------------------------------


def validate_answers(
    questions: Iterable[Question],
    raw: Mapping[int, object],
    *,
    kept: Mapping[int, object] | None = None,
) -> dict[int, object]:
    """The answers to the questions from raw input (form strings, or JSON values), or
    AnswersInvalid with one message per question in the current language.

    Blank answers to optional questions are left out. `kept` are the answers stored
    before: an option retired since may stay chosen, but not be chosen anew.
    """
    values: dict[int, object] = {}
    errors: dict[int, str] = {}
    for question in questions:
        before = (kept or {}).get(question.id)
        try:
            value = _answer(question, raw.get(question.id), before)
        except ValueError as exc:
            errors[question.id] = str(exc)
            continue
        if value is None:
            if answer_required(question):
                errors[question.id] = _missing(question)
            continue
        values[question.id] = value
    if errors:
        raise AnswersInvalid(errors)
    return values


def _missing(question: Question) -> str:
    if question.kind in ("choice", "boolean"):
        return _("Please choose an answer.")
    if question.kind == "multiple":
        return _("Please choose at least one answer.")
    return _("Please answer this question.")


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _answer(question: Question, value: object, before: object) -> object:
    """One validated answer, None for no answer; ValueError with the message otherwise."""
    if question.kind == "multiple":
        return _multiple(question, value, before)
    if isinstance(value, list | tuple):
        raise ValueError(_("Please give one answer only."))
    if _blank(value):
        return None
    kind = question.kind
    if kind in ("text", "textarea"):
        return _text(value, multiline=kind == "textarea")
    if kind == "choice":
        return _choice(question, value, before)
    if kind == "boolean":
        return _boolean(value)
    if kind == "number":
        return _number(value)
    if kind == "date":
        return _date(value)
    raise ValueError(_("This question cannot be answered."))


def _text(value: object, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise ValueError(_("Please answer with text."))
    text = value.replace("\r\n", "\n").strip()
    if has_control_characters(text):
        if multiline:
            raise ValueError(
                _("Please remove control characters (only line breaks and tabs are allowed).")
            )
        raise ValueError(_("Please remove control characters from this answer."))
    if not multiline:
        if re.search(r"[\n\r]", text):
            raise ValueError(_("Please write this answer on one line."))
        text = single_line(text)  # a pasted tab is a space, as in the other one-line fields
    limit = TEXTAREA_MAX if multiline else TEXT_MAX
    if len(text) > limit:
        raise ValueError(_("Please use at most %(max)d characters.", max=limit))
    return text


def _allowed_keys(question: Question, before: object) -> set[str]:
    kept = set(before) if isinstance(before, list) else {before}
    return {o["key"] for o in offered_options(question)} | (
        {o["key"] for o in question.options or []} & kept
    )


def _choice(question: Question, value: object, before: object) -> str:
    if not isinstance(value, str) or value not in _allowed_keys(question, before):
        raise ValueError(_("Please choose one of the answers offered."))
    return value


def _multiple(question: Question, value: object, before: object) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("Please choose among the answers offered."))
    chosen = {v for v in value if v}
    if not chosen:
        return None
    if chosen - _allowed_keys(question, before):
        raise ValueError(_("Please choose among the answers offered."))
    # In the order of the options, so equal answers look equal.
    return [o["key"] for o in question.options or [] if o["key"] in chosen]


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in YES:
        return True
    if isinstance(value, str) and value.strip().casefold() in NO:
        return False
    raise ValueError(_("Please answer yes or no."))


def _number(value: object) -> int | float:
    if isinstance(value, bool):
        raise ValueError(_("Please enter a number."))
    if isinstance(value, int | float):
        number = Decimal(str(value)) if math.isfinite(value) else None
    elif isinstance(value, str) and len(value) <= 40:
        # Digits with one decimal mark, "," or "." ("1.234,5" is ambiguous, "1e9" no
        # way to write a number on a form).
        text = value.strip().replace(" ", "").replace("\u202f", "")
        match = re.fullmatch(r"[+-]?[0-9]+(?:[.,][0-9]+)?", text)
        number = Decimal(text.replace(",", ".")) if match else None
    else:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(_("Please enter a number, such as 12 or 3,5."))
    if abs(number) > NUMBER_MAX:
        raise ValueError(_("Please enter a smaller number."))
    if number != number.quantize(Decimal(1).scaleb(-NUMBER_DECIMALS), rounding="ROUND_HALF_EVEN"):
        raise ValueError(_("Please use at most %(num)d decimal places.", num=NUMBER_DECIMALS))
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: object) -> str:
    day = None
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise ValueError(_("Please enter a date as YYYY-MM-DD."))
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(_("Please enter a date between 1900 and 2100."))
    return day.isoformat()


# --- the participant's answers ----------------------------------------------------


def answers_of(registration_ids: Iterable[int]) -> dict[int, dict[int, object]]:
    """{registration id: {question id: value}} for these registrations, in one query
    (also for none: a page's query count stays the same, whatever is on it)."""
    ids = list(registration_ids)
    found: dict[int, dict[int, object]] = {i: {} for i in ids}
    rows = db.session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value).where(
            Answer.registration_id.in_(ids)
        )
    )
    for registration_id, question_id, value in rows:
        found[registration_id][question_id] = value
    return found


def change_answers(
    registration_id: int, raw: Mapping[int, object], *, by_organiser: bool = False
) -> dict[int, object]:
    """The participant (or, `by_organiser`, the event's organisers) changes the answers to
    the asked questions, in one write transaction; answers to archived questions stay as
    they are. Raises AnswersClosed after the deadline or once cancelled (organisers: never)
    and AnswersInvalid for bad input."""
    with write_transaction() as session:
        # The event locked first; refused (RegistrationAnonymised) once anonymised.
        registration = writable_registration(registration_id)
        event = session.get(Event, registration.event_id)
        if not by_organiser and not answers_editable(event, registration):
            raise AnswersClosed(registration_id)
        questions = active_questions(event.id)
        stored = {
            a.question_id: a
            for a in session.scalars(
                select(Answer).where(Answer.registration_id == registration_id)
            )
        }
        kept = {k: a.value for k, a in stored.items()}
        values = validate_answers(questions, raw, kept=kept)
        record_change(
            session,
            registration_id,
            "statistics",
            before=shares_statistics(questions, kept),
            after=shares_statistics(questions, values),
            source="manual" if by_organiser else "web",
        )
        for question in questions:
            answer = stored.get(question.id)
            value = values.get(question.id)
            if value is None and answer is not None:
                session.delete(answer)
            elif answer is None and value is not None:
                session.add(
                    Answer(registration_id=registration_id, question_id=question.id, value=value)
                )
            elif answer is not None and answer.value != value:
                answer.value = value
    return values


def withdraw_statistics(registration_id: int) -> int:
    """The person withdraws their consent to the statistics: every answer of theirs to a
    statistical question (archived ones too) is deleted and the withdrawal recorded, in one
    transaction. Possible at any time, also after the deadline for changing answers and
    after cancelling. Returns how many answers were deleted."""
    with write_transaction() as session:
        answers = session.scalars(
            select(Answer)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.registration_id == registration_id, Question.statistical.is_(True))
        ).all()
        shared = any(not _declined(a.value) for a in answers)
        for answer in answers:
            session.delete(answer)
        if shared:
            record_consent(session, registration_id, "statistics", given=False)
    return len(answers)


def has_statistics_answers(registration_id: int) -> bool:
    return (
        db.session.scalar(
            select(Answer.id)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.registration_id == registration_id, Question.statistical.is_(True))
            .limit(1)
        )
        is not None
    )


# --- showing answers ----------------------------------------------------------------


def answer_text(question: Question, value: object, language: str) -> str:
    """An answer as text for pages and exports: option labels, Ja/Nein, local dates."""
    if value is None:
        return ""
    if question.kind in CHOICE_KINDS:
        labels = option_labels(question, language)
        keys = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(k), str(k)) for k in keys)
    if question.kind == "boolean":
        return _("Yes") if value else _("No")
    if question.kind == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return day.strftime("%d.%m.%Y") if not language.startswith("en") else day.isoformat()
    if question.kind == "number" and isinstance(value, float) and not language.startswith("en"):
        return str(value).replace(".", ",")
    return str(value)


@dataclass(frozen=True)
class ShownAnswer:
    question: Question
    label: str
    text: str  # empty: not answered


def shown_answers(
    questions: Iterable[Question], values: Mapping[int, object], language: str
) -> list[ShownAnswer]:
    return [
        ShownAnswer(q, question_label(q, language), answer_text(q, values.get(q.id), language))
        for q in questions
    ]


@dataclass(frozen=True)
class AnswerColumns:
    """The question columns of an export: contact-related ones, then the statistical block."""

    questions: list[Question]
    headers: list[str]

    def cells(self, values: Mapping[int, object], language: str) -> tuple[str, ...]:
        return tuple(answer_text(q, values.get(q.id), language) for q in self.questions)


def answer_columns(event_id: int, language: str, *, sensitive: bool = True) -> AnswerColumns:
    """One column per question (archived ones included, marked), statistical ones last;
    without the sensitive questions' unless `sensitive`."""
    questions = sorted(
        (q for q in event_questions(event_id) if sensitive or not q.sensitive),
        key=lambda q: q.statistical,
    )
    headers = []
    for question in questions:
        header = question_label(question, language)
        if question.statistical:
            header = _("Statistics: %(label)s", label=header)
        if question.archived_at is not None:
            header = _("%(label)s (no longer asked)", label=header)
        headers.append(header)
    return AnswerColumns(questions, headers)
