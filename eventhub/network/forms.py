"""Forms of the participant's networking page: who sees me, and what we offer and seek."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventhub.events.forms import TOO_LONG, collapse_spaces, options, plain_text
from eventhub.models import DIRECTORY_VISIBILITIES, SERVICE_CATEGORIES
from eventhub.network.directory import LINE_MAX, TEXT_MAX
from eventhub.network.taxonomy import CATEGORY_LABELS, VISIBILITY_LABELS

UNKNOWN_CHOICE = _l("Please choose only from the listed options.")
# What each visibility means, under its radio button.
VISIBILITY_HINTS = {
    "hidden": _l(
        "Nobody sees you in the directory. You still see the people who show themselves to "
        "everyone registered."
    ),
    "participants": _l(
        "The other participants who are listed see you, and you see them. Participants "
        "who are not listed do not see you."
    ),
    "registered": _l(
        "Everyone with a confirmed registration for this event sees you, whether listed or "
        "not; you see everyone who is listed."
    ),
}


class CheckboxGroupField(SelectMultipleField):
    """Checkboxes of the service categories; a value not offered gets a clear message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        if any(value not in SERVICE_CATEGORIES for value in self.data or ()):
            raise ValidationError(UNKNOWN_CHOICE)


class VisibilityField(RadioField):
    def pre_validate(self, form) -> None:
        if self.data not in DIRECTORY_VISIBILITIES:
            raise ValidationError(UNKNOWN_CHOICE)


def category_choices():
    return options((code, CATEGORY_LABELS[code]) for code in SERVICE_CATEGORIES)


class VisibilityForm(FlaskForm):
    visibility = VisibilityField(
        _l("Who may see me in this event's participant directory?"),
        choices=options((code, VISIBILITY_LABELS[code]) for code in DIRECTORY_VISIBILITIES),
        validate_choice=False,  # pre_validate above says it in our words
    )


def _text_area(label, hint) -> TextAreaField:
    return TextAreaField(
        label,
        description=hint,
        validators=[Length(max=TEXT_MAX, message=TOO_LONG), plain_text],
        render_kw={"maxlength": TEXT_MAX, "rows": 3},
    )


class ProfileForm(FlaskForm):
    offers = CheckboxGroupField(_l("We offer"), choices=category_choices, validate_choice=False)
    offers_text = _text_area(
        _l("What we offer, in our own words (optional)"),
        _l("At most 500 characters. Please do not enter phone numbers or email addresses."),
    )
    seeks = CheckboxGroupField(
        _l("We are looking for"), choices=category_choices, validate_choice=False
    )
    seeks_text = _text_area(
        _l("What we are looking for, in our own words (optional)"),
        _l("At most 500 characters. Please do not enter phone numbers or email addresses."),
    )
    organisation = StringField(
        _l("Organisation or company"),
        filters=[collapse_spaces],
        validators=[Length(max=LINE_MAX, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": "organization", "maxlength": LINE_MAX},
    )
    job_title = StringField(
        _l("Role or job title"),
        filters=[collapse_spaces],
        validators=[Length(max=LINE_MAX, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": "organization-title", "maxlength": LINE_MAX},
    )

    def data_for_save(self) -> dict:
        """The fields as plain values for directory.save_profile."""
        return {
            "offers": list(self.offers.data or []),
            "seeks": list(self.seeks.data or []),
            "offers_text": self.offers_text.data or "",
            "seeks_text": self.seeks_text.data or "",
            "organisation": self.organisation.data or "",
            "job_title": self.job_title.data or "",
        }
