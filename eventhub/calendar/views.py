"""The .ics of an event and the public feeds, with conditional GET."""

from __future__ import annotations

import hashlib

from flask import abort, request
from flask_babel import gettext as _

from eventhub.cache import LruCache
from eventhub.calendar import bp
from eventhub.calendar.feeds import REFRESH, current_feed_version, feed_events, feed_name
from eventhub.calendar.ical import calendar_bytes
from eventhub.calendar.private import (
    attendance_by_event,
    feed_by_token,
    meeting_vevents,
    registered_events,
    registered_meetings,
)
from eventhub.calendar.responses import ics_response
from eventhub.i18n import current_language
from eventhub.public_events import filters_or_400, public_event
from eventhub.urls import absolute_event_url, site_organizer

CACHE_SIZE = 256


# Built feeds by ETag: a feed is built once per change, not once per request.
feed_cache = LruCache(CACHE_SIZE)


@bp.get("/events/<slug:slug>.ics")
def event_ics(slug: str):
    event = public_event(slug) or abort(404)
    etag = hashlib.sha256(
        f"{event.uid}:{event.sequence}:{event.updated_at.isoformat()}".encode()
    ).hexdigest()[:32]
    if request.if_none_match and etag in request.if_none_match:
        return ics_response(b"", etag=etag, last_modified=event.updated_at)
    body = calendar_bytes(
        [event],
        url_for_event=absolute_event_url,
        name=event.title,
        organizer_for_event=site_organizer,
        # The event page offers this file as a webcal subscription too: tell clients how
        # often to look for changes.
        refresh=REFRESH,
    )
    return ics_response(
        body, etag=etag, last_modified=event.updated_at, filename=f"{event.slug}.ics"
    )


@bp.get("/calendar.ics")
def public_feed():
    """All public events, or any catalogue filter of them, for calendar subscriptions."""
    filters = filters_or_400()
    version = current_feed_version(filters, current_language())
    if request.if_none_match and version.etag in request.if_none_match:
        return ics_response(
            b"", etag=version.etag, last_modified=version.last_modified, by_language=True
        )
    body = feed_cache.get(version.etag)
    if body is None:
        body = calendar_bytes(
            feed_events(filters),
            url_for_event=absolute_event_url,
            name=feed_name(filters),
            organizer_for_event=site_organizer,
            refresh=REFRESH,
        )
        feed_cache.put(version.etag, body)
    return ics_response(
        body, etag=version.etag, last_modified=version.last_modified, by_language=True
    )


@bp.get("/feeds/<token:token>.ics")
def private_feed(token: str):
    """A participant's own events and placed meetings, for their calendar; the URL is the
    only credential."""
    feed = feed_by_token(token) or abort(404)
    events = registered_events(feed.email_normalised)
    meetings = registered_meetings(feed.email_normalised, events)
    attendance = attendance_by_event(feed.email_normalised, events)
    language = current_language()
    key = repr(
        (
            language,
            [(e.uid, e.sequence, e.updated_at.isoformat(), e.status) for e in events],
            [m.version for m in meetings],
            sorted(attendance.items()),
        )
    )
    etag = hashlib.sha256(f"{feed.token_hash}:{key}".encode()).hexdigest()[:32]
    # Moving a meeting leaves no timestamp behind, so with meetings only the ETag can
    # tell a client what changed (no Last-Modified, which If-Modified-Since would trust).
    last = None if meetings else max((e.updated_at for e in events), default=None)
    if request.if_none_match and etag in request.if_none_match:
        return ics_response(b"", etag=etag, last_modified=last, private=True)
    body = calendar_bytes(
        events,
        url_for_event=absolute_event_url,
        name=_("My eventhub events"),
        organizer_for_event=site_organizer,
        refresh=REFRESH,
        more=meeting_vevents(meetings),
        attendance=attendance,
    )
    return ics_response(body, etag=etag, last_modified=last, private=True)
