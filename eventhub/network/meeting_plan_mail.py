"""What publishing the organisers' meeting plan puts in the outbox, each mail in its
reader's language: a placed meeting to both people (slot, table, an iCal REQUEST) and, to
everyone with a request the plan could not place, the list of those. Arranged meetings
(set up by the organisers) never show the other person's address, not even in the
invitation's attendees (meeting_mail decides, as for every meeting mail)."""

from __future__ import annotations

from flask_babel import gettext as _

from eventhub.mail.outbox import enqueue
from eventhub.models import Event, Registration
from eventhub.models.network import Meeting
from eventhub.network.contact_mail import participant_message
from eventhub.network.meeting_mail import mail_both


def queue_meeting_scheduled(event: Event, meeting: Meeting, table_name: str) -> None:
    """To both people of a meeting the plan placed: when, which table, with whom (the
    address only when they asked for the meeting themselves), and an iCal REQUEST."""
    mail_both(
        event,
        meeting,
        table_name,
        kind="meeting_scheduled",
        subject=lambda other: _(
            "Your meeting with %(name)s has a time: %(title)s",
            name=other.full_name,
            title=event.title,
        ),
        method="REQUEST",
    )


def queue_meeting_not_scheduled(
    event: Event, reader: Registration, meetings: list[tuple[Registration, Meeting]]
) -> None:
    """To one person: the meetings (the other's name and organisation, never an address)
    that no slot could be found for this time."""
    message = participant_message(
        event,
        reader,
        subject=lambda: _("Your meetings at %(title)s", title=event.title),
        template="meeting_not_scheduled",
        others=[other for other, _meeting in meetings],
    )
    enqueue(message, kind="meeting_not_scheduled", event_id=event.id, registration_id=reader.id)
