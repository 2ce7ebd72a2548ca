"""Organisers' questions on an event's registration form: add, change, reorder, remove,
the ready ESF set, and counts for the report. Answers are never lost: removed options
are retired, removed questions with answers are archived."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from eventhub.database import write_transaction
from eventhub.events.questions import event_questions, option_labels, question_label
from eventhub.extensions import db
from eventhub.models import CHOICE_KINDS, QUESTION_KINDS, Answer, Question, Registration
from eventhub.models.base import utcnow
from eventhub.text import has_control_characters, slugify

OPTION_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_OPTIONS = 50
LABEL_MAX = 300
HELP_MAX = 1000


class QuestionError(Exception):
    """A question cannot be saved as given; `field` names the form field concerned."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class QuestionData:
    kind: str
    label_de: str
    label_en: str = ""
    help_de: str = ""
    help_en: str = ""
    required: bool = False
    options: list[dict] = field(default_factory=list)  # [{"key", "de", "en"}], offered ones
    statistical: bool = False
    sensitive: bool = False
    purpose: str = ""


# --- options as lines -------------------------------------------------------------


def parse_option_lines(text: str) -> list[dict]:
    """Options from lines "key | Deutsch | English"; "Deutsch | English" or "Deutsch"
    alone get a key made from the German label. QuestionError("options") when not valid."""
    options: list[dict] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if has_control_characters(line):
            raise QuestionError(
                "options", _("Line %(num)d: please remove control characters.", num=number)
            )
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 3:
            raise QuestionError(
                "options",
                _(
                    "Line %(num)d: please use at most three parts: key | Deutsch | English.",
                    num=number,
                ),
            )
        if len(parts) == 3:
            key, german, english = parts
        else:
            german, english = parts[0], parts[1] if len(parts) == 2 else ""
            key = slugify(german, 40).replace("-", "_")
        if not german:
            raise QuestionError(
                "options", _("Line %(num)d: the German label is missing.", num=number)
            )
        if not OPTION_KEY.fullmatch(key):
            raise QuestionError(
                "options",
                _(
                    "Line %(num)d: the key may only contain lower-case letters, digits, - "
                    "and _ (at most 40).",
                    num=number,
                ),
            )
        if len(german) > LABEL_MAX or len(english) > LABEL_MAX:
            raise QuestionError("options", _("Line %(num)d: please shorten the label.", num=number))
        if any(o["key"] == key for o in options):
            raise QuestionError(
                "options", _("Line %(num)d: the key %(key)s is used twice.", num=number, key=key)
            )
        options.append({"key": key, "de": german, "en": english})
    if len(options) > MAX_OPTIONS:
        raise QuestionError("options", _("Please offer at most %(num)d answers.", num=MAX_OPTIONS))
    return options


def option_lines(question: Question) -> str:
    """The offered options as the form's lines (retired ones are not offered)."""
    # Always three parts, so that a line without English keeps its key.
    return "\n".join(
        f"{o['key']} | {o.get('de', '')} | {o.get('en', '')}".rstrip()
        for o in question.options or []
        if not o.get("retired")
    )


# --- changing questions ----------------------------------------------------------


def _check(data: QuestionData) -> None:
    if data.kind not in QUESTION_KINDS:
        raise QuestionError("kind", _("Please choose a kind of question."))
    if data.kind in CHOICE_KINDS and not data.options:
        raise QuestionError("options", _("Please enter at least one answer to choose from."))


def _used_keys(question_id: int) -> set[str]:
    """The option keys someone has chosen (one query)."""
    used: set[str] = set()
    for value in db.session.scalars(select(Answer.value).where(Answer.question_id == question_id)):
        used.update(value if isinstance(value, list) else [value])
    return {str(k) for k in used}


def _merged_options(question: Question, offered: list[dict]) -> list[dict]:
    """The new options; an old option no longer offered stays, retired, when anyone chose
    it (so existing answers keep their label), and goes otherwise."""
    new_keys = {o["key"] for o in offered}
    gone = [o for o in question.options or [] if o["key"] not in new_keys]
    used = _used_keys(question.id) if gone else set()
    kept = [{**o, "retired": True} for o in gone if o["key"] in used]
    return [{**o, "retired": False} for o in offered] + kept


def _last_position(event_id: int) -> int:
    return (
        db.session.scalar(select(func.max(Question.position)).where(Question.event_id == event_id))
        or 0
    )


