"""What a registration or an event change puts in the outbox: confirmations with their
calendar invitation, cancellations, updates, group summaries and organiser notices."""

from __future__ import annotations

from email.message import EmailMessage

from flask_babel import gettext as _
from flask_babel import ngettext

from eventhub.calendar.ical import invite_bytes
from eventhub.mail.messages import add_inline_image, attach_invite, compose, qr_png
from eventhub.mail.outbox import enqueue, outbox_row
from eventhub.models import Event, OutboxMessage, Registration
from eventhub.urls import absolute_event_url, absolute_url, checkin_url, site_organizer


def _invite(event: Event, registration: Registration, method: str) -> bytes:
    return invite_bytes(
        event,
        registration,
        method=method,
        event_url=absolute_event_url(event),
        fallback_organizer=site_organizer(event),
    )


def _attendee_mail(
    event: Event, registration: Registration, *, subject, template: str, **context
) -> EmailMessage:
    """A mail to one attendee in the language they registered in.

    `subject` is a callable so it is translated in that language, not the request's.
    """
    return compose(
        to=registration.email,
        to_name=registration.full_name,
        subject=subject,
        template=template,
        language=registration.language,
        context={
            "event": event,
            "registration": registration,
            "event_url": absolute_event_url(event),
            **context,
        },
        # Answers reach the organisers, not the site's no-reply sender.
        reply_to=(event.contact_name, event.contact_email) if event.contact_email else None,
    )


# The same for the area's other modules (certificates, materials after the event).
attendee_mail = _attendee_mail


def _invitation_mail(
    event: Event, registration: Registration, token: str, *, subject, template: str, **context
) -> EmailMessage:
    """A mail with the private link and the METHOD:REQUEST invitation (same UID, current
    SEQUENCE): the confirmation and the reminders."""
    message = _attendee_mail(
        event,
        registration,
        subject=subject,
        template=template,
        manage_url=absolute_url("events.my_registration", token=token),
        **context,
    )
    attach_invite(message, _invite(event, registration, "REQUEST"), "REQUEST")
    return message


def confirmation_row(event: Event, registration: Registration, token: str) -> OutboxMessage:
    """Confirmation with manage link, check-in QR code and METHOD:REQUEST invitation,
    as an outbox row the caller adds (and gives its registration_id) in its transaction."""
    message = _invitation_mail(
        event,
        registration,
        token,
        subject=lambda: _("Registration confirmed: %(title)s", title=event.title),
        template="registration_confirmed",
    )
    add_inline_image(
        message,
        qr_png(checkin_url(event, registration)),
        cid="checkin-qr@eventhub",
        filename="checkin.png",
    )
    return outbox_row(message, kind="confirmation", event_id=event.id)


def confirm_address_row(event: Event, registration: Registration, token: str) -> OutboxMessage:
    """ "Please confirm your address": the private link, which holds the confirm button.
    No calendar invitation yet: the seat is only held."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _("Please confirm your registration: %(title)s", title=event.title),
        template="confirm_address",
        manage_url=absolute_url("events.my_registration", token=token),
    )
    return outbox_row(message, kind="confirm_address", event_id=event.id)


def queue_cancellation(event: Event, registration: Registration) -> None:
    """The attendee cancelled (or was cancelled): METHOD:CANCEL with the same UID."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _("Registration cancelled: %(title)s", title=event.title),
        template="registration_cancelled",
    )
    attach_invite(message, _invite(event, registration, "CANCEL"), "CANCEL")
    enqueue(message, kind="cancellation", event_id=event.id, registration_id=registration.id)


def queue_my_links(email: str, links: list[tuple[Registration, str]], language: str) -> None:
    """ "Send me my links": the private link of each registration of the address."""
    message = compose(
        to=email,
        to_name=links[0][0].full_name,
        subject=lambda: _("Your registrations on eventhub"),
        template="my_links",
        language=language,
        context={
            "links": [
                (r.event, r, absolute_url("events.my_registration", token=token))
                for r, token in links
            ],
        },
    )
    enqueue(message, kind="my_links")


