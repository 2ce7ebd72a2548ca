"""The workspace form of one question of an event's registration form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from eventhub.events.forms import TOO_LONG, collapse_spaces, options, plain_text
from eventhub.manage.questions import (
    HELP_MAX,
    LABEL_MAX,
    QuestionData,
    QuestionError,
    option_lines,
    parse_option_lines,
)
from eventhub.models import CHOICE_KINDS, QUESTION_KINDS, Question

KIND_LABELS = {
    "text": _l("Short text (one line)"),
    "textarea": _l("Long text"),
    "choice": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "boolean": _l("Yes or no"),
    "number": _l("Number"),
    "date": _l("Date"),
}


def _label(label, missing=None) -> StringField:
    validators = [Length(max=LABEL_MAX, message=TOO_LONG), plain_text]
    if missing:
        validators.insert(0, InputRequired(missing))
    return StringField(label, filters=[collapse_spaces], validators=validators)


def _help(label) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Length(max=HELP_MAX, message=TOO_LONG), plain_text],
        render_kw={"rows": 2},
    )


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Kind of question"),
        choices=lambda: options((kind, KIND_LABELS[kind]) for kind in QUESTION_KINDS),
    )
    label_de = _label(_l("Question (German)"), _l("Please enter the question in German."))
    label_en = _label(_l("Question (English, optional)"))
    help_de = _help(_l("Help text (German, optional)"))
    help_en = _help(_l("Help text (English, optional)"))
    options = TextAreaField(
        _l("Answers to choose from (single and multiple choice)"),
        description=_l(
            'One answer per line: key | Deutsch | English, e.g. "veg | vegetarisch | '
            'vegetarian". The key identifies the answer in exports and the API and stays '
            "when you change the labels. A removed answer that someone chose is kept on "
            "their answers but no longer offered."
        ),
        validators=[Length(max=20_000, message=TOO_LONG)],
        render_kw={"rows": 6},
    )
    required = BooleanField(_l("Required: the form cannot be sent without an answer"))
    statistical = BooleanField(
        _l("Statistical data (e.g. for a funder): counted in the report, exported apart")
    )
    sensitive = BooleanField(
        _l(
            "Sensitive (e.g. health, accessibility needs, diet): shown only to this event's "
            "organisers and deleted first"
        )
    )

    def fill(self, question: Question) -> None:
        for name in ("kind", "label_de", "label_en", "help_de", "help_en", "required"):
            getattr(self, name).data = getattr(question, name)
        self.statistical.data = question.statistical
        self.sensitive.data = question.sensitive
        self.options.data = option_lines(question)

    def question_data(self, purpose: str = "") -> QuestionData | None:
        """The values for the service, or None with the problem marked on the field."""
        lines = (self.options.data or "") if self.kind.data in CHOICE_KINDS else ""
        try:
            choices = parse_option_lines(lines)
        except QuestionError as exc:
            self.options.errors = [*self.options.errors, exc.message]
            return None
        return QuestionData(
            kind=self.kind.data,
            label_de=self.label_de.data,
            label_en=self.label_en.data or "",
            help_de=(self.help_de.data or "").strip(),
            help_en=(self.help_en.data or "").strip(),
            required=self.required.data,
            options=choices,
            statistical=self.statistical.data,
            sensitive=self.sensitive.data,
            purpose=purpose,
        )
