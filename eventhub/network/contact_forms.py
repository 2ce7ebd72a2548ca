"""Forms of contact requests: the message to another participant, and the CSRF-checked
buttons that answer, block and unblock."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from eventhub.events.forms import TOO_LONG, BotCheckedForm, plain_text
from eventhub.network.contacts import MESSAGE_MAX_LENGTH


def normalise_lines(value):
    """One newline per line break (browsers send CRLF, which would count twice)."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


class ContactRequestForm(BotCheckedForm):
    message = TextAreaField(
        _l("Your message"),
        filters=[normalise_lines],
        validators=[
            InputRequired(_l("Please write a short message.")),
            Length(max=MESSAGE_MAX_LENGTH, message=TOO_LONG),
            plain_text,
        ],
        render_kw={"rows": 6, "maxlength": MESSAGE_MAX_LENGTH},
    )


class ContactActionForm(FlaskForm):
    """CSRF token only: the accept, decline, block and unblock buttons."""