def queue_already_registered(event: Event, registration: Registration) -> None:
    """Someone tried to register this address again: tell its owner (and only them)."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _("You are already registered: %(title)s", title=event.title),
        template="already_registered",
    )
    enqueue(message, kind="already_registered", event_id=event.id, registration_id=registration.id)


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
    attach_invite(message, _invite(event, registration, method), method)
    enqueue(
        message,
        kind="event_cancelled" if cancelled else "event_changed",
        event_id=event.id,
        registration_id=registration.id,
    )


def group_summary_row(event: Event, registrations: list[Registration], contact) -> OutboxMessage:
    """To whoever registered a group: who is registered (each got their own invitation),
    or that the group waits on the waiting list, or awaits approval."""
    state = registrations[0].status if registrations else "confirmed"
    subjects = {
        "waiting": lambda: _("Group on the waiting list: %(title)s", title=event.title),
        "pending": lambda: _("Group registration received: %(title)s", title=event.title),
    }
    message = compose(
        to=contact.email,
        to_name=contact.name,
        subject=subjects.get(
            state, lambda: _("Group registration confirmed: %(title)s", title=event.title)
        ),
        template="group_summary",
        language=contact.language,
        context={
            "event": event,
            "state": state,
            "registrations": registrations,
            "contact": contact,
            "event_url": absolute_event_url(event),
        },
        reply_to=(event.contact_name, event.contact_email) if event.contact_email else None,
    )
    return outbox_row(message, kind="group_summary", event_id=event.id)


def organiser_language(event: Event) -> str:
    return event.language if event.language in ("de", "en") else "de"


def registrations_mail(
    event: Event,
    registrations: list[Registration],
    *,
    subject,
    total: int | None = None,
    seats_left: int | None,
) -> EmailMessage:
    """To the event's contact: who registered (a single notice, or the digest with a total).

    `seats_left` as the caller counted it (None: unlimited): the event object may still
    hold the counter from before the registrations it reports.
    """
    language = organiser_language(event)
    return compose(
        to=event.contact_email,
        to_name=event.contact_name,
        subject=subject,
        template="organiser_registrations",
        language=language,
        context={
            "event": event,
            "registrations": registrations,
            "digest": total is not None,
            "total": total,
            "seats_left": seats_left,
            "workspace_url": absolute_url("manage.event", slug=event.slug),
            "event_url": absolute_event_url(event),
        },
    )


def new_registrations_row(
    event: Event, registrations: list[Registration], *, seats_left: int | None
) -> OutboxMessage:
    """To the event's contact: who just registered (notify_mode "each"), with the seats
    left after these registrations."""
    message = registrations_mail(
        event,
        registrations,
        seats_left=seats_left,
        subject=lambda: ngettext(
            "New registration for %(title)s",
            "%(num)d new registrations for %(title)s",
            len(registrations),
            title=event.title,
        ),
    )
    return outbox_row(message, kind="organiser_new", event_id=event.id)


# --- waiting list and approval ------------------------------------------------------

# A registration's state mails: subject and template context per state. No calendar
# invitation with any of them: people get one only once their seat is confirmed.
_STATE_SUBJECTS = {
    "waiting": lambda title: _("You are on the waiting list: %(title)s", title=title),
    "position": lambda title: _("Your place on the waiting list: %(title)s", title=title),
    "offered": lambda title: _("A seat is free for you: %(title)s", title=title),
    "approved": lambda title: _("Registration accepted, please confirm: %(title)s", title=title),
    "offer_expired": lambda title: _("Your seat offer has expired: %(title)s", title=title),
    "left": lambda title: _("You have left the waiting list: %(title)s", title=title),
    "pending": lambda title: _("Registration received, awaiting approval: %(title)s", title=title),
    "withdrawn": lambda title: _("Registration withdrawn: %(title)s", title=title),
    "declined": lambda title: _("Your registration was not accepted: %(title)s", title=title),
}


def state_row(
    event: Event,
    registration: Registration,
    state: str,
    *,
    token: str | None = None,
    position: int | None = None,
    note: str = "",
) -> OutboxMessage:
    """The mail telling a person their registration's new state (waiting with their
    position, a moved position, a seat offer, an expired offer, leaving the list, pending
    approval, declined with the organisers' optional note), as an outbox row for the
    caller's transaction. `token`: the private link to include, where there is one."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _STATE_SUBJECTS[state](event.title),
        template="registration_state",
        state=state,
        position=position,
        note=note,
        manage_url=absolute_url("events.my_registration", token=token) if token else None,
    )
    return outbox_row(message, kind=state, event_id=event.id, registration_id=registration.id)


# --- reminders ------------------------------------------------------------------------


def reminder_row(
    event: Event,
    registration: Registration,
    token: str,
    *,
    meetings: list[tuple] = (),
) -> OutboxMessage:
    """A reminder before the event: date, time, place or link, the programme, a fresh
    private link and the calendar invitation again (same UID, current SEQUENCE).
    `meetings`: (starts_at, ends_at, partner name, table name) of the person's meetings."""
    message = _invitation_mail(
        event,
        registration,
        token,
        subject=lambda: _("Reminder: %(title)s", title=event.title),
        template="reminder",
        agenda=sorted(event.agenda, key=lambda item: item.position),
        meetings=list(meetings),
    )
    return outbox_row(message, kind="reminder", event_id=event.id, registration_id=registration.id)


# --- feedback after the event ---------------------------------------------------------


def feedback_invite_row(
    event: Event, registration: Registration, token: str, closes_at
) -> OutboxMessage:
    """The invitation to the survey after the event, with its private link (no account
    needed) and the day it closes; says whether answers are anonymous."""
    message = _attendee_mail(
        event,
        registration,
        subject=lambda: _("Your feedback: %(title)s", title=event.title),
        template="feedback_invite",
        survey_url=absolute_url("events.feedback_survey", token=token),
        closes_at=closes_at,
    )
    return outbox_row(
        message, kind="feedback_invite", event_id=event.id, registration_id=registration.id
    )
