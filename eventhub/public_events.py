"""What the public may see of events, and the catalogue's filters on it.

Shared by the catalogue pages, the calendar feeds and the JSON API, so a filter means the
same everywhere and a draft never leaks through any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from eventhub.errors import abort_with
from eventhub.extensions import db
from eventhub.labels import filter_message
from eventhub.models import (
    EVENT_FORMATS,
    Event,
    EventHost,
    Organisation,
    Series,
    Topic,
    event_topics,
)
from eventhub.paging import parse_page
from eventhub.querying import escape_like, event_load_options, lowered

PUBLIC_STATUSES = ("published", "cancelled")
FILTER_NAMES = ("q", "topic", "region", "format", "series", "host")
MAX_FILTER_LENGTH = 200

# Series and organisations the public may see: those with a published or cancelled event
# (for organisations in any role: host, co-host, partner, funder, once they accepted it).
SERIES_WITH_PUBLIC_EVENTS = exists().where(
    Event.series_id == Series.id, Event.status.in_(PUBLIC_STATUSES)
)
ORGANISATIONS_WITH_PUBLIC_EVENTS = exists().where(
    EventHost.organisation_id == Organisation.id,
    EventHost.event_id == Event.id,
    EventHost.accepted_at.is_not(None),
    Event.status.in_(PUBLIC_STATUSES),
)


class BadFilter(ValueError):
    """A catalogue filter value that cannot be used (shown to the user as 400)."""


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    topic: str = ""
    region: str = ""
    format: str = ""
    series: str = ""
    host: str = ""
    page: int = 1

    @property
    def active(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FILTER_NAMES if getattr(self, name)}


def parse_filters(args) -> CatalogueFilters:
    """Read filters from a query string; raises BadFilter with a reason code."""
    values = {}
    for name in FILTER_NAMES:
        raw = args.get(name, "")
        # Checked before whitespace is collapsed: tabs, newlines and the separators
        # \x1c-\x1f are control characters too (as the OpenAPI document says).
        if len(raw) > MAX_FILTER_LENGTH:
            raise BadFilter("too_long")
        if any(ord(ch) < 32 for ch in raw):
            raise BadFilter("invalid")
        values[name] = " ".join(raw.split())
    if values["format"] and values["format"] not in EVENT_FORMATS:
        raise BadFilter("format")
    page = parse_page(args.get("page", "1"))
    if page is None:
        raise BadFilter("page")
    return CatalogueFilters(**values, page=page)


def filters_or_400() -> CatalogueFilters:
    """The catalogue filters of the request's query string, or a 400 that says what is wrong."""
    try:
        return parse_filters(request.args)
    except BadFilter as exc:
        abort_with(400, filter_message(str(exc)))


def _slug_or_name(model, value: str):
    """Topic, series or organisation by slug or by name (a series' title), in any case
    ("Anerkennung", "anerkennung", "ÜBERGANG" for "Übergang")."""
    wanted = value.lower()
    name = model.title if model is Series else model.name
    return or_(model.slug == wanted, lowered(name) == wanted)


def apply_filters(stmt: Select, filters: CatalogueFilters) -> Select:
    """The catalogue's filters (q, format, region, topic, series, host) on an Event select.

    Topic, series and host match a slug or a name, region the name, all in any case."""
    if filters.q:
        for word in filters.q.casefold().split()[:8]:
            stmt = stmt.where(Event.search_text.like(f"%{escape_like(word)}%", escape="\\"))
    if filters.format:
        stmt = stmt.where(Event.format == filters.format)
    if filters.region:
        stmt = stmt.where(lowered(Event.region) == filters.region.lower())
    if filters.topic:
        stmt = stmt.where(
            exists().where(
                event_topics.c.event_id == Event.id,
                event_topics.c.topic_id == Topic.id,
                _slug_or_name(Topic, filters.topic),
            )
        )
    if filters.series:
        stmt = stmt.where(
            exists().where(Series.id == Event.series_id, _slug_or_name(Series, filters.series))
        )
    if filters.host:
        stmt = stmt.where(
            exists().where(
                EventHost.event_id == Event.id,
                EventHost.organisation_id == Organisation.id,
                EventHost.accepted_at.is_not(None),
                _slug_or_name(Organisation, filters.host),
            )
        )
    return stmt


def public_event(slug: str, *, hosts_only: bool = False) -> Event | None:
    """The published or cancelled event with that slug (drafts are nobody's business).

    `hosts_only`: only its hosts loaded with it (the event page, whose agenda, topics and
    series are in fragments kept per event: loaded when one is rendered)."""
    options = (
        (selectinload(Event.hosts).joinedload(EventHost.organisation),)
        if hosts_only
        else event_load_options()
    )
    return db.session.scalar(
        select(Event).options(*options).where(Event.slug == slug, Event.status.in_(PUBLIC_STATUSES))
    )
