"""Public calendar feeds: which events a feed holds, its name, and a cheap version."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select

from eventhub.changes import memo
from eventhub.extensions import db
from eventhub.models import Event, Organisation, Series, Topic
from eventhub.models.base import utcnow
from eventhub.public_events import CatalogueFilters, apply_filters
from eventhub.querying import event_load_options

PAST_WINDOW = dt.timedelta(days=90)  # subscribers keep recent history, not the archive
CANCELLED_KEPT = dt.timedelta(days=30)  # long enough for every client to see STATUS:CANCELLED
REFRESH = "PT12H"


def _window(stmt: Select, now: dt.datetime) -> Select:
    return stmt.where(
        Event.ends_at > now - PAST_WINDOW,
        or_(
            Event.status == "published",
            and_(Event.status == "cancelled", Event.updated_at > now - CANCELLED_KEPT),
        ),
    )


def feed_events(filters: CatalogueFilters) -> list[Event]:
    stmt = _window(apply_filters(select(Event), filters), utcnow())
    return list(
        db.session.scalars(
            stmt.options(*event_load_options(agenda=False)).order_by(Event.starts_at, Event.id)
        )
    )


@dataclass(frozen=True)
class FeedVersion:
    etag: str
    last_modified: dt.datetime | None


def feed_version(filters: CatalogueFilters, language: str) -> FeedVersion:
    """One aggregate query: any change to a matching event (or the set) changes the ETag."""
    stmt = _window(
        apply_filters(
            select(
                func.count(Event.id),
                func.max(Event.updated_at),
                func.coalesce(func.sum(Event.sequence), 0),
                func.coalesce(func.sum(Event.id), 0),
            ),
            filters,
        ),
        utcnow(),
    )
    count, last, sequences, ids = db.session.execute(stmt).one()
    if last is not None and last.tzinfo is None:  # aggregate results skip the column type
        last = last.replace(tzinfo=dt.UTC)
    key = repr((sorted(filters.active.items()), language, count, last, sequences, ids))
    return FeedVersion(hashlib.sha256(key.encode()).hexdigest()[:32], last)


# How long a worker trusts a feed's version without the counter moving: events leave the
# window as time passes, which no write announces.
VERSION_TTL_SECONDS = 60


def current_feed_version(filters: CatalogueFilters, language: str) -> FeedVersion:
    """feed_version(), recomputed only after an event change or VERSION_TTL_SECONDS."""
    key = (tuple(sorted(filters.active.items())), language)
    return memo("feed_versions", VERSION_TTL_SECONDS).get(
        key, lambda: feed_version(filters, language)
    )


def feed_name(filters: CatalogueFilters) -> str:
    """'eventhub: Veranstaltungen – Thema Integration, Region Ruhrgebiet'."""
    parts = []
    if filters.topic:
        name = db.session.scalar(select(Topic.name).where(Topic.slug == filters.topic))
        parts.append(_("topic %(name)s", name=name or filters.topic))
    if filters.region:
        parts.append(_("region %(name)s", name=filters.region))
    if filters.series:
        name = db.session.scalar(select(Series.title).where(Series.slug == filters.series))
        parts.append(_("series %(name)s", name=name or filters.series))
    if filters.host:
        name = db.session.scalar(select(Organisation.name).where(Organisation.slug == filters.host))
        parts.append(_("organisation %(name)s", name=name or filters.host))
    if filters.format:
        parts.append(_("format %(name)s", name=filters.format))
    if filters.q:
        parts.append(_("search “%(q)s”", q=filters.q))
    title = _("eventhub: events")
    return f"{title} – {', '.join(parts)}" if parts else title
