"""The .ics of an event."""

from __future__ import annotations

from email.utils import parseaddr

from flask import Response, abort, current_app

from eventhub.calendar import bp
from eventhub.calendar.ical import calendar_bytes
from eventhub.events.services import public_event
from eventhub.models import Event
from eventhub.urls import absolute_url

ICS_MIMETYPE = "text/calendar"


def absolute_event_url(event: Event) -> str:
    return absolute_url("events.event_page", slug=event.slug)


def site_organizer(event: Event) -> tuple[str, str]:
    """ORGANIZER for events without a contact email: the host's name, the site's sender."""
    _name, address = parseaddr(current_app.config["MAIL_FROM"])
    hosts = event.hosts_with_role("host")
    return (hosts[0].organisation.name if hosts else "eventhub"), address


@bp.get("/events/<slug:slug>.ics")
def event_ics(slug: str):
    event = public_event(slug) or abort(404)
    body = calendar_bytes(
        [event],
        url_for_event=absolute_event_url,
        name=event.title,
        organizer_for_event=site_organizer,
    )
    response = Response(body, mimetype=ICS_MIMETYPE)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response
