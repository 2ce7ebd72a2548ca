"""The mail of an organiser's message to one attendee: the organiser's text as written,
in a frame (greeting, why they get it, their private link) in the attendee's language.
Pure: takes data, returns the message or its preview."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from eventhub.mail.messages import compose
from eventhub.mail.outbox import outbox_row
from eventhub.models import Event, OutboxMessage, Registration
from eventhub.text import render_markdown
from eventhub.urls import absolute_event_url, absolute_url


@dataclass(frozen=True)
class MessageDraft:
    group: str
    subject: str
    body: str  # Markdown


def _context(event: Event, registration: Registration, draft: MessageDraft, manage_url: str):
    return {
        "event": event,
        "registration": registration,
        "group": draft.group,
        "subject": draft.subject,
        "body": draft.body,
        "body_html": render_markdown(draft.body),
        "manage_url": manage_url,
        "event_url": absolute_event_url(event),
    }


def attendee_message_mail(
    event: Event, registration: Registration, draft: MessageDraft, manage_url: str
) -> EmailMessage:
    return compose(
        to=registration.email,
        to_name=registration.full_name,
        subject=draft.subject,
        template="attendee_message",
        language=registration.language,
        context=_context(event, registration, draft, manage_url),
        # Answers reach the organisers, not the site's no-reply sender.
        reply_to=(event.contact_name, event.contact_email) if event.contact_email else None,
    )


def attendee_message_row(
    event: Event, registration: Registration, draft: MessageDraft, token: str | None
) -> OutboxMessage:
    """The outbox row for one person, with a link to their private page (`token`; None:
    no link, for someone holding a seat offer whose offer mail carries theirs)."""
    url = absolute_url("events.my_registration", token=token) if token else None
    message = attendee_message_mail(event, registration, draft, url)
    return outbox_row(
        message, kind="attendee_message", event_id=event.id, registration_id=registration.id
    )


def preview(event: Event, registration: Registration, draft: MessageDraft) -> dict:
    """What the person will see, for the preview page: the mail's content as HTML and
    its plain-text part, in the person's language. The link is a placeholder: a real one
    is only made when the message is sent."""
    placeholder = "…"  # shown where each person's own link will be
    manage_url = absolute_url("events.my_registration", token=placeholder)
    context = _context(event, registration, draft, manage_url)
    with force_locale(registration.language):
        html = render_template("email/_attendee_message_content.html", **context)
    mail = attendee_message_mail(event, registration, draft, manage_url)
    return {
        "html": Markup(html),  # noqa: S704  # nosec B704  # autoescaped template, nh3 body
        "text": mail.get_body(("plain",)).get_content(),
        "to": str(mail["To"]),
        "reply_to": str(mail["Reply-To"] or ""),
        "language": registration.language,
    }
