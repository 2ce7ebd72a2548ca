"""The privacy area's forms: asking for one's data, using the link, confirming erasure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from eventhub.events.forms import BotCheckedForm, email_field


class DataRequestForm(BotCheckedForm):
    """The address to mail a one-time link to (public: the bot checks apply)."""

    email = email_field(_l("Please enter your email address."))


class UseLinkForm(FlaskForm):
    """CSRF token only: the button behind the mailed link (a GET never uses the link)."""


class ErasureForm(FlaskForm):
    """Erasure needs the box ticked: an explicit confirmation, not one stray click."""

    confirm = BooleanField(
        _l("Yes, erase my data. I understand that this cannot be undone."),
        validators=[DataRequired(_l("Please tick the box to confirm the erasure."))],
    )
