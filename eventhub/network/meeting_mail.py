"""What a meeting puts in the outbox, each mail in its reader's language: the request to
the partner (who asks — never their address), the placed meeting to both (slot, table,
the other's address, an iCal REQUEST), a move to both (an iCal REQUEST with the same UID
and a higher SEQUENCE) and the cancellation to both (an iCal CANCEL).

Only a request the partner accepted themselves shares the two addresses; a meeting
accepted automatically or arranged by the organisers reveals none, so mails and calendar
entries name the other by name and organisation only."""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale
from flask_babel import gettext as _

from eventhub.calendar.ical import meeting_invite_bytes, meeting_location
from eventhub.extensions import db
from eventhub.mail.messages import attach_invite
from eventhub.mail.outbox import enqueue
from eventhub.models import Event
from eventhub.models.network import Meeting, MeetingSettings
from eventhub.network.contact_mail import participant_message
from eventhub.urls import absolute_event_url, absolute_url, site_organizer


def queue_meeting_request(event: Event, meeting: Meeting, token: str) -> None:
    """To the partner: who asks (name, organisation, role), the note, the slots the
    requester prefers, and the link to answer (the page behind it changes nothing until
    a button is pressed, as mail scanners open links)."""
    requester = meeting.requester
    message = participant_message(
        event,
        meeting.partner,
        subject=lambda: _(
            "%(name)s would like to meet you: %(title)s",
            name=requester.full_name,
            title=event.title,
        ),
        template="meeting_request",
        requester=requester,
        note=meeting.note,
        preferred=_preferred(event, meeting),
        answer_url=absolute_url("network.answer_meeting", token=token),
    )
    enqueue(message, kind="meeting_request", event_id=event.id, registration_id=meeting.partner_id)


def _preferred(event: Event, meeting: Meeting) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slots the requester prefers, as (start, end) for the template to write."""
    settings = db.session.get(MeetingSettings, event.id)
    length = dt.timedelta(minutes=settings.slot_minutes if settings else 15)
    starts = [dt.datetime.fromisoformat(s) for s in meeting.preferred_slots or []]
    return [(start, start + length) for start in starts]


def _invite(
    event: Event, meeting: Meeting, reader, other, table_name, method: str, reveal: bool
) -> bytes:
    with force_locale(reader.language):
        summary = _("Meeting with %(name)s", name=other.full_name)
        description = "\n\n".join(
            p
            for p in (
                _("One-to-one meeting at %(title)s", title=event.title),
                meeting.note,
                absolute_event_url(event),
            )
            if p
        )
    return meeting_invite_bytes(
        uid=meeting.uid,
        sequence=meeting.sequence,
        method=method,
        starts_at=meeting.slot_start,
        ends_at=meeting.slot_end,
        timezone=event.timezone,
        summary=summary,
        description=description,
        location=meeting_location(event, table_name),
        url=absolute_event_url(event),
        organizer=(event.contact_name, event.contact_email)
        if event.contact_email
        else site_organizer(event),
        # Without the other's address the reader's own entry names only them.
        attendees=[(reader.full_name, reader.email)]
        + ([(other.full_name, other.email)] if reveal else []),
    )


def pairs(meeting: Meeting):
    """(reader, other) for each of the two people."""
    return ((meeting.requester, meeting.partner), (meeting.partner, meeting.requester))


def mail_both(
    event: Event,
    meeting: Meeting,
    table_name: str | None,
    *,
    kind: str,
    subject,
    method: str | None = None,
    skip: set[int] = frozenset(),
) -> None:
    """One mail to each of the two, in the reader's language, from the template `kind`
    (also the outbox kind); `subject(other)` words the subject. With `method` (REQUEST or
    CANCEL) and a slot, an iCal invitation with the meeting's UID and SEQUENCE is attached.
    Registrations in `skip` get none.

    The other's address (text and iCal ATTENDEE) only for a meeting one of them asked for
    and the other accepted (Meeting.addresses_shared): a meeting accepted automatically or
    arranged by the organisers never reveals it."""
    reveal = meeting.addresses_shared and not meeting.arranged
    placed = meeting.slot_start is not None
    for reader, other in pairs(meeting):
        if reader.id in skip:
            continue
        message = participant_message(
            event,
            reader,
            subject=lambda other=other: subject(other),
            template=kind,
            other=other,
            was_requester=reader.id == meeting.requester_id,
            placed=placed,
            meeting=meeting,
            table_name=table_name,
            reveal=reveal,
        )
        if method and placed:
            invite = _invite(event, meeting, reader, other, table_name, method, reveal)
            attach_invite(message, invite, method)
        enqueue(message, kind=kind, event_id=event.id, registration_id=reader.id)


def queue_meeting_accepted(event: Event, meeting: Meeting, table_name: str | None) -> None:
    """To both: the meeting is on — with the other's name (and address, see `mail_both`),
    and when placed the slot, table and an iCal REQUEST; otherwise that the organisers
    will give it a slot."""
    mail_both(
        event,
        meeting,
        table_name,
        kind="meeting_accepted",
        subject=lambda other: _(
            "Meeting with %(name)s: %(title)s", name=other.full_name, title=event.title
        ),
        method="REQUEST",
    )


def queue_meeting_moved(event: Event, meeting: Meeting, table_name: str) -> None:
    """To both: the organisers gave the meeting a new slot or table — an iCal REQUEST with
    the same UID and the raised SEQUENCE replaces the entry in their calendars."""
    mail_both(
        event,
        meeting,
        table_name,
        kind="meeting_moved",
        subject=lambda other: _(
            "Meeting with %(name)s moved: %(title)s", name=other.full_name, title=event.title
        ),
        method="REQUEST",
    )


def queue_meeting_cancelled(
    event: Event, meeting: Meeting, table_name: str | None, *, skip: set[int] = frozenset()
) -> None:
    """To both (but those in `skip`): the meeting is off (an iCal CANCEL with the same UID
    and a higher SEQUENCE when it had a slot)."""
    mail_both(
        event,
        meeting,
        table_name,
        kind="meeting_cancelled",
        subject=lambda other: _(
            "Meeting with %(name)s cancelled: %(title)s",
            name=other.full_name,
            title=event.title,
        ),
        method="CANCEL",
        skip=skip,
    )
