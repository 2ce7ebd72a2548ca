"""Public forms: registering (alone or as a group), corrections, and their bot checks."""

from __future__ import annotations

import datetime as dt

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from itsdangerous import BadSignature
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from eventhub.form_stamps import form_stamp, stamp_issued_at
from eventhub.labels import ATTENDANCE_LABELS, NOT_SPECIFIED, ORGANISATION_TYPE_LABELS
from eventhub.models import ORGANISATION_TYPES, PERSON_FIELDS
from eventhub.text import has_control_characters


def options(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


TOO_LONG = _l("Please use at most %(max)d characters.")


def plain_text(form, field) -> None:
    if field.data and has_control_characters(field.data):
        raise ValidationError(_l("Please remove control characters from this field."))


def collapse_spaces(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def organisation_type_choices():
    return options(
        [("", NOT_SPECIFIED)]
        + [(kind, ORGANISATION_TYPE_LABELS[kind]) for kind in ORGANISATION_TYPES]
    )


def name_field(label, missing, autocomplete: str) -> StringField:
    """A required, single-line name of at most 100 characters."""
    return StringField(
        label,
        filters=[collapse_spaces],
        validators=[InputRequired(missing), Length(max=100, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": autocomplete},
    )


def email_field(missing, label=None) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        filters=[collapse_spaces],
        validators=[
            InputRequired(missing),
            Length(max=254, message=TOO_LONG),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )


def line_field(label, autocomplete: str, max_length: int = 200) -> StringField:
    """An optional single line (organisation, job title)."""
    return StringField(
        label,
        filters=[collapse_spaces],
        validators=[Length(max=max_length, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": autocomplete},
    )


def automation_problem(trap: str | None, stamp: str | None) -> str | None:
    """Why a public form looks sent by a program, or None. Costs people nothing: the trap
    field is invisible, and a form answered within seconds is simply shown again."""
    if trap:
        return str(_l("This form could not be sent. Please try again."))
    try:
        issued = stamp_issued_at(stamp)
    except BadSignature:  # also SignatureExpired
        return str(_l("This form has expired. Please check your details and send it again."))
    seconds = (dt.datetime.now(dt.UTC) - issued).total_seconds()
    if seconds < current_app.config["BOT_MIN_FILL_SECONDS"]:
        return str(_l("That was very quick. Please check your details and send the form again."))
    return None


class BotCheckedForm(FlaskForm):
    """A public form with cheap friction for programs (EVENTHUB_BOT_PROTECTION): a field
    people never see that must stay empty, and a signed stamp of when the form was shown,
    which must be a few seconds and at most a day old."""

    leave_empty = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    issued = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.posted_stamp = self.issued.data
        self.issued.data = form_stamp()  # every rendering hands out a fresh stamp

    def keep_stamp(self) -> None:
        """Hand out the time stamp of the form as first shown again (the same form shown
        once more, e.g. with a button to join the waiting list, must not count as a new
        form filled in within seconds)."""
        if self.posted_stamp:
            self.issued.data = self.posted_stamp

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not current_app.config["BOT_PROTECTION"]:
            return ok
        problem = automation_problem(self.leave_empty.data, self.posted_stamp)
        if problem:
            self.form_errors.append(problem)
            return False
        return ok


def attendance_field() -> RadioField:
    """On site or online, at hybrid events (offer_attendance sets the options)."""
    return RadioField(
        _l("How do you take part?"),
        choices=[],
        validators=[InputRequired(_l("Please choose whether you take part on site or online."))],
    )


def attendance_option(pool) -> str:
    """ "On site – 3 seats left", "Online – fully booked, waiting list open"."""
    label = ATTENDANCE_LABELS[pool.mode]
    if pool.full and pool.can_wait:
        return str(_l("%(mode)s – fully booked, waiting list open", mode=label))
    if pool.full:
        return str(_l("%(mode)s – fully booked", mode=label))
    if pool.seats_left is None:
        return str(label)
    return ngettext(
        "%(mode)s – %(num)d seat left", "%(mode)s – %(num)d seats left", pool.seats_left, mode=label
    )


def offer_attendance(form, pools) -> None:
    """The on-site/online choice with each pool's seats, where there is a choice (hybrid
    events); elsewhere the form has no such field."""
    if len(pools) < 2:
        del form.attendance
        return
    form.attendance.choices = options([(pool.mode, attendance_option(pool)) for pool in pools])


def chosen_attendance(form) -> str:
    return form.attendance.data if form.attendance else "onsite"


class RegistrationForm(BotCheckedForm):
    first_name = name_field(_l("First name"), _l("Please enter your first name."), "given-name")
    last_name = name_field(_l("Last name"), _l("Please enter your last name."), "family-name")
    email = email_field(_l("Please enter your email address."))
    organisation = line_field(_l("Organisation or company"), "organization")
    job_title = line_field(_l("Job title"), "organization-title")
    organisation_type = SelectField(
        _l("Type of organisation (optional)"), choices=organisation_type_choices, default=""
    )
    attendance = attendance_field()
    # An acknowledgement, not a consent: the details needed to take part are processed to
    # run the event (Art. 6 (1) b/e GDPR). The optional things below are consents.
    consent_privacy = BooleanField(
        _l("I have read the privacy notice."),
        validators=[DataRequired(_l("Please confirm that you have read the privacy notice."))],
    )
    # Maps to the directory visibility "participants" (Registration.show_in_directory).
    show_in_directory = BooleanField(
        _l(
            "List me in this event's participant directory (optional): other participants "
            "who are listed too see my name, organisation and job title."
        ),
        description=_l(
            "Never your email address. This is your consent: you can withdraw it at any "
            "time on the networking page of your private registration page, where you can "
            "also say what you offer and look for."
        ),
        default=False,
    )


class LostLinksForm(BotCheckedForm):
    """ "Send me my links": the address whose registrations' links to mail."""

    email = email_field(_l("Please enter your email address."))


def person_data(form) -> dict[str, str]:
    """The person fields of a registration form as plain values for the services."""
    return {name: getattr(form, name).data or "" for name in PERSON_FIELDS}


class CorrectionForm(FlaskForm):
    """What a participant may correct through their private link."""

    first_name = name_field(_l("First name"), _l("Please enter your first name."), "given-name")
    last_name = name_field(_l("Last name"), _l("Please enter your last name."), "family-name")
    organisation = line_field(_l("Organisation or company"), "organization")
    job_title = line_field(_l("Job title"), "organization-title")


class CancelForm(FlaskForm):
    """CSRF token only: the cancel button of the private page."""


GROUP_ROWS = 5
GROUP_MAX = 30


class ColleagueForm(Form):
    """One row of a group registration; an empty row is skipped."""

    first_name = StringField(
        _l("First name"),
        filters=[collapse_spaces],
        validators=[Length(max=100, message=TOO_LONG), plain_text],
    )
    last_name = StringField(
        _l("Last name"),
        filters=[collapse_spaces],
        validators=[Length(max=100, message=TOO_LONG), plain_text],
    )
    email = EmailField(
        _l("Email address"),
        filters=[collapse_spaces],
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
        ],
    )
    job_title = StringField(
        _l("Job title"),
        filters=[collapse_spaces],
        validators=[Length(max=200, message=TOO_LONG), plain_text],
    )

    @property
    def is_empty(self) -> bool:
        return not any(
            (self.first_name.data, self.last_name.data, self.email.data, self.job_title.data)
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_empty:
            return ok
        for field in (self.first_name, self.last_name, self.email):
            if not field.data:
                field.errors = [*field.errors, _l("Please fill in this field for this person.")]
                ok = False
        return ok


class GroupRegistrationForm(BotCheckedForm):
    """An employer registers several colleagues at once."""

    contact_name = name_field(_l("Your name"), _l("Please enter your name."), "name")
    contact_email = email_field(_l("Please enter your email address."), _l("Your email address"))
    organisation = line_field(_l("Organisation or company"), "organization")
    organisation_type = SelectField(
        _l("Type of organisation (optional)"), choices=organisation_type_choices, default=""
    )
    attendance = attendance_field()
    colleagues = FieldList(FormField(ColleagueForm), min_entries=GROUP_ROWS, max_entries=GROUP_MAX)
    # An acknowledgement, as on the single form: running the event is the legal basis.
    consent_privacy = BooleanField(
        _l("I have read the privacy notice and will tell the people I register about it."),
        validators=[DataRequired(_l("Please confirm that you have read the privacy notice."))],
    )

    def filled_rows(self) -> list[ColleagueForm]:
        return [entry.form for entry in self.colleagues if not entry.form.is_empty]

    @property
    def can_add_row(self) -> bool:
        return len(self.colleagues) < GROUP_MAX

    def add_row(self) -> None:
        """One more empty row (the "add a person" button); keeps the time stamp of the
        form as first shown, so adding rows neither restarts nor skips the fill-time check."""
        if self.can_add_row:
            self.colleagues.append_entry()
        self.keep_stamp()

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, message) for each marked field, in the order of the page, for the
        list at the top that links to the fields."""
        found = []
        for field in (self.contact_name, self.contact_email, self.organisation):
            found += [(field.id, f"{field.label.text}: {e}") for e in field.errors]
        # The attendance choice's id is its fieldset's (events/_attendance.html).
        for field in (self.organisation_type, self.attendance):
            if field is not None:
                found += [(field.id, f"{field.label.text}: {e}") for e in field.errors]
        for number, entry in enumerate(self.colleagues, start=1):
            person = _l("Person %(number)d", number=number)
            for field in entry.form:
                found += [(field.id, f"{person}, {field.label.text}: {e}") for e in field.errors]
        found += [(self.consent_privacy.id, str(e)) for e in self.consent_privacy.errors]
        return found

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.filled_rows():
            self.form_errors.append(_l("Please enter at least one person."))
            return False
        if self._rows_beyond_the_last():
            # WTForms drops entries past max_entries without a word: say so instead.
            self.form_errors.append(
                _l("At most %(num)d people can be registered at once.", num=GROUP_MAX)
            )
            return False
        return ok

    def _rows_beyond_the_last(self) -> bool:
        """Whether the submitted data has filled rows past GROUP_MAX."""
        prefix = f"{self.colleagues.name}-"
        for key, value in request.form.items(multi=True):
            index, _dash, _field = key.removeprefix(prefix).partition("-")
            beyond = key.startswith(prefix) and index.isdigit() and int(index) >= GROUP_MAX
            if beyond and value.strip():
                return True
        return False
