"""Subscribe and add-to-calendar links, and schema.org JSON-LD for event pages."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlencode

from markupsafe import Markup

from eventhub.models import Event
from eventhub.urls import absolute_event_url, absolute_url


def webcal(url: str) -> str:
    """The webcal:// form of a feed's http(s) address (calendar apps subscribe to it)."""
    return "webcal://" + url.split("://", 1)[1]


def feed_urls(filters: dict[str, str]) -> dict[str, str]:
    """https and webcal:// addresses of the feed for these catalogue filters."""
    https = absolute_url("calendar.public_feed", **filters)
    return {"https": https, "webcal": webcal(https)}


def feed_subscription_urls(filters: dict[str, str], name: str) -> dict[str, str]:
    """The feed for these filters as https, webcal:// and the "subscribe by address" links
    of Google Calendar and Outlook.com (they fetch the feed again by themselves)."""
    urls = feed_urls(filters)
    return {
        **urls,
        "google": "https://calendar.google.com/calendar/render?cid="
        + quote(urls["webcal"], safe=""),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": urls["https"], "name": name}),
    }


def event_feed_urls(event: Event) -> dict[str, str]:
    """The event's own .ics as a subscription: a later change of time, place or a
    cancellation reaches the calendar, which a downloaded copy never learns of."""
    https = absolute_url("calendar.event_ics", slug=event.slug)
    return {"https": https, "webcal": webcal(https)}


def host_feed(event: Event) -> dict[str, str] | None:
    """Name and feed addresses of the event's (first accepted) host organisation."""
    for link in event.hosts:
        if link.role == "host" and link.accepted:
            return {"name": link.organisation.name, **feed_urls({"host": link.organisation.slug})}
    return None


def _place(event: Event) -> str:
    city = " ".join(p for p in (event.venue_postcode, event.venue_city) if p)
    return ", ".join(p for p in (event.venue_name, event.venue_street, city) if p)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(event: Event) -> str:
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc(event.starts_at)}/{_utc(event.ends_at)}",
        "details": f"{event.summary}\n\n{absolute_event_url(event)}".strip(),
        "location": _place(event) or (event.online_url or ""),
        "ctz": event.timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event: Event) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": event.starts_at.astimezone(dt.UTC).isoformat(),
        "enddt": event.ends_at.astimezone(dt.UTC).isoformat(),
        "body": f"{event.summary}\n\n{absolute_event_url(event)}".strip(),
        "location": _place(event) or (event.online_url or ""),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


def event_json_ld(event: Event) -> Markup:
    """schema.org Event for search engines, safe inside a <script> data block."""
    statuses = {"cancelled": "EventCancelled"}
    state = event.registration_state
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "startDate": event.starts_at.astimezone(event.tz).isoformat(),
        "endDate": event.ends_at.astimezone(event.tz).isoformat(),
        "eventStatus": "https://schema.org/" + statuses.get(event.status, "EventScheduled"),
        "eventAttendanceMode": "https://schema.org/"
        + (
            "MixedEventAttendanceMode"
            if event.online_url and event.venue_city
            else "OnlineEventAttendanceMode"
            if event.online_url
            else "OfflineEventAttendanceMode"
        ),
        "url": absolute_event_url(event),
        "inLanguage": event.language,
        "organizer": [
            {"@type": "Organization", "name": h.organisation.name}
            for h in event.hosts
            if h.role in ("host", "cohost") and h.accepted
        ],
        "offers": {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "EUR",
            "url": absolute_url("events.register_page", slug=event.slug),
            "availability": "https://schema.org/"
            + ("InStock" if state == "open" else "SoldOut" if state == "full" else "Discontinued"),
        },
    }
    location = []
    if event.venue_city:
        location.append(
            {
                "@type": "Place",
                "name": event.venue_name or event.venue_city,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": event.venue_street,
                    "postalCode": event.venue_postcode,
                    "addressLocality": event.venue_city,
                    "addressRegion": event.region,
                    "addressCountry": "DE",
                },
            }
        )
    if event.online_url:
        location.append({"@type": "VirtualLocation", "url": event.online_url})
    if location:
        data["location"] = location if len(location) > 1 else location[0]
    if event.capacity is not None:
        data["maximumAttendeeCapacity"] = event.capacity
        data["remainingAttendeeCapacity"] = event.seats_left
    text = json.dumps(data, ensure_ascii=False)
    # "</script>" or "<!--" inside a title must not end the data block early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704  # nosec B704  # JSON with <, >, & escaped


def register_template_globals(app) -> None:
    app.jinja_env.globals.update(
        feed_urls=feed_urls,
        feed_subscription_urls=feed_subscription_urls,
        event_feed_urls=event_feed_urls,
        host_feed=host_feed,
        google_calendar_url=google_calendar_url,
        outlook_calendar_url=outlook_calendar_url,
        event_json_ld=event_json_ld,
    )
