"""The catalogue: upcoming and past public events, filtered, paged; the filter choices."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from eventhub.changes import memo
from eventhub.extensions import db
from eventhub.models import Event, EventHost, Organisation, Series, Topic, event_topics
from eventhub.models.base import utcnow
from eventhub.public_events import (
    ORGANISATIONS_WITH_PUBLIC_EVENTS,
    PUBLIC_STATUSES,
    SERIES_WITH_PUBLIC_EVENTS,
    CatalogueFilters,
    apply_filters,
)
from eventhub.querying import event_load_options


def catalogue_select(
    filters: CatalogueFilters, *, past: bool = False, agenda: bool = False, cards: bool = False
) -> Select:
    now = utcnow()
    stmt = select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if past:
        stmt = stmt.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id)
    else:
        stmt = stmt.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
    # A card names its hosts only: topics and series are loaded for the API alone.
    options = CARD_LOAD_OPTIONS if cards else event_load_options(agenda=agenda)
    return apply_filters(stmt, filters).options(*options)


CARD_LOAD_OPTIONS = (selectinload(Event.hosts).joinedload(EventHost.organisation),)


def catalogue_page(
    filters: CatalogueFilters, *, past: bool = False, agenda: bool = False, cards: bool = False
):
    """One page of the catalogue; `cards`: loaded for the catalogue's cards only."""
    return db.paginate(
        catalogue_select(filters, past=past, agenda=agenda, cards=cards),
        page=filters.page,
        per_page=current_app.config["EVENTS_PER_PAGE"],
        error_out=False,
    )


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Values offered in the catalogue's filter form, from public events only.

    Four queries over all public events, so kept per worker until an event changes.
    """
    return memo("filter_choices", FILTER_CHOICES_TTL_SECONDS).get("all", _filter_choices)


FILTER_CHOICES_TTL_SECONDS = 600  # nothing here depends on the clock; a bound for safety


def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    public = Event.status.in_(PUBLIC_STATUSES)
    topics = db.session.execute(
        select(Topic.slug, Topic.name)
        .where(
            exists().where(
                event_topics.c.topic_id == Topic.id, event_topics.c.event_id == Event.id, public
            )
        )
        .order_by(Topic.name)
    ).all()
    regions = db.session.scalars(
        select(Event.region).where(public, Event.region != "").distinct().order_by(Event.region)
    ).all()
    series = db.session.execute(
        select(Series.slug, Series.title).where(SERIES_WITH_PUBLIC_EVENTS).order_by(Series.title)
    ).all()
    hosts = db.session.execute(
        select(Organisation.slug, Organisation.name)
        .where(ORGANISATIONS_WITH_PUBLIC_EVENTS)
        .order_by(Organisation.name)
    ).all()
    return {
        "topic": [tuple(t) for t in topics],
        "region": [(r, r) for r in regions],
        "series": [tuple(s) for s in series],
        "host": [tuple(h) for h in hosts],
    }
