"""The public catalogue (upcoming and past events) and the event page."""

from __future__ import annotations

from flask import abort, render_template

from eventhub.events import bp
from eventhub.events.availability import pools
from eventhub.events.catalogue import catalogue_page, filter_choices
from eventhub.events.materials import public_materials
from eventhub.paging import existing_page
from eventhub.public_events import filters_or_400, public_event


@bp.get("/")
@bp.get("/events/")
def catalogue():
    filters = filters_or_400()
    page = existing_page(catalogue_page(filters, cards=True))
    return render_template(
        "events/catalogue.html",
        page=page,
        filters=filters,
        choices=filter_choices(),
        archive=False,
    )


@bp.get("/events/archive")
def archive():
    filters = filters_or_400()
    page = existing_page(catalogue_page(filters, past=True, cards=True))
    return render_template(
        "events/catalogue.html",
        page=page,
        filters=filters,
        choices=filter_choices(),
        archive=True,
    )


@bp.get("/events/<slug:slug>")
def event_page(slug: str):
    event = public_event(slug, hosts_only=True) or abort(404)
    # Seats may be free while a group at the head of the waiting list does not fit yet:
    # newcomers then queue behind it, and the page says so rather than "1 seat left".
    waitlist_only = event.registrations_open and all(p.waitlist_only for p in pools(event))
    return render_template(
        "events/event.html",
        event=event,
        waitlist_only=waitlist_only,
        materials=public_materials(event),
    )
