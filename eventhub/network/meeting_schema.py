"""The JSON of one-to-one meetings: a participant's own view (under their private token)
and the organisers' view (organiser API). One place, so both endpoints and the OpenAPI
document agree on names; times are ISO 8601 with the event's offset."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from eventhub.calendar.ical import meeting_uid
from eventhub.extensions import db
from eventhub.models import Event, Registration
from eventhub.models.network import Meeting, MeetingUnavailable
from eventhub.network.meetings import MeetingSetup, meeting_setup, meetings_for


def local_iso(moment: dt.datetime | None, event: Event) -> str | None:
    return moment.astimezone(event.tz).isoformat() if moment is not None else None


def _slot(start: dt.datetime | None, end: dt.datetime | None, event: Event) -> dict | None:
    if start is None or end is None:
        return None
    return {"start": local_iso(start, event), "end": local_iso(end, event)}


def _preferred(meeting: Meeting, event: Event) -> list[str]:
    return [local_iso(dt.datetime.fromisoformat(s), event) for s in meeting.preferred_slots or []]


def partner_json(meeting: Meeting, other: Registration) -> dict:
    data = {
        "name": other.full_name,
        "organisation": other.organisation,
        "job_title": other.job_title,
    }
    if meeting.shares_addresses:  # the partner accepted; never automatic or arranged
        data["email"] = other.email
    return data


def my_meeting_json(meeting: Meeting, me_id: int, event: Event) -> dict:
    """One of my meetings as I see it: the other person (their address only once it is
    revealed), the note, where and when."""
    requested_by_me = meeting.requester_id == me_id
    other = meeting.partner if requested_by_me else meeting.requester
    return {
        "id": meeting.id,
        "status": meeting.status,
        "requested_by_me": requested_by_me,
        "arranged": meeting.arranged,
        "partner": partner_json(meeting, other),
        "note": meeting.note,
        "preferred_slots": _preferred(meeting, event),
        "slot": _slot(meeting.slot_start, meeting.slot_end, event),
        "table": meeting.table.name if meeting.table else None,
        "sequence": meeting.sequence,
        "ical_uid": meeting_uid(meeting.uid),
    }


def setup_json(setup: MeetingSetup, event: Event, unavailable: list[dt.datetime]) -> dict:
    """The event's meeting slots and rules as a participant needs them."""
    return {
        "slot_minutes": setup.settings.slot_minutes,
        "break_minutes": setup.settings.break_minutes,
        "max_per_person": setup.settings.max_per_person,
        "needs_acceptance": setup.settings.needs_acceptance,
        "requests_close_at": local_iso(setup.requests_close_at, event),
        "slots": [_slot(s.start, s.end, event) for s in setup.slots],
        "unavailable_slots": [local_iso(start, event) for start in unavailable],
    }


def participant_meetings_json(registration: Registration) -> dict:
    """What /api/v1/participant/<token>/meetings answers: the event, its meeting set-up
    when meetings are on, and every meeting of mine (closed ones too, with their status).
    A fixed number of queries."""
    event = registration.event
    setup = meeting_setup(event.id)
    unavailable = list(
        db.session.scalars(
            select(MeetingUnavailable.slot_start)
            .where(MeetingUnavailable.registration_id == registration.id)
            .order_by(MeetingUnavailable.slot_start)
        )
    )
    return {
        "event": {"slug": event.slug, "title": event.title, "timezone": event.timezone},
        "meeting_setup": setup_json(setup, event, unavailable) if setup.enabled else None,
        "meetings": [
            my_meeting_json(m, registration.id, event)
            for m in meetings_for(registration.id, include_closed=True)
        ],
    }


def _person_json(person: Registration) -> dict:
    return {
        "registration_id": person.id,
        "name": person.full_name,
        "organisation": person.organisation,
    }


def organiser_meeting_json(meeting: Meeting, event: Event) -> dict:
    """A meeting as the event's organisers see it: both people (no addresses: those are
    in the registrations), status, place, and when it was asked, answered, cancelled and
    held. The note stays between the two."""
    return {
        "id": meeting.id,
        "event": event.slug,
        "status": meeting.status,
        "arranged": meeting.arranged,
        "requester": _person_json(meeting.requester),
        "partner": _person_json(meeting.partner),
        "slot": _slot(meeting.slot_start, meeting.slot_end, event),
        "table": meeting.table.name if meeting.table else None,
        "sequence": meeting.sequence,
        "ical_uid": meeting_uid(meeting.uid),
        "created_at": local_iso(meeting.created_at, event),
        "answered_at": local_iso(meeting.answered_at, event),
        "cancelled_at": local_iso(meeting.cancelled_at, event),
        "held_at": local_iso(meeting.held_at, event),
    }
