"""iCalendar documents for events; pure functions from event data to bytes."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar, vCalAddress, vDuration, vText
from icalendar import Event as VEvent

from eventhub.calendar.vtimezone import build_vtimezone
from eventhub.models import Event
from eventhub.text import single_line

PRODID = "-//eventhub//eventhub 1.0//DE"
UID_DOMAIN = "eventhub"


def event_uid(event: Event) -> str:
    """Stable for the event's lifetime: slug and title may change, this does not."""
    return f"event-{event.uid}@{UID_DOMAIN}"


def _location(event: Event) -> str:
    return _venue(event) or (event.online_url or "")


def registration_uid(event: Event, registration) -> str:
    """The UID of one attendee's invitation: requests, updates and cancellations share it."""
    return f"registration-{registration.uid}@{UID_DOMAIN}"


def build_vevent(
    event: Event,
    *,
    event_url: str,
    fallback_organizer: tuple[str, str] | None = None,
    uid: str | None = None,
    sequence: int | None = None,
) -> VEvent:
    """One VEVENT. ORGANIZER is the event contact, else `fallback_organizer` (name, email)."""
    vevent = VEvent()
    vevent.add("uid", uid or event_uid(event))
    # With a METHOD, DTSTAMP is when this object was made (RFC 5545 3.8.7.2).
    vevent.add("dtstamp", dt.datetime.now(dt.UTC).replace(microsecond=0))
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.sequence if sequence is None else sequence)
    vevent.add("summary", single_line(event.title))
    vevent.add("dtstart", event.starts_at.astimezone(event.tz))
    vevent.add("dtend", event.ends_at.astimezone(event.tz))
    description = "\n\n".join(p for p in (event.summary.strip(), event_url) if p)
    vevent.add("description", description)
    location = _location(event)
    if location:
        vevent.add("location", location)
    vevent.add("url", event_url)
    vevent.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    name, email = event.contact_name, event.contact_email
    if not email and fallback_organizer:
        name, email = fallback_organizer
    if email:
        vevent.add("organizer", _address(name, email))
    if event.topics:
        vevent.add("categories", [t.name for t in event.topics])
    return vevent


