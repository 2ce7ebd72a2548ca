"""Building messages: text + HTML from templates in the recipient's language, with
calendar invitations and inline images. Pure: takes data, returns the message."""

from __future__ import annotations

import io
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate

import segno
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale

from eventhub.text import single_line


def compose(
    *,
    to: str,
    to_name: str = "",
    subject: str,
    template: str,
    language: str,
    context: dict,
) -> EmailMessage:
    """A text + HTML message from templates/email/<template>.txt and .html, in `language`."""
    with force_locale(language):
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
        subject = str(subject)
    to = deliverable_address(to)
    # Internationalised local parts need SMTPUTF8; everything else stays plain ASCII.
    message = EmailMessage(policy=SMTP if to.isascii() else SMTPUTF8)
    message["From"] = current_app.config["MAIL_FROM"]
    local, _at, domain = to.rpartition("@")
    # username/domain instead of addr_spec: the header parser refuses non-ASCII local parts.
    message["To"] = Address(display_name=single_line(to_name), username=local, domain=domain)
    message["Subject"] = single_line(subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = language
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def deliverable_address(email: str) -> str:
    """The address with its domain in ASCII (IDNA), as SMTP servers expect it."""
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email.strip()
    return valid.ascii_email or f"{valid.local_part}@{valid.ascii_domain}"


def attach_invite(message: EmailMessage, ics: bytes, method: str) -> None:
    """The invitation twice: as the calendar alternative clients act on, and as a file."""
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": method},
    )


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()
