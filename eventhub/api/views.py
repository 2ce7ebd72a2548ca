"""Read endpoints for events and the OpenAPI document."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _

from eventhub.api import bp
from eventhub.api.openapi import openapi_document
from eventhub.errors import abort_with
from eventhub.events.exchange import event_to_dict
from eventhub.events.services import BadFilter, catalogue_page, parse_filters, public_event
from eventhub.events.views import existing_page, filter_message
from eventhub.models import Event


def event_json(event: Event) -> dict:
    data = event_to_dict(event)
    data.update(
        seats_left=event.seats_left,
        registrations_open=event.registrations_open,
        registration_state=event.registration_state,
        url=url_for("events.event_page", slug=event.slug, _external=True),
        ics_url=url_for("calendar.event_ics", slug=event.slug, _external=True),
    )
    return data


@bp.get("/events")
def events():
    try:
        filters = parse_filters(request.args)
    except BadFilter as exc:
        abort_with(400, filter_message(str(exc)))
    when = request.args.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        abort_with(400, _("'when' must be 'upcoming' or 'past'."))
    page = existing_page(catalogue_page(filters, past=when == "past", agenda=True))
    return {
        "items": [event_json(e) for e in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


@bp.get("/events/<slug:slug>")
def event(slug: str):
    found = public_event(slug) or abort(404)
    return event_json(found)


@bp.get("/openapi.json")
def openapi():
    return openapi_document()
