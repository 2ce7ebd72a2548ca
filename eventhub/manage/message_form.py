"""The workspace form of a message to an event's attendees (compose, preview, send)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from eventhub.events.forms import TOO_LONG, collapse_spaces, plain_text
from eventhub.models import MESSAGE_BODY_MAX, MESSAGE_SUBJECT_MAX

GROUP_LABELS = {
    "confirmed": _l("Confirmed"),
    "waiting": _l("On the waiting list (including open seat offers)"),
    "checked_in": _l("Checked in"),
    "no_show": _l("Registered but not checked in (no-shows)"),
}


def strip_ends(value):
    """Without outer blank space, and with one kind of line break (a form sends CRLF)."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class MessageForm(FlaskForm):
    group = RadioField(
        _l("Send to"),
        validators=[DataRequired(_l("Please choose who receives the message."))],
        choices=[],
        validate_choice=True,
    )
    subject = StringField(
        _l("Subject"),
        filters=[collapse_spaces],
        validators=[
            DataRequired(_l("Please enter a subject.")),
            Length(max=MESSAGE_SUBJECT_MAX, message=TOO_LONG),
            plain_text,
        ],
    )
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Plain text; Markdown works for **bold**, lists and links. Every mail adds "
            "a greeting with the person's name, why they get it and their private link."
        ),
        filters=[strip_ends],
        validators=[
            DataRequired(_l("Please write the message.")),
            Length(max=MESSAGE_BODY_MAX, message=TOO_LONG),
            plain_text,
        ],
        render_kw={"rows": 12},
    )
    # Issued with the preview: sending the same preview twice sends once.
    nonce = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])

    def offer_groups(self, counts: dict[str, int]) -> None:
        """The groups one may write to now, each with how many people it has."""
        self.group.choices = [
            (group, f"{GROUP_LABELS[group]} ({count})") for group, count in counts.items()
        ]
