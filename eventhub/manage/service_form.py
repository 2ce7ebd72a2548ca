"""The workspace form of a support-service entry, and its way to and from plain values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, Email, InputRequired, Length, Optional, ValidationError

from eventhub.events.forms import TOO_LONG, collapse_spaces, options, plain_text
from eventhub.manage.forms import CheckboxesField, strip_ends
from eventhub.models.network import AUDIENCES, SERVICE_CATEGORIES, ServiceEntry
from eventhub.network.services import MAX_REGIONS, ServiceValues
from eventhub.network.taxonomy import AUDIENCE_LABELS, CATEGORY_LABELS, language_choices


def _regions(form, field) -> None:
    regions = split_regions(field.data)
    if len(regions) > MAX_REGIONS:
        raise ValidationError(_l("Please name at most %(num)d regions.", num=MAX_REGIONS))
    if any(len(region) > 100 for region in regions):
        raise ValidationError(_l("A region may have at most 100 characters."))


def split_regions(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class ServiceForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[collapse_spaces],
        validators=[
            InputRequired(_l("Please enter a title.")),
            Length(max=200, message=TOO_LONG),
            plain_text,
        ],
    )
    category = SelectField(
        _l("Category"),
        choices=[],
        validate_choice=True,
    )
    audiences = CheckboxesField(_l("For whom"), choices=[])
    languages = CheckboxesField(_l("Languages offered"), choices=[])
    regions = StringField(
        _l("Regions"),
        description=_l("Towns, districts or regions covered; separate them with commas."),
        validators=[Length(max=1100, message=TOO_LONG), plain_text, _regions],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("Markdown: **bold**, lists with “-”, links as [text](https://…)."),
        validators=[Length(max=50_000, message=TOO_LONG), plain_text],
    )
    address = TextAreaField(
        _l("Address"), validators=[Length(max=300, message=TOO_LONG), plain_text]
    )
    phone = StringField(
        _l("Phone"),
        filters=[collapse_spaces],
        validators=[Length(max=50, message=TOO_LONG), plain_text],
    )
    email = EmailField(
        _l("Email"),
        filters=[strip_ends],
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
        ],
    )
    website = URLField(
        _l("Website"),
        filters=[strip_ends],
        validators=[
            Optional(),
            Length(max=300, message=TOO_LONG),
            URL(message=_l("Please enter a web address starting with https://.")),
        ],
    )
    opening_hours = StringField(
        _l("Opening hours"),
        filters=[collapse_spaces],
        validators=[Length(max=300, message=TOO_LONG), plain_text],
    )
    by_appointment = BooleanField(_l("By appointment"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = options(
            [("", _l("Please choose"))] + [(c, CATEGORY_LABELS[c]) for c in SERVICE_CATEGORIES]
        )
        self.category.validators = [InputRequired(_l("Please choose a category."))]
        self.audiences.choices = options((a, AUDIENCE_LABELS[a]) for a in AUDIENCES)
        self.languages.choices = options(language_choices())

    def validate_website(self, field) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Please enter a web address starting with https://."))

    def values(self, *, is_demo: bool = False) -> ServiceValues:
        return ServiceValues(
            title=self.title.data or "",
            category=self.category.data or "",
            description=self.description.data or "",
            audiences=list(self.audiences.data or []),
            languages=list(self.languages.data or []),
            regions=split_regions(self.regions.data),
            address=self.address.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
            website=self.website.data or "",
            opening_hours=self.opening_hours.data or "",
            by_appointment=bool(self.by_appointment.data),
            is_demo=is_demo,
        )

    def fill(self, entry: ServiceEntry) -> None:
        self.title.data = entry.title
        self.category.data = entry.category
        self.description.data = entry.description
        self.audiences.data = entry.audiences
        self.languages.data = entry.languages
        self.regions.data = ", ".join(entry.regions)
        self.address.data = entry.address
        self.phone.data = entry.phone
        self.email.data = entry.email
        self.website.data = entry.website
        self.opening_hours.data = entry.opening_hours
        self.by_appointment.data = entry.by_appointment
