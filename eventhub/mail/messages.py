"""The messages eventhub sends, each built from templates in the recipient's language."""

from __future__ import annotations

import io
from email.message import EmailMessage

import segno
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from eventhub.calendar.ical import invite_bytes
from eventhub.mail.outbox import compose, enqueue, outbox_row
from eventhub.models import Event, OutboxMessage, Registration
from eventhub.urls import absolute_event_url, absolute_url, checkin_url, site_organizer


def _attach_invite(message: EmailMessage, ics: bytes, method: str) -> None:
    """The invitation twice: as the calendar alternative clients act on, and as a file."""
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": method},
    )


def _invite(event: Event, registration: Registration, method: str) -> bytes:
    return invite_bytes(
        event,
        registration,
        method=method,
        event_url=absolute_event_url(event),
        fallback_organizer=site_organizer(event),
    )


def _qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()


def _attendee_mail(
    event: Event, registration: Registration, *, subject, template: str, **context
) -> EmailMessage:
    """A mail to one attendee in the language they registered in.

    `subject` is a callable so it is translated in that language, not the request's.
    """
    with force_locale(registration.language):
        subject_text = subject()
    return compose(
        to=registration.email,
        to_name=registration.full_name,
        subject=subject_text,
        template=template,
        language=registration.language,
        context={
            "event": event,
            "registration": registration,
            "event_url": absolute_event_url(event),
            **context,
        },
    )


def confirmation_row(event: Event, registration: Registration, token: str) -> OutboxMessage:
    """Confirmation with manage link, check-in QR code and METHOD:REQUEST invitation,
    as an outbox row the caller adds (and gives its registration_id) in its transaction."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _("Registration confirmed: %(title)s", title=event.title),
        template="registration_confirmed",
        manage_url=absolute_url("events.my_registration", token=token),
    )
    html_part = message.get_payload()[1]
    html_part.add_related(
        _qr_png(checkin_url(event, registration)),
        "image",
        "png",
        cid="<checkin-qr@eventhub>",
        filename="checkin.png",
    )
    _attach_invite(message, _invite(event, registration, "REQUEST"), "REQUEST")
    return outbox_row(message, kind="confirmation", event_id=event.id)


def queue_cancellation(event: Event, registration: Registration) -> None:
    """The attendee cancelled (or was cancelled): METHOD:CANCEL with the same UID."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _("Registration cancelled: %(title)s", title=event.title),
        template="registration_cancelled",
    )
    _attach_invite(message, _invite(event, registration, "CANCEL"), "CANCEL")
    enqueue(message, kind="cancellation", event_id=event.id, registration_id=registration.id)


def queue_event_change(event: Event, registration: Registration) -> None:
    """The event moved or was cancelled: an updated REQUEST, or a CANCEL, to one attendee."""
    cancelled = event.status == "cancelled"
    method = "CANCEL" if cancelled else "REQUEST"
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: (
            _("Cancelled: %(title)s", title=event.title)
            if cancelled
            else _("Changed: %(title)s", title=event.title)
        ),
        template="event_cancelled" if cancelled else "event_changed",
    )
    _attach_invite(message, _invite(event, registration, method), method)
    enqueue(
        message,
        kind="event_cancelled" if cancelled else "event_changed",
        event_id=event.id,
        registration_id=registration.id,
    )


def queue_password_reset(user, token: str) -> None:
    link = absolute_url("manage.reset_password", token=token)
    with force_locale(user.language):
        subject = _("Reset your eventhub password")
    message = compose(
        to=user.email,
        to_name=user.name,
        subject=subject,
        template="password_reset",
        language=user.language,
        context={"user": user, "link": link},
    )
    enqueue(message, kind="password_reset")


def queue_private_feed(
    email: str, language: str, *, events: list[Event], feed_url: str, feed_webcal: str
) -> None:
    with force_locale(language):
        subject = _("Your eventhub calendar feed")
    message = compose(
        to=email,
        subject=subject,
        template="private_feed",
        language=language,
        context={"events": events, "feed_url": feed_url, "feed_webcal": feed_webcal},
    )
    enqueue(message, kind="private_feed")


