"""Forms of the organiser workspace."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from eventhub.events.forms import (
    TOO_LONG,
    email_field,
    line_field,
    name_field,
    options,
    organisation_type_choices,
    plain_text,
)
from eventhub.events.schema import SLUG_PATTERN
from eventhub.labels import AGENDA_KIND_LABELS, FORMAT_LABELS, ROLE_LABELS, WAITLIST_LABELS
from eventhub.models import (
    AGENDA_KINDS,
    HOLD_MINUTES,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    OFFER_HOURS_DEFAULT,
    WAITLIST_MODES,
)
from eventhub.text import slugify

TIMEZONES = ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "UTC")
BLANK_ROWS = 3
AGENDA_MAX = 60  # rows the "add" button offers; a day's programme fits many times over
NEW_SERIES = "__new__"  # the series select's "new series…" choice (no slug looks like it)


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def strip_ends(value):
    return value.strip() if isinstance(value, str) else value


def new_password_field(label) -> PasswordField:
    """A new password: MIN_PASSWORD_LENGTH to MAX_PASSWORD_LENGTH characters."""
    return PasswordField(
        label,
        description=_l("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
        validators=[
            InputRequired(_l("Please enter your password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Use %(min)d to %(max)d characters.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class BoundedIntegerField(IntegerField):
    """A whole number of at most `max_digits` digits: WTForms' NumberRange turns the
    number into a float, which fails with OverflowError past about 308 digits."""

    def __init__(self, *args, max_digits: int = 9, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_digits = max_digits

    def process_formdata(self, valuelist) -> None:
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > self.max_digits:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class HoursField(DecimalField):
    """Hours as a decimal, with a comma or a point ("4,5" as Germans write it), short."""

    def process_formdata(self, valuelist) -> None:
        if valuelist and len(valuelist[0].strip()) > 10:
            self.data = None
            raise ValueError(_l("Please enter 0.25 to 1000 hours."))
        super().process_formdata([v.replace(",", ".") for v in valuelist])


def format_choices():
    return options(FORMAT_LABELS.items())


def role_choices():
    return options((role, ROLE_LABELS[role]) for role in ("cohost", "host", "partner", "funder"))


def agenda_kind_choices():
    return options((kind, AGENDA_KIND_LABELS[kind]) for kind in AGENDA_KINDS)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[strip_ends],
        validators=[InputRequired(_l("Please enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Please enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class HostForm(Form):
    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=True)


class AgendaItemForm(Form):
    starts_at = TimeField(_l("From"), validators=[Optional()])
    ends_at = TimeField(_l("To"), validators=[Optional()])
    title = StringField(_l("Title"), validators=[Length(max=300, message=TOO_LONG), plain_text])
    kind = SelectField(_l("Kind"), choices=agenda_kind_choices, default="talk")
    speakers = StringField(
        _l("Speakers"),
        description=_l("Separate speakers with ';', affiliation in brackets: Name (Organisation)"),
        validators=[Length(max=1000, message=TOO_LONG), plain_text],
    )


class EventForm(FlaskForm):
    host_organisation = SelectField(_l("Hosting organisation"), coerce=int, choices=[])
    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Please enter a title.")),
            Length(max=300, message=TOO_LONG),
            plain_text,
        ],
    )
    slug = StringField(
        _l("Address (slug)"),
        description=_l(
            "Lowercase letters, digits and hyphens; left empty, it is made from the title."
        ),
        validators=[
            Optional(),
            Length(max=120, message=TOO_LONG),
            Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and hyphens.")),
        ],
    )
    format = SelectField(_l("Format"), choices=format_choices)
    timezone = SelectField(
        _l("Time zone"), choices=options((t, t) for t in TIMEZONES), default="Europe/Berlin"
    )
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Please enter date and time."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Please enter date and time."))],
    )
    capacity = BoundedIntegerField(
        _l("Seats"),
        description=_l("Empty: unlimited."),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=1000, message=TOO_LONG)])
    description = TextAreaField(
        _l("Description"),
        description=_l("Markdown: **bold**, *italic*, - lists, [link](https://…)"),
        validators=[Length(max=50_000, message=TOO_LONG)],
    )
    venue_name = StringField(
        _l("Venue"), validators=[Length(max=200, message=TOO_LONG), plain_text]
    )
    venue_street = StringField(
        _l("Street"), validators=[Length(max=200, message=TOO_LONG), plain_text]
    )
    venue_postcode = StringField(
        _l("Postcode"), validators=[Length(max=20, message=TOO_LONG), plain_text]
    )
    venue_city = StringField(_l("City"), validators=[Length(max=120, message=TOO_LONG), plain_text])
    region = StringField(_l("Region"), validators=[Length(max=120, message=TOO_LONG), plain_text])
    online_url = URLField(
        _l("Online link"), validators=[Optional(), Length(max=500, message=TOO_LONG)]
    )
    series = SelectField(
        _l("Series"),
        description=_l("Existing series, or “new series…” and its title below."),
        choices=[],
        default="",
    )
    new_series = StringField(
        _l("Title of the new series"),
        validators=[Length(max=200, message=TOO_LONG), plain_text],
    )
    topics = CheckboxesField(_l("Topics"), choices=[], validate_choice=False)
    new_topics = StringField(
        _l("New topics"),
        description=_l("Separate topics with commas."),
        validators=[Length(max=1000, message=TOO_LONG), plain_text],
    )
    language = SelectField(
        _l("Language of the event"), choices=options([("de", "Deutsch"), ("en", "English")])
    )
    contact_name = StringField(
        _l("Contact name"), validators=[Length(max=200, message=TOO_LONG), plain_text]
    )
    contact_email = EmailField(
        _l("Contact email"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
        ],
    )
    contact_phone = StringField(
        _l("Contact phone"), validators=[Length(max=60, message=TOO_LONG), plain_text]
    )
    funding_note = TextAreaField(
        _l("Funding note"), validators=[Length(max=1000, message=TOO_LONG)]
    )
    notify_mode = SelectField(
        _l("Tell the contact about registrations"),
        choices=lambda: options(
            [
                ("digest", _l("Once a day, if there are new ones")),
                ("each", _l("For each registration")),
                ("none", _l("Not at all")),
            ]
        ),
        default="digest",
    )
    confirm_email = BooleanField(
        _l("Registrations must confirm their email address"),
        description=_l(
            "A seat is held for %(minutes)d minutes until the person clicks the link in the "
            "mail we send; unconfirmed seats are released. Protects against registrations "
            "in other people's names and against programs filling the event.",
            minutes=HOLD_MINUTES,
        ),
        default=False,
    )
    waitlist = SelectField(
        _l("Waiting list when the event is full"),
        description=_l(
            "Only with a number of seats. People who find the event full can join the "
            "list; a seat that becomes free (a cancellation, more seats) goes to the first "
            "in line: at once (automatic), or as an offer they accept by a link in a mail."
        ),
        choices=lambda: options((mode, WAITLIST_LABELS[mode]) for mode in WAITLIST_MODES),
        default="auto",
    )
    waitlist_fill = BooleanField(
        _l("Fill seats with whoever fits"),
        description=_l(
            "A group at the head of the list that does not fit into the free seats keeps "
            "its place, and smaller entries behind it get the seats. Off: nobody skips "
            "the head of the list, the seats wait for the group."
        ),
        default=False,
    )
    offer_hours = BoundedIntegerField(
        _l("Hours to accept an offered seat"),
        description=_l(
            "Shorter when the event is close: at most half the time left before it "
            "starts. Then the seat is offered to the next in line."
        ),
        default=OFFER_HOURS_DEFAULT,
        validators=[
            Optional(),
            NumberRange(min=1, max=24 * 14, message=_l("Please enter %(min)d to %(max)d hours.")),
        ],
    )
    approval = BooleanField(
        _l("Registrations need our approval"),
        description=_l(
            "Registrations through the website wait as “awaiting approval” and hold no "
            "seat; you approve or decline them on the event's page. Only approved people "
            "get the confirmation with the calendar invitation. Registrations you add "
            "yourself, or through the API, need no approval."
        ),
        default=False,
    )
    hybrid = BooleanField(
        _l("Hybrid: on site and online"),
        description=_l(
            "People choose to take part on site or online. The seats above are the seats "
            "on site; online seats are counted separately. Needs the online link."
        ),
        default=False,
    )
    online_capacity = BoundedIntegerField(
        _l("Online seats"),
        description=_l("Only for hybrid events. Empty: unlimited."),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
    )
    reminders = StringField(
        _l("Reminders (hours before the start)"),
        description=_l(
            "Confirmed people get a reminder with the programme, their private link and "
            "the calendar invitation this many hours before the start. Several separated "
            "by commas, e.g. “48, 2” for two days and two hours. Empty: no reminders."
        ),
        default="48, 2",
        validators=[Optional(), Length(max=100)],
    )
    feedback_enabled = BooleanField(
        _l("Ask for feedback after the event"),
        description=_l(
            "An hour after the end, people get a mail with a private link to a short "
            "survey: a rating from 1 to 5, what was most useful, a comment and your own "
            "questions. It is open for 14 days."
        ),
        default=False,
    )
    feedback_audience = SelectField(
        _l("Who is asked"),
        choices=lambda: options(
            [("checked_in", _l("Those checked in")), ("confirmed", _l("Everyone confirmed"))]
        ),
        default="checked_in",
    )
    feedback_named = BooleanField(
        _l("Show names with the answers (not anonymous)"),
        description=_l(
            "Off (recommended): answers are stored without any link to the person. On: "
            "you see who answered what; the survey tells people so."
        ),
        default=False,
    )
    feedback_questions = TextAreaField(
        _l("Your own questions (optional)"),
        description=_l(
            "One question per line, at most five. For a choice, add the options after "
            "“|”, e.g. “How was the venue? | good | fair | poor”; without options people "
            "answer in their own words."
        ),
        validators=[Optional(), Length(max=3000)],
    )
    certificate_mail = BooleanField(
        _l("Mail certificates of attendance after the event"),
        description=_l(
            "Everyone checked in at the event gets their certificate (PDF) by mail once "
            "the event is over. Without this, they download it from their private page."
        ),
        default=False,
    )
    certificate_hours = HoursField(
        _l("Hours on the certificate (e.g. continuing education hours)"),
        description=_l(
            "Empty: the length of the event. For events over several days, enter the hours."
        ),
        places=2,
        render_kw={"step": "0.25", "min": "0.25"},
        validators=[
            Optional(),
            NumberRange(min=0.25, max=1000, message=_l("Please enter 0.25 to 1000 hours.")),
        ],
    )
    certificate_signatory = line_field(_l("Signed by (name, optional)"), "off")
    certificate_signatory_role = line_field(_l("Role of the signatory (optional)"), "off")
    hosts = FieldList(FormField(HostForm), label=_l("Co-hosts, partners and funders"))
    agenda = FieldList(FormField(AgendaItemForm), label=_l("Agenda"))

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_hybrid(self, field) -> None:
        if field.data and not (self.online_url.data or "").strip():
            raise ValidationError(
                _l("A hybrid event needs the online link: please enter it under “Place”.")
            )

    def validate_online_capacity(self, field) -> None:
        if field.data is not None and not self.hybrid.data:
            raise ValidationError(
                _l("Online seats are only for hybrid events: tick “Hybrid” or leave this empty.")
            )

    def validate_reminders(self, field) -> None:
        try:
            parse_reminder_hours(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_feedback_questions(self, field) -> None:
        try:
            parse_feedback_questions(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_new_series(self, field) -> None:
        if self.series.data == NEW_SERIES and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the title of the new series."))
        if self.series.data == NEW_SERIES and not slugify(field.data):
            raise ValidationError(_l("Use at least one letter or digit."))


class AttendeeForm(FlaskForm):
    """Add or correct a registration by hand (phone sign-ups)."""

    first_name = name_field(_l("First name"), _l("Please enter the first name."), "off")
    last_name = name_field(_l("Last name"), _l("Please enter the last name."), "off")
    email = email_field(_l("Please enter the email address."))
    organisation = line_field(_l("Organisation or company"), "off")
    organisation_type = SelectField(
        _l("Type of organisation"), choices=organisation_type_choices, default=""
    )
    job_title = line_field(_l("Job title"), "off")


class InviteForm(FlaskForm):
    email = email_field(_l("Please enter the email address."))
    role = SelectField(
        _l("Role"), choices=options([("organiser", _l("Organiser")), ("owner", _l("Owner"))])
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name of the key"),
        description=_l('What uses it, e.g. "CRM" or "Website sign-up form".'),
        filters=[strip_ends],
        validators=[
            InputRequired(_l("Please name the key.")),
            Length(max=100, message=TOO_LONG),
            plain_text,
        ],
    )
    can_write = BooleanField(_l("May also create and cancel registrations"), default=False)


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Length(max=200, message=TOO_LONG), plain_text])
    password = new_password_field(_l("Choose a password"))


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Please enter a name.")),
            Length(max=200, message=TOO_LONG),
            plain_text,
        ],
    )
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            InputRequired(_l("Please enter a slug.")),
            Length(max=80, message=TOO_LONG),
            Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and hyphens.")),
        ],
    )
    owner_email = EmailField(
        _l("Owner's email address"),
        filters=[strip_ends],
        description=_l("Optional: invite the first owner of the organisation."),
        validators=[
            Optional(),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
        ],
    )


class ActionForm(FlaskForm):
    """CSRF token only, for buttons that change state (publish, cancel, check in...)."""


class ForgotPasswordForm(FlaskForm):
    email = email_field(_l("Please enter your email address."))


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))


# Registration times a bulk cancellation may filter by (bounds keep the UTC conversion safe).
BULK_YEARS = (2000, 2100)


def bulk_year(form, field) -> None:
    if field.data and not BULK_YEARS[0] <= field.data.year <= BULK_YEARS[1]:
        raise ValidationError(
            _l(
                "Please enter a date between %(min)d and %(max)d.",
                min=BULK_YEARS[0],
                max=BULK_YEARS[1],
            )
        )


class _BulkFilterFields:
    """The filter of a bulk cancellation, shared by the filter form and the confirmation."""

    domain = StringField(
        _l("Email domain"),
        description=_l("e.g. bots.example – also matches its subdomains."),
        filters=[strip_ends],
        validators=[Length(max=253, message=TOO_LONG), plain_text],
    )
    organisation = StringField(
        _l("Organisation contains"),
        filters=[strip_ends],
        validators=[Length(max=200, message=TOO_LONG), plain_text],
    )
    registered_from = DateTimeLocalField(
        _l("Registered from"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), bulk_year],
    )
    registered_until = DateTimeLocalField(
        _l("Registered until"),
        description=_l("In the event's time zone; the minute given is included."),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), bulk_year],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (
            self.domain.data
            or self.organisation.data
            or self.registered_from.data
            or self.registered_until.data
        ):
            self.form_errors.append(_l("Please fill in at least one filter."))
            return False
        start, end = self.registered_from.data, self.registered_until.data
        if valid and start and end and end < start:
            self.registered_until.errors.append(_l("The end must be after the start."))
            return False
        return valid


class BulkCancelFilterForm(_BulkFilterFields, FlaskForm):
    """The filter as a GET form: it only selects, so it carries no CSRF token."""

    class Meta:
        csrf = False


class BulkCancelForm(_BulkFilterFields, FlaskForm):
    """The confirmation: the same filter, the fingerprint of the set shown, mail or not."""

    fingerprint = HiddenField(
        validators=[InputRequired(), Regexp(r"^[0-9a-f]{64}$")],
    )
    notify = BooleanField(_l("Tell them by mail (cancellation with calendar update)"))
    confirm = BooleanField(
        _l("Yes, cancel these registrations and free their seats."),
        validators=[DataRequired(_l("Please confirm the cancellation."))],
    )


class OrganisationProfileForm(FlaskForm):
    """An organisation's public profile; kind choices and the website check come from
    eventhub.network.organisations (set and applied by the view)."""

    kind = SelectField(_l("Kind of organisation"), choices=[])
    region = StringField(
        _l("Region"),
        description=_l("Where you work, e.g. “Braunschweig, Wolfsburg” or “Ruhrgebiet”."),
        validators=[Length(max=100, message=TOO_LONG), plain_text],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What your organisation does, in a few sentences (Markdown)."),
        validators=[Length(max=5000, message=TOO_LONG), plain_text],
    )
    website = StringField(
        _l("Website"),
        description=_l("An address starting with https:// or http://"),
        validators=[Length(max=300, message=TOO_LONG)],
    )


class MoveForm(FlaskForm):
    """Move an entry of the waiting list: one step up or down, or to a position."""

    position = BoundedIntegerField(
        _l("New position"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        max_digits=6,
    )


class PendingForm(FlaskForm):
    """Approve or decline registrations awaiting approval: ticked ones, or the one whose
    button was pressed."""

    note = TextAreaField(
        _l("Note for the decline mail (optional)"),
        description=_l(
            "Added to the polite mail that tells people their registration was not "
            "accepted, e.g. why, or where else they can turn."
        ),
        filters=[strip_ends],
        validators=[Length(max=2000, message=TOO_LONG), plain_text],
    )
    notify = BooleanField(_l("Tell declined people by mail"), default=True)


REMINDERS_MAX = 5


def parse_reminder_hours(text: str | None) -> list[int]:
    """'48, 2' -> [48, 2]: whole hours before the start, 1 to 720, at most five, each
    once; empty: none. ValueError with a message for the form."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    if not all(part.isdigit() and 1 <= int(part) <= 720 for part in parts):
        raise ValueError(
            _l("Please enter whole hours from 1 to 720, separated by commas, e.g. “48, 2”.")
        )
    hours = [int(part) for part in parts]
    if len(hours) > REMINDERS_MAX or len(set(hours)) != len(hours):
        raise ValueError(_l("Please enter at most five different reminders."))
    return sorted(hours, reverse=True)


