"""What a registration or an event change puts in the outbox: confirmations with their
calendar invitation, cancellations, updates, group summaries and organiser notices."""

from __future__ import annotations

from email.message import EmailMessage

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from eventhub.calendar.ical import invite_bytes
from eventhub.extensions import db
from eventhub.mail.composing import CannotCompose, deferred_row, register_composer
from eventhub.mail.messages import add_inline_image, attach_invite, compose, qr_png, subject_in
from eventhub.mail.outbox import enqueue, outbox_row
from eventhub.models import Event, OutboxMessage, Registration
from eventhub.querying import event_load_options
from eventhub.urls import absolute_event_url, absolute_url, checkin_url, site_organizer


def _invite(
    event: Event, registration: Registration, method: str, sequence: int | None = None
) -> bytes:
    return invite_bytes(
        event,
        registration,
        method=method,
        event_url=absolute_event_url(event),
        fallback_organizer=site_organizer(event),
        sequence=sequence,
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
    event: Event,
    registration: Registration,
    token: str,
    *,
    subject,
    template: str,
    sequence: int | None = None,
    **context,
) -> EmailMessage:
    """A mail with the private link and the METHOD:REQUEST invitation (same UID, current
    SEQUENCE, or `sequence`): the confirmation and the reminders."""
    message = _attendee_mail(
        event,
        registration,
        subject=subject,
        template=template,
        manage_url=absolute_url("events.my_registration", token=token),
        **context,
    )
    attach_invite(message, _invite(event, registration, "REQUEST", sequence), "REQUEST")
    return message


def _confirmed_subject(event: Event):
    return lambda: _("Registration confirmed: %(title)s", title=event.title)


def confirmation_row(event: Event, registration: Registration, token: str) -> OutboxMessage:
    """Confirmation with manage link, check-in QR code and METHOD:REQUEST invitation,
    as an outbox row the caller adds (and gives its registration_id) in its transaction.

    The row holds the private link's token; the worker composes the message
    (compose_confirmation) just before sending it: the QR code, the invitation and the
    MIME message are most of a registration's work, and need no lock or request."""
    return deferred_row(
        kind="confirmation",
        to=registration.email,
        subject=subject_in(registration.language, _confirmed_subject(event)),
        # The invitation's SEQUENCE as of now: a cancellation or change written before
        # the worker composes this mail must still supersede it in calendars.
        args={"token": token, "sequence": event.sequence + (registration.sequence or 0)},
        event_id=event.id,
        registration_id=registration.id,
    )


def confirmation_message(
    event: Event, registration: Registration, token: str, *, sequence: int | None = None
) -> EmailMessage:
    """The confirmation itself: the private link, the check-in QR code (inline image) and
    the METHOD:REQUEST invitation (as the calendar alternative and as invite.ics)."""
    message = _invitation_mail(
        event,
        registration,
        token,
        subject=_confirmed_subject(event),
        template="registration_confirmed",
        sequence=sequence,
    )
    add_inline_image(
        message,
        qr_png(checkin_url(event, registration)),
        cid="checkin-qr@eventhub",
        filename="checkin.png",
    )
    return message


def compose_confirmation(row: OutboxMessage) -> EmailMessage:
    """The composer of a confirmation row: from the event and registration as they are
    now (normally a second after the registration)."""
    registration = _living_registration(row.registration_id)
    return confirmation_message(
        _event_for_mail(registration.event_id),
        registration,
        row.compose_args["token"],
        sequence=row.compose_args.get("sequence"),
    )


def _living_registration(registration_id: int | None) -> Registration:
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None or registration.anonymised_at is not None:
        raise CannotCompose("the registration was erased before its mail was composed")
    return registration


def _event_for_mail(event_id: int) -> Event:
    """The event with what mails show (hosts, for the layout's brand)."""
    return db.session.scalar(
        select(Event).options(*event_load_options(agenda=False)).where(Event.id == event_id)
    )


def init_app(app: Flask) -> None:
    """The mails of this area that the worker composes (eventhub.mail.composing)."""
    register_composer(app, "confirmation", compose_confirmation)
    register_composer(app, "organiser_new", compose_new_registrations)


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


def _new_registrations_subject(event: Event, count: int):
    return lambda: ngettext(
        "New registration for %(title)s",
        "%(num)d new registrations for %(title)s",
        count,
        title=event.title,
    )


def new_registrations_row(
    event: Event, registrations: list[Registration], *, seats_left: int | None
) -> OutboxMessage:
    """To the event's contact: who just registered (notify_mode "each"), with the seats
    left after these registrations. Composed by the worker (compose_new_registrations),
    like the confirmation; the row holds the registrations' ids and the seats left."""
    return deferred_row(
        kind="organiser_new",
        to=event.contact_email,
        subject=subject_in(
            organiser_language(event), _new_registrations_subject(event, len(registrations))
        ),
        args={"registrations": [r.id for r in registrations], "seats_left": seats_left},
        event_id=event.id,
    )


def compose_new_registrations(row: OutboxMessage) -> EmailMessage:
    """The composer of an organiser's notice: the people named in the row, less those
    erased meanwhile, and the seats left as counted when they registered."""
    ids = row.compose_args["registrations"]
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.id.in_(ids), Registration.anonymised_at.is_(None))
        .order_by(Registration.id)
    ).all()
    if not registrations or row.event_id is None:
        raise CannotCompose("the registrations were erased before the notice was composed")
    event = _event_for_mail(row.event_id)
    return registrations_mail(
        event,
        list(registrations),
        seats_left=row.compose_args["seats_left"],
        subject=_new_registrations_subject(event, len(registrations)),
    )


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