def _address(name: str | None, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(single_line(name))
    return address


def _add_attendee(vevent: VEvent, name: str, email: str, *, cancelled: bool) -> None:
    """One person the invitation is for: accepted (declined once it is cancelled), no
    RSVP asked — registering or accepting a meeting was the answer."""
    attendee = _address(name, email)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "DECLINED" if cancelled else "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    vevent.add("attendee", attendee)


def _itip_bytes(vevent: VEvent, method: str) -> bytes:
    """One VEVENT as an iTIP message (METHOD:REQUEST or CANCEL) with its VTIMEZONEs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(vevent)
    add_timezones(cal)
    return cal.to_ical()


def calendar_bytes(
    events: Iterable[Event],
    *,
    url_for_event,
    name: str,
    method: str = "PUBLISH",
    organizer_for_event=None,
    refresh: str | None = None,
    more: Iterable[VEvent] = (),
    attendance: dict[int, str] | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per event, the VEVENTs in `more` (a private feed's
    meetings) and the VTIMEZONEs they use. `attendance` (event id -> "onsite" or
    "online", for one person's calendar) puts their own place in each hybrid event's
    entry, as their invitation does.

    With `refresh` (an ISO duration such as PT12H) it is a subscription feed: NAME and
    REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL for clients that predate it.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", vText(single_line(name)))
    if refresh:
        cal.add("name", vText(single_line(name)))
        cal.add("refresh-interval", vDuration.from_ical(refresh), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vText(refresh))
    for event in events:
        fallback = organizer_for_event(event) if organizer_for_event else None
        event_url = url_for_event(event)
        vevent = build_vevent(event, event_url=event_url, fallback_organizer=fallback)
        if attendance and event.id in attendance:
            _place_for(vevent, event, attendance[event.id], event_url)
        cal.add_component(vevent)
    for vevent in more:
        cal.add_component(vevent)
    add_timezones(cal)
    return cal.to_ical()


def add_timezones(cal: Calendar) -> None:
    """Define every TZID the calendar uses, RRULE-style where the zone allows it."""
    for tzid in sorted(cal.get_missing_tzids()):
        vtimezone = _cached_vtimezone(tzid)
        if vtimezone is not None:
            cal.subcomponents.insert(0, vtimezone)
    cal.add_missing_timezones()


@functools.lru_cache(maxsize=64)
def _cached_vtimezone(tzid: str):
    return build_vtimezone(tzid)


def invite_bytes(
    event: Event,
    registration,
    *,
    method: str,
    event_url: str,
    fallback_organizer: tuple[str, str] | None = None,
    sequence: int | None = None,
) -> bytes:
    """An iTIP invitation for one attendee: METHOD:REQUEST (new or changed) or CANCEL.

    SEQUENCE is the event's plus the registration's, so it rises with every change to
    either, and the UID stays the registration's for the whole conversation. `sequence`:
    that sum as it was when the mail was written, for a mail composed later (a
    cancellation meanwhile must still come after it).
    """
    cancelled = method == "CANCEL"
    vevent = build_vevent(
        event,
        event_url=event_url,
        fallback_organizer=fallback_organizer,
        uid=registration_uid(event, registration),
        sequence=event.sequence + registration.sequence if sequence is None else sequence,
    )
    _place_for(vevent, event, getattr(registration, "attendance", "onsite"), event_url)
    _add_attendee(
        vevent,
        f"{registration.first_name} {registration.last_name}",
        registration.email,
        cancelled=cancelled,
    )
    if cancelled:
        vevent["status"] = "CANCELLED"
    return _itip_bytes(vevent, method)


def _place_for(vevent: VEvent, event: Event, attendance: str, event_url: str) -> None:
    """At a hybrid event the invitation shows the person's place: the venue for people on
    site (LOCATION, no online link), the online link for people online (LOCATION, URL and
    DESCRIPTION). Other events keep what build_vevent gives."""
    if not event.hybrid:
        return
    online = attendance == "online" and bool(event.online_url)
    location = event.online_url if online else _venue(event)
    vevent.pop("location", None)
    if location:
        vevent.add("location", single_line(location))
    if online:
        vevent.pop("url", None)
        vevent.add("url", event.online_url)
    link = f"Online: {event.online_url}" if online else ""
    parts = (event.summary.strip(), link, event_url)
    vevent.pop("description", None)
    vevent.add("description", "\n\n".join(p for p in parts if p))


def _venue(event: Event) -> str:
    city = " ".join(p for p in (event.venue_postcode, event.venue_city) if p)
    parts = [event.venue_name, event.venue_street, city]
    return ", ".join(single_line(p) for p in parts if p)


def meeting_uid(uid: str) -> str:
    """The UID of a one-to-one meeting: request, updates and cancellation share it."""
    return f"meeting-{uid}@{UID_DOMAIN}"


def meeting_location(event: Event, table_name: str | None) -> str:
    """'Tisch/Table 3, Lohnhalle': the table in both languages (the reader's calendar may
    be in either), then the venue."""
    parts = [f"Tisch/Table {table_name}" if table_name else "", event.venue_name]
    return ", ".join(single_line(p) for p in parts if p)


def build_meeting_vevent(
    *,
    uid: str,
    sequence: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str,
    summary: str,
    description: str,
    location: str,
    url: str,
    cancelled: bool = False,
) -> VEvent:
    """One meeting's VEVENT without people: what the mailed invite and the private feed
    share (same UID, SEQUENCE, times in the event's zone, LOCATION)."""
    zone = ZoneInfo(timezone)
    vevent = VEvent()
    vevent.add("uid", meeting_uid(uid))
    vevent.add("dtstamp", dt.datetime.now(dt.UTC).replace(microsecond=0))
    vevent.add("sequence", sequence)
    vevent.add("summary", single_line(summary))
    vevent.add("dtstart", starts_at.astimezone(zone))
    vevent.add("dtend", ends_at.astimezone(zone))
    vevent.add("description", description)
    if location:
        vevent.add("location", single_line(location))
    vevent.add("url", url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def meeting_invite_bytes(
    *,
    uid: str,
    sequence: int,
    method: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str,
    summary: str,
    description: str,
    location: str,
    url: str,
    organizer: tuple[str, str] | None,
    attendees: Iterable[tuple[str, str]],
) -> bytes:
    """An iTIP message for one meeting between two people: METHOD:REQUEST (placed or
    moved) or CANCEL. Pure: plain values in (the calendar area knows nothing of meetings),
    bytes out. `attendees` are (name, email) pairs: the reader and the other person."""
    cancelled = method == "CANCEL"
    vevent = build_meeting_vevent(
        uid=uid,
        sequence=sequence,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        summary=summary,
        description=description,
        location=location,
        url=url,
        cancelled=cancelled,
    )
    if organizer and organizer[1]:
        vevent.add("organizer", _address(*organizer))
    for name, email in attendees:
        _add_attendee(vevent, name, email, cancelled=cancelled)
    return _itip_bytes(vevent, method)