def _new_question(event_id: int, position: int, data: QuestionData) -> Question:
    return Question(
        event_id=event_id,
        position=position,
        kind=data.kind,
        label_de=data.label_de,
        label_en=data.label_en,
        help_de=data.help_de,
        help_en=data.help_en,
        required=data.required,
        options=[{**o, "retired": False} for o in data.options]
        if data.kind in CHOICE_KINDS
        else [],
        statistical=data.statistical,
        sensitive=data.sensitive,
        purpose=data.purpose,
    )


def add_question(event_id: int, data: QuestionData) -> Question:
    _check(data)
    with write_transaction() as session:
        question = _new_question(event_id, _last_position(event_id) + 1, data)
        session.add(question)
    return question


def question_of(event_id: int, question_id: int) -> Question | None:
    return db.session.scalar(
        select(Question).where(Question.event_id == event_id, Question.id == question_id)
    )


def update_question(event_id: int, question_id: int, data: QuestionData) -> Question:
    """Change a question; its answers stay. The kind changes only while nobody answered."""
    _check(data)
    with write_transaction() as session:
        question = session.scalar(
            select(Question)
            .where(Question.event_id == event_id, Question.id == question_id)
            .execution_options(populate_existing=True)
        )
        if question is None:
            raise LookupError(question_id)
        if data.kind != question.kind and answer_count(question.id):
            raise QuestionError(
                "kind",
                _(
                    "The kind cannot change once people have answered; add a new question "
                    "instead and remove this one."
                ),
            )
        question.kind = data.kind
        for name in ("label_de", "label_en", "help_de", "help_en", "required"):
            setattr(question, name, getattr(data, name))
        question.statistical = data.statistical
        question.sensitive = data.sensitive
        question.options = (
            _merged_options(question, data.options) if data.kind in CHOICE_KINDS else []
        )
    return question


def answer_count(question_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Answer).where(Answer.question_id == question_id)
    )


def answer_counts(event_id: int) -> dict[int, int]:
    """{question id: number of answers} for the event's questions (one query)."""
    return dict(
        db.session.execute(
            select(Answer.question_id, func.count())
            .join(Question, Question.id == Answer.question_id)
            .where(Question.event_id == event_id)
            .group_by(Answer.question_id)
        ).all()
    )


def remove_question(event_id: int, question_id: int) -> str:
    """ "deleted" when nobody answered it, else "archived": no longer asked, answers kept."""
    with write_transaction() as session:
        question = session.scalar(
            select(Question).where(Question.event_id == event_id, Question.id == question_id)
        )
        if question is None:
            raise LookupError(question_id)
        if answer_count(question.id):
            question.archived_at = utcnow()
            return "archived"
        session.delete(question)
        return "deleted"


def restore_question(event_id: int, question_id: int) -> None:
    """Ask an archived question again (at the end of the form)."""
    with write_transaction() as session:
        question = session.scalar(
            select(Question).where(Question.event_id == event_id, Question.id == question_id)
        )
        if question is None:
            raise LookupError(question_id)
        if question.archived_at is not None:
            question.position = _last_position(event_id) + 1
            question.archived_at = None


def move_question(event_id: int, question_id: int, step: int) -> None:
    """Move an asked question one place up (-1) or down (+1); positions renumbered 1..n."""
    with write_transaction() as session:
        asked = list(
            session.scalars(
                select(Question)
                .where(Question.event_id == event_id, Question.archived_at.is_(None))
                .order_by(Question.position, Question.id)
            )
        )
        index = next((n for n, q in enumerate(asked) if q.id == question_id), None)
        if index is None:
            raise LookupError(question_id)
        target = index + step
        if 0 <= target < len(asked):
            asked[index], asked[target] = asked[target], asked[index]
        for position, question in enumerate(asked, start=1):
            if question.position != position:
                question.position = position


# --- the ESF set ------------------------------------------------------------------

NO_ANSWER = {"key": "no_answer", "de": "keine Angabe", "en": "prefer not to say"}


# The participant data ESF Plus projects report (common output indicators, Annex I of
# Regulation (EU) 2021/1057): gender, labour market status, age, educational attainment
# (ISCED 2011 levels).
def _esf(purpose: str, label_de: str, label_en: str, options: list[dict], **help) -> QuestionData:
    """One question of the ESF set: a required single choice with "keine Angabe"."""
    return QuestionData(
        kind="choice",
        label_de=label_de,
        label_en=label_en,
        required=True,
        statistical=True,
        purpose=purpose,
        options=[*options, NO_ANSWER],
        **help,
    )


def _option(key: str, german: str, english: str) -> dict:
    return {"key": key, "de": german, "en": english}