def queue_invitation(invitation, token: str, invited_by) -> None:
    link = absolute_url("manage.accept_invitation", token=token)
    language = getattr(invited_by, "language", "de") or "de"
    with force_locale(language):
        subject = _("Invitation to %(name)s on eventhub", name=invitation.organisation.name)
    message = compose(
        to=invitation.email,
        subject=subject,
        template="invitation",
        language=language,
        context={"invitation": invitation, "link": link, "invited_by": invited_by},
    )
    enqueue(message, kind="invitation")


def group_summary_row(event: Event, registrations: list[Registration], contact) -> OutboxMessage:
    """To whoever registered a group: who is registered (each got their own invitation)."""
    with force_locale(contact.language):
        subject = _("Group registration confirmed: %(title)s", title=event.title)
    message = compose(
        to=contact.email,
        to_name=contact.name,
        subject=subject,
        template="group_summary",
        language=contact.language,
        context={
            "event": event,
            "registrations": registrations,
            "contact": contact,
            "event_url": absolute_event_url(event),
        },
    )
    return outbox_row(message, kind="group_summary", event_id=event.id)


def _organiser_language(event: Event) -> str:
    return event.language if event.language in ("de", "en") else "de"


def _registrations_mail(
    event: Event, registrations: list[Registration], *, subject, total: int | None = None
) -> EmailMessage:
    """To the event's contact: who registered (a single notice, or the digest with a total)."""
    language = _organiser_language(event)
    with force_locale(language):
        subject_text = subject()
    return compose(
        to=event.contact_email,
        to_name=event.contact_name,
        subject=subject_text,
        template="organiser_registrations",
        language=language,
        context={
            "event": event,
            "registrations": registrations,
            "digest": total is not None,
            "total": total,
            "workspace_url": absolute_url("manage.event", slug=event.slug),
            "event_url": absolute_event_url(event),
        },
    )


def new_registrations_row(event: Event, registrations: list[Registration]) -> OutboxMessage:
    """To the event's contact: who just registered (notify_mode "each")."""
    message = _registrations_mail(
        event,
        registrations,
        subject=lambda: ngettext(
            "New registration for %(title)s",
            "%(num)d new registrations for %(title)s",
            len(registrations),
            title=event.title,
        ),
    )
    return outbox_row(message, kind="organiser_new", event_id=event.id)


def queue_digest(event: Event, registrations: list[Registration], total: int) -> None:
    """The daily summary of new registrations to the event's contact."""
    message = _registrations_mail(
        event,
        registrations,
        total=total,
        subject=lambda: _(
            "Registrations today for %(title)s: %(num)d new, %(total)d in total",
            title=event.title,
            num=len(registrations),
            total=total,
        ),
    )
    enqueue(message, kind="organiser_digest", event_id=event.id)


def queue_attendee_list(event: Event, *, to: str, to_name: str, language: str) -> None:
    """The attendee list with CSV and XLSX attached (on demand, and the day before)."""
    from eventhub.manage.exports import attendee_csv, attendee_xlsx
    from eventhub.manage.reports import attendee_rows, event_stats, export_headers

    with force_locale(language):
        subject = _("Attendee list: %(title)s", title=event.title)
        headers = export_headers()
        csv_bytes = b"".join(attendee_csv(attendee_rows(event), headers))
        xlsx_bytes = b"".join(attendee_xlsx(attendee_rows(event), headers, _("Attendees")))
        stats = event_stats(event)
    message = compose(
        to=to,
        to_name=to_name,
        subject=subject,
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
        filename=f"{event.slug}-teilnehmende.csv",
        params={"charset": "utf-8"},
    )
    message.add_attachment(
        xlsx_bytes,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{event.slug}-teilnehmende.xlsx",
    )
    enqueue(message, kind="attendee_list", event_id=event.id)