def format_reminder_hours(offsets: list[int]) -> str:
    """The stored minutes as the form shows them (whole hours)."""
    return ", ".join(str(-(-minutes // 60)) for minutes in offsets)


FEEDBACK_QUESTIONS_MAX = 5
FEEDBACK_CHOICES_MAX = 8


def parse_feedback_questions(text: str | None) -> list[dict]:
    """'How was the venue? | good | poor' per line -> [{"label", "choices"}]: at most
    five questions of up to 200 characters, none or two to eight options of up to 100.
    ValueError with a message for the form."""
    questions = []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split("|")]
        if not parts[0] and not any(parts):
            continue
        label, choices = parts[0], [part for part in parts[1:] if part]
        if not label or len(label) > 200:
            raise ValueError(_l("Each question needs a text of at most 200 characters."))
        if len(choices) == 1 or len(choices) > FEEDBACK_CHOICES_MAX:
            raise ValueError(_l("A question with options needs two to eight of them."))
        if any(len(choice) > 100 for choice in choices) or len(set(choices)) != len(choices):
            raise ValueError(_l("Options must differ and have at most 100 characters."))
        questions.append({"label": label, "choices": choices})
    if len(questions) > FEEDBACK_QUESTIONS_MAX:
        raise ValueError(_l("Please ask at most five questions of your own."))
    return questions


def format_feedback_questions(questions: list[dict]) -> str:
    """The stored questions as the form shows them."""
    return "\n".join(" | ".join([q["label"], *q.get("choices", [])]) for q in questions)


# --- after the event: certificates and materials ----------------------------------------


class RevokeCertificateForm(FlaskForm):
    reason = StringField(
        _l("Reason (for your records)"),
        filters=[strip_ends],
        validators=[Optional(), Length(max=500, message=TOO_LONG), plain_text],
    )


class MaterialForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[strip_ends],
        validators=[
            DataRequired(_l("Please enter a title, e.g. “Slides of the keynote”.")),
            Length(max=200, message=TOO_LONG),
            plain_text,
        ],
    )
    url = StringField(
        _l("Link (https://…)"),
        filters=[strip_ends],
        validators=[
            DataRequired(_l("Please enter the link.")),
            Length(max=1000, message=TOO_LONG),
        ],
        render_kw={"inputmode": "url", "autocomplete": "url"},
    )
    description = TextAreaField(
        _l("Description (optional)"),
        filters=[strip_ends],
        validators=[Optional(), Length(max=2000, message=TOO_LONG), plain_text],
    )


class LogoForm(FlaskForm):
    logo = FileField(
        _l("Logo for certificates of attendance"),
        description=_l("PNG or JPEG, at most 200 kB; printed about 5 cm wide at the top right."),
        validators=[FileRequired(_l("Please choose a file."))],
        render_kw={"accept": "image/png,image/jpeg"},
    )


class RetentionForm(FlaskForm):
    """An event's own retention period for one kind of data (empty: the site's)."""

    kind = HiddenField(validators=[DataRequired()])
    days = BoundedIntegerField(
        _l("Days after the event"),
        description=_l("Empty: the site's period."),
        validators=[Optional(), NumberRange(min=0, message=_l("Please enter 0 or more days."))],
        render_kw={"inputmode": "numeric"},
    )
    reason = TextAreaField(
        _l("Reason (required for a longer period)"),
        description=_l("For example: the funder requires the signed sign-in sheets for ten years."),
        filters=[strip_ends],
        validators=[Optional(), Length(max=1000, message=TOO_LONG), plain_text],
    )
