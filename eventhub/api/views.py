"""Read endpoints for events and the OpenAPI document."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from eventhub.api import bp
from eventhub.api.openapi import openapi_document
from eventhub.errors import abort_with
from eventhub.events.availability import waitlist_open
from eventhub.events.catalogue import catalogue_page
from eventhub.events.records import event_to_dict
from eventhub.extensions import db
from eventhub.labels import filter_message
from eventhub.models import Event, Organisation, Series
from eventhub.network.records import service_to_dict
from eventhub.network.services import (
    public_service,
    public_services_page,
    service_filters_or_400,
)
from eventhub.paging import MAX_PAGE, existing_page, parse_int
from eventhub.public_events import (
    ORGANISATIONS_WITH_PUBLIC_EVENTS,
    SERIES_WITH_PUBLIC_EVENTS,
    filters_or_400,
    public_event,
)


def event_json(event: Event) -> dict:
    data = event_to_dict(event)
    # Organisations named without their consent yet are not published as such.
    data["hosts"] = [h for h in data["hosts"] if not h.get("pending")]
    data.update(
        seats_left=event.seats_left,
        online_seats_left=event.online_seats_left if event.hybrid else None,
        waitlist_open=waitlist_open(event),
        registrations_open=event.registrations_open,
        registration_state=event.registration_state,
        url=url_for("events.event_page", slug=event.slug, _external=True),
        ics_url=url_for("calendar.event_ics", slug=event.slug, _external=True),
    )
    return data


@bp.get("/events")
def events():
    filters = filters_or_400()
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


def _page_args() -> tuple[int, int]:
    page = parse_int(request.args.get("page", "1"), 1, MAX_PAGE)
    if page is None:
        abort_with(400, filter_message("page"))
    limit = parse_int(request.args.get("limit", "50"), 1, 100)
    if limit is None:
        abort_with(400, _("'limit' must be a whole number from 1 to 100."))
    return page, limit


def paged_json(stmt, to_json, prepare=None) -> dict:
    """One page of `stmt` as {items, page, per_page, total, pages} (?page=, ?limit=).

    With `prepare`, what it returns for the page's items (loaded once, e.g. in one query)
    is passed to `to_json` with each item."""
    page_number, limit = _page_args()
    page = existing_page(db.paginate(stmt, page=page_number, per_page=limit, error_out=False))
    if prepare is not None:
        loaded = prepare(page.items)
        items = [to_json(item, loaded) for item in page.items]
    else:
        items = [to_json(item) for item in page.items]
    return {
        "items": items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


def series_json(series: Series) -> dict:
    return {
        "slug": series.slug,
        "title": series.title,
        "description": series.description,
        "events_url": url_for("api.events", series=series.slug, _external=True),
        "feed_url": url_for("calendar.public_feed", series=series.slug, _external=True),
    }


def organisation_json(organisation: Organisation) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "kind": organisation.kind,
        "website": organisation.website,
        "region": organisation.region,
        # Listed here for its public events; its profile page may be hidden by an admin.
        "profile_url": None
        if organisation.profile_hidden_at
        else url_for("network.organisation", slug=organisation.slug, _external=True),
        "events_url": url_for("api.events", host=organisation.slug, _external=True),
        "feed_url": url_for("calendar.public_feed", host=organisation.slug, _external=True),
    }


@bp.get("/series")
def series_list():
    stmt = select(Series).where(SERIES_WITH_PUBLIC_EVENTS).order_by(Series.title, Series.id)
    return paged_json(stmt, series_json)


@bp.get("/series/<slug:slug>")
def series_detail(slug: str):
    series = db.session.scalar(select(Series).where(Series.slug == slug, SERIES_WITH_PUBLIC_EVENTS))
    return series_json(series or abort(404))


@bp.get("/organisations")
def organisations():
    stmt = (
        select(Organisation)
        .where(ORGANISATIONS_WITH_PUBLIC_EVENTS)
        .order_by(Organisation.name, Organisation.id)
    )
    return paged_json(stmt, organisation_json)


@bp.get("/organisations/<slug:slug>")
def organisation(slug: str):
    found = db.session.scalar(
        select(Organisation).where(Organisation.slug == slug, ORGANISATIONS_WITH_PUBLIC_EVENTS)
    )
    return organisation_json(found or abort(404))


def service_json(entry) -> dict:
    data = service_to_dict(entry)
    data["url"] = url_for("network.service", slug=entry.slug, _external=True)
    return data


@bp.get("/services")
def services():
    """The support-services directory: the /services page's filters, ?page= and ?limit=."""
    filters = service_filters_or_400()
    _page, limit = _page_args()
    page = existing_page(public_services_page(filters, per_page=limit))
    return {
        "items": [service_json(e) for e in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


@bp.get("/services/<slug:slug>")
def service(slug: str):
    return service_json(public_service(slug) or abort(404))
