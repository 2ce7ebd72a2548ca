"""The event's questions as form fields: what a template draws, what was posted, and the
messages next to each field. Validation is the service's (events.questions), so the form,
the participant's page, the workspace and the API refuse the same input alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import Form, TextAreaField

from eventhub.events.questions import (
    AnswersInvalid,
    answer_required,
    option_label,
    question_help,
    question_label,
    validate_answers,
)
from eventhub.models import Question

FIELD_PREFIX = "question-"


class LongAnswerForm(Form):
    """Declares how the names of long-text answers end ("question-7-long_answer"): the
    request guard lets line breaks through only into the text areas of the app's forms."""

    long_answer = TextAreaField()


@dataclass(frozen=True)
class ShownOption:
    key: str
    label: str
    retired: bool  # still shown because the stored answer has it


@dataclass
class QuestionField:
    question: Question
    label: str
    help: str
    options: list[ShownOption]
    value: object = None  # str, or list[str] for multiple choice
    error: str | None = None

    @property
    def name(self) -> str:
        if self.kind == "textarea":
            return f"{FIELD_PREFIX}{self.question.id}-long_answer"
        return f"{FIELD_PREFIX}{self.question.id}"

    @property
    def id(self) -> str:
        """The id of the input (of the first radio button or checkbox of a choice)."""
        return f"{FIELD_PREFIX}{self.question.id}"

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def statistical(self) -> bool:
        return self.question.statistical

    @property
    def required(self) -> bool:
        return answer_required(self.question)

    @property
    def text(self) -> str:
        return self.value if isinstance(self.value, str) else ""

    @property
    def choices(self) -> list[ShownOption]:
        """The radio buttons or checkboxes: the options, or yes and no."""
        if self.kind == "boolean":
            return [ShownOption("yes", _("Yes"), False), ShownOption("no", _("No"), False)]
        return self.options

    def checked(self, key: str) -> bool:
        if isinstance(self.value, list):
            return key in self.value
        return self.value == key

    def described_by(self) -> str | None:
        ids = [f"{self.id}-hint"] if self.help else []
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids) or None


@dataclass
class QuestionFields:
    """The asked questions of one form, in the reader's language."""

    questions: list[Question]
    language: str
    stored: Mapping[int, object] = field(default_factory=dict)
    values: dict[int, object] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fields = [self._field(q) for q in self.questions]

    def _field(self, question: Question) -> QuestionField:
        before = self.stored.get(question.id)
        kept = set(before) if isinstance(before, list) else {before}
        options = [
            ShownOption(o["key"], option_label(o, self.language), bool(o.get("retired")))
            for o in question.options or []
            if not o.get("retired") or o["key"] in kept
        ]
        return QuestionField(
            question,
            question_label(question, self.language),
            question_help(question, self.language),
            options,
            value=_as_input(question, before, self.language),
        )

    def __bool__(self) -> bool:
        return bool(self.questions)

    @property
    def asks_statistics(self) -> bool:
        """Whether the form asks statistical questions (answered by consent: the form says
        so, see events/_questions.html)."""
        return any(q.statistical for q in self.questions)

    def validate(self, formdata: MultiDict) -> bool:
        """Read the posted answers; True when all are valid (then in `values`)."""
        raw: dict[int, object] = {}
        for shown in self.fields:
            posted = formdata.getlist(shown.name)
            if shown.kind == "multiple":
                shown.value = [v for v in posted if v]
                raw[shown.question.id] = shown.value
            else:
                shown.value = posted[0] if len(posted) == 1 else (posted or None)
                raw[shown.question.id] = shown.value
        try:
            self.values = validate_answers(self.questions, raw, kept=self.stored)
        except AnswersInvalid as exc:
            self.errors = exc.errors
            for shown in self.fields:
                shown.error = exc.errors.get(shown.question.id)
            return False
        return True

    def error_summary(self) -> list[tuple[str, str]]:
        """(input id, "label: message") for the list of problems above a form."""
        return [(f.id, f"{f.label}: {f.error}") for f in self.fields if f.error]


def _as_input(question: Question, value: object, language: str) -> object:
    """A stored answer as the form shows it."""
    if value is None:
        return None
    if question.kind == "multiple":
        return list(value) if isinstance(value, list) else [str(value)]
    if question.kind == "boolean":
        return "yes" if value else "no"
    if question.kind == "number" and isinstance(value, float) and not language.startswith("en"):
        return str(value).replace(".", ",")
    return str(value)
