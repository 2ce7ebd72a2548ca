"""What the workspace puts in the outbox: invitations, password resets, digests and
attendee lists for organisers."""

from __future__ import annotations

from flask_babel import gettext as _

from eventhub.events.notifications import registrations_mail
from eventhub.mail.messages import compose
from eventhub.mail.outbox import enqueue
from eventhub.manage.exports import attendee_list_filename
from eventhub.models import INVITATION_DAYS, Event, Registration
from eventhub.urls import absolute_event_url, absolute_url


def queue_password_reset(user, token: str) -> None:
    link = absolute_url("auth.reset_password", token=token)
    message = compose(
        to=user.email,
        to_name=user.name,
        subject=lambda: _("Reset your eventhub password"),
        template="password_reset",
        language=user.language,
        context={"user": user, "link": link},
    )
    enqueue(message, kind="password_reset")


def queue_invitation(invitation, token: str, invited_by) -> None:
    link = absolute_url("auth.accept_invitation", token=token)
    language = getattr(invited_by, "language", "de") or "de"
    message = compose(
        to=invitation.email,
        subject=lambda: _("Invitation to %(name)s on eventhub", name=invitation.organisation.name),
        template="invitation",
        language=language,
        context={
            "invitation": invitation,
            "link": link,
            "invited_by": invited_by,
            "invitation_days": INVITATION_DAYS,
        },
    )
    enqueue(message, kind="invitation")


def queue_digest(event: Event, registrations: list[Registration], total: int) -> None:
    """The daily summary of new registrations to the event's contact."""
    message = registrations_mail(
        event,
        registrations,
        total=total,
        seats_left=event.seats_left,
        subject=lambda: _(
            "Registrations today for %(title)s: %(num)d new, %(total)d in total",
            title=event.title,
            num=len(registrations),
            total=total,
        ),
    )
    enqueue(message, kind="organiser_digest", event_id=event.id)


def queue_attendee_list(
    event: Event,
    *,
    to: str,
    to_name: str,
    language: str,
    stats,
    csv_bytes: bytes,
    xlsx_bytes: bytes,
) -> None:
    """The attendee list mail with the CSV and XLSX files attached."""
    message = compose(
        to=to,
        to_name=to_name,
        subject=lambda: _("Attendee list: %(title)s", title=event.title),
        template="attendee_list",
        language=language,
        context={
            "event": event,
            "stats": stats,
            "event_url": absolute_event_url(event),
            "workspace_url": absolute_url("manage.event", slug=event.slug),
        },
    )
    message.add_attachment(
        csv_bytes,
        maintype="text",
        subtype="csv",
        filename=attendee_list_filename(event, "csv"),
        params={"charset": "utf-8"},
    )
    message.add_attachment(
        xlsx_bytes,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=attendee_list_filename(event, "xlsx"),
    )
    enqueue(message, kind="attendee_list", event_id=event.id)


def queue_host_request(link, owner, *, requested_by: list[str]) -> None:
    """Ask an owner whether their organisation agrees to be named on an event."""
    language = owner.language or "de"
    event = link.event
    message = compose(
        to=owner.email,
        to_name=owner.name,
        subject=lambda: _(
            "%(organisation)s named on %(title)s: please accept or decline",
            organisation=link.organisation.name,
            title=event.title,
        ),
        template="host_request",
        language=language,
        context={
            "link": link,
            "event": event,
            "requested_by": ", ".join(requested_by),
            "answer_url": absolute_url("manage.organisation", org_slug=link.organisation.slug)
            + "#host-requests",
        },
    )
    enqueue(message, kind="host_request", event_id=event.id)
