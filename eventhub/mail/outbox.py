"""Writing mail: compose a message and add it to the outbox in the caller's transaction."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate, make_msgid

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale

from eventhub.extensions import db
from eventhub.models import OutboxMessage
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


def enqueue(
    message: EmailMessage,
    *,
    kind: str,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> OutboxMessage:
    """Add the message to the outbox; it is sent only if the caller's transaction commits."""
    row = outbox_row(message, kind=kind, event_id=event_id, registration_id=registration_id)
    db.session.add(row)
    return row


def outbox_row(
    message: EmailMessage,
    *,
    kind: str,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> OutboxMessage:
    """The outbox row for a message, not yet added to the session (serialising is the
    expensive part, so callers holding a lock can do it before taking the lock)."""
    domain = current_app.config["BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    message_id = make_msgid(idstring=kind, domain=domain or "eventhub.invalid")
    del message["Message-ID"]
    message["Message-ID"] = message_id
    row = OutboxMessage(
        kind=kind,
        recipient=str(message["To"].addresses[0].addr_spec),
        subject=str(message["Subject"])[:300],
        message=message.as_bytes(),
        message_id=message_id,
        event_id=event_id,
        registration_id=registration_id,
    )
    return row
