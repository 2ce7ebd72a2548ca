"""Forms of the participants' meeting pages: a request (note and preferred slots), the
answer (a slot or "first slot we both have free"), and the unavailable slots. Slots
travel as their UTC ISO 8601 key; the meetings service decides whether one is real."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length

from eventhub.events.forms import TOO_LONG, BotCheckedForm, plain_text
from eventhub.network.contact_forms import normalise_lines
from eventhub.network.meetings import NOTE_MAX_LENGTH


class SlotsField(SelectMultipleField):
    """Checkboxes drawn by the template (grouped by block, times in the event's zone);
    any value is taken here and checked by the service (MeetingRefused "bad_slot")."""

    def pre_validate(self, form) -> None:
        pass


class MeetingRequestForm(BotCheckedForm):
    note = TextAreaField(
        _l("Your note (optional)"),
        filters=[normalise_lines],
        validators=[Length(max=NOTE_MAX_LENGTH, message=TOO_LONG), plain_text],
        render_kw={"rows": 4, "maxlength": NOTE_MAX_LENGTH},
    )
    preferred = SlotsField(_l("Times that suit you (optional)"), validate_choice=False)


class MeetingAnswerForm(FlaskForm):
    """Accept (with `slot`: a slot key, or empty / "first" for the first slot both have
    free) or decline: the button pressed says which."""

    slot = StringField(_l("Time"))


class UnavailableForm(FlaskForm):
    unavailable = SlotsField(_l("Times you are not available"), validate_choice=False)


class MeetingActionForm(FlaskForm):
    """CSRF token only: the cancel and withdraw buttons."""
