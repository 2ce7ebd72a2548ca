"""What a contact request puts in the outbox: the request to its recipient, and the answer
(both addresses on accepting, a polite note on declining), each in its reader's language."""

from __future__ import annotations

from email.message import EmailMessage

from flask_babel import gettext as _

from eventhub.mail.messages import compose
from eventhub.mail.outbox import enqueue
from eventhub.models import Event, Registration
from eventhub.models.network import ContactRequest
from eventhub.urls import absolute_event_url, absolute_url


def participant_message(
    event: Event, reader: Registration, *, subject, template: str, **context
) -> EmailMessage:
    """A mail to one participant of `event`, in their language. No Reply-To: an answer to
    it must not reveal (or reach) anyone's address before a request was accepted."""
    return compose(
        to=reader.email,
        to_name=reader.full_name,
        subject=subject,
        template=template,
        language=reader.language,
        context={
            "event": event,
            "reader": reader,
            "event_url": absolute_event_url(event),
            **context,
        },
    )


def _mail(
    event: Event, reader: Registration, *, subject, template: str, kind: str, **context
) -> None:
    message = participant_message(event, reader, subject=subject, template=template, **context)
    enqueue(message, kind=kind, event_id=event.id, registration_id=reader.id)


def queue_contact_request(event: Event, request: ContactRequest, token: str) -> None:
    """To the recipient: who asks (name, organisation, role — never their address), the
    message, and the link to answer (the page behind it has the buttons; opening it changes
    nothing, as mail scanners open links)."""
    sender = request.sender
    answer_url = absolute_url("network.answer_request", token=token)
    _mail(
        event,
        request.recipient,
        subject=lambda: _(
            "%(name)s would like to get in touch: %(title)s",
            name=sender.full_name,
            title=event.title,
        ),
        template="contact_request",
        kind="contact_request",
        sender=sender,
        message=request.message,
        answer_url=answer_url,
        accept_url=f"{answer_url}?answer=accept",
        decline_url=f"{answer_url}?answer=decline",
        block_url=f"{answer_url}?answer=block",
    )


def queue_contact_accepted(event: Event, request: ContactRequest) -> None:
    """To both sides: the other's name, organisation and email address."""
    for reader, other in ((request.sender, request.recipient), (request.recipient, request.sender)):
        _mail(
            event,
            reader,
            subject=lambda other=other: _(
                "Contact with %(name)s: %(title)s", name=other.full_name, title=event.title
            ),
            template="contact_accepted",
            kind="contact_accepted",
            other=other,
            was_sender=reader.id == request.sender_id,
        )


def queue_contact_declined(event: Event, request: ContactRequest) -> None:
    """To the sender: politely, that it did not work out — no reason, nothing else."""
    _mail(
        event,
        request.sender,
        subject=lambda: _("Your contact request: %(title)s", title=event.title),
        template="contact_declined",
        kind="contact_declined",
        other=request.recipient,
    )
