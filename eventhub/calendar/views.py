"""The .ics of an event."""

from __future__ import annotations

from flask import Response, abort

from eventhub.calendar import bp
from eventhub.calendar.ical import calendar_bytes
from eventhub.events.services import public_event
from eventhub.urls import absolute_event_url, site_organizer

ICS_MIMETYPE = "text/calendar"


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