ESF_QUESTIONS = (
    _esf(
        "gender",
        "Geschlecht",
        "Gender",
        [
            _option("female", "weiblich", "female"),
            _option("male", "männlich", "male"),
            _option("diverse", "divers", "diverse / non-binary"),
        ],
    ),
    _esf(
        "employment",
        "Erwerbsstatus",
        "Employment status",
        [
            _option(
                "employed",
                "erwerbstätig (einschließlich selbstständig)",
                "employed (including self-employed)",
            ),
            _option("unemployed", "arbeitslos", "unemployed"),
            _option(
                "long_term_unemployed",
                "langzeitarbeitslos (länger als 12 Monate)",
                "long-term unemployed (more than 12 months)",
            ),
            _option(
                "inactive",
                "nicht erwerbstätig (z. B. in Ausbildung, Schule, Elternzeit)",
                "inactive (e.g. in education or training, parental leave)",
            ),
        ],
    ),
    _esf(
        "age_band",
        "Alter",
        "Age",
        [
            _option("under_18", "unter 18 Jahre", "under 18"),
            _option("18_29", "18 bis 29 Jahre", "18 to 29"),
            _option("30_54", "30 bis 54 Jahre", "30 to 54"),
            _option("55_plus", "55 Jahre und älter", "55 and older"),
        ],
    ),
    _esf(
        "education",
        "Höchster Bildungsabschluss",
        "Highest level of education",
        [
            _option(
                "isced_0_2",
                "ohne Abschluss, Hauptschul- oder Realschulabschluss (ISCED 0–2)",
                "no qualification or lower secondary education (ISCED 0–2)",
            ),
            _option(
                "isced_3_4",
                "Abitur, Fachhochschulreife oder Berufsausbildung (ISCED 3–4)",
                "upper secondary or vocational training (ISCED 3–4)",
            ),
            _option(
                "isced_5_8",
                "Meister/Techniker, Bachelor, Master, Diplom, Promotion (ISCED 5–8)",
                "master craftsperson, technician, university degree (ISCED 5–8)",
            ),
        ],
        help_de="Nach der internationalen Einteilung ISCED 2011.",
        help_en="By the international classification ISCED 2011.",
    ),
)


def add_esf_questions(event_id: int) -> int:
    """Add the ESF set's questions the event does not ask yet (by purpose); an archived
    one is asked again. Returns how many were added or restored; again, nothing."""
    added = 0
    with write_transaction() as session:
        existing = {
            q.purpose: q
            for q in session.scalars(
                select(Question).where(Question.event_id == event_id, Question.purpose != "")
            )
        }
        last = _last_position(event_id)
        for data in ESF_QUESTIONS:
            question = existing.get(data.purpose)
            if question is not None and question.archived_at is None:
                continue
            last += 1
            added += 1
            if question is not None:
                question.archived_at = None
                question.position = last
                continue
            session.add(_new_question(event_id, last, data))
    return added


# --- the report -------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int


@dataclass(frozen=True)
class StatisticCounts:
    question: Question
    label: str
    counts: list[OptionCount]  # every option (retired ones with answers too), then "no answer"
    total: int  # confirmed registrations


def statistic_counts(event_id: int, language: str) -> list[StatisticCounts]:
    """Per statistical question, how many confirmed participants chose each option (two
    queries, whatever the number of participants)."""
    questions = [q for q in event_questions(event_id) if q.statistical and q.kind in CHOICE_KINDS]
    if not questions:
        return []
    confirmed = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event_id, Registration.status == "confirmed"
        )
    )
    chosen: dict[int, Counter] = {q.id: Counter() for q in questions}
    answered: Counter = Counter()
    rows = db.session.execute(
        select(Answer.question_id, Answer.value)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(
            Registration.event_id == event_id,
            Registration.status == "confirmed",
            Answer.question_id.in_([q.id for q in questions]),
        )
    )
    for question_id, value in rows:
        answered[question_id] += 1
        chosen[question_id].update(value if isinstance(value, list) else [value])
    result = []
    for question in questions:
        labels = option_labels(question, language)
        counts = [
            OptionCount(label, chosen[question.id][key])
            for key, label in labels.items()
            if chosen[question.id][key] or not _retired(question, key)
        ]
        counts.append(OptionCount(_("not answered"), confirmed - answered[question.id]))
        result.append(
            StatisticCounts(question, question_label(question, language), counts, confirmed)
        )
    return result


def _retired(question: Question, key: str) -> bool:
    return any(o["key"] == key and o.get("retired") for o in question.options or [])
