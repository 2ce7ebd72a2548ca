"""The document's info and the public read endpoints: events, series, organisations,
support services."""

from __future__ import annotations

from typing import Any

from flask import current_app

from eventhub.api.openapi.components import (
    error_response,
    json_response,
    operation,
    page_of,
    paging_parameters,
    query_parameter,
    ref,
    slug_parameter,
)
from eventhub.models import EVENT_FORMATS
from eventhub.network.services import accepted_filter_values
from eventhub.paging import MAX_PAGE

LAST_PAGE_PASSED = "Page number after the last page"
# What eventhub.request_guard refuses in a query string with 400 (C0, DEL, C1 and the
# bidirectional controls), so the document says so.
FILTER_TEXT = {
    "type": "string",
    "maxLength": 200,
    "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
}


def info() -> dict[str, Any]:
    return {
        "title": "eventhub API",
        "version": "1.0.0",
        "description": (
            "Public events of eventhub as JSON, and (with an organisation's API key) "
            "the registrations of that organisation's events."
        ),
    }


def servers() -> list[dict[str, str]]:
    return [{"url": current_app.config["BASE_URL"] + "/api/v1"}]


def public_paths() -> dict[str, Any]:
    return {
        "/events": {
            "get": operation(
                "Upcoming (or past) public events, filtered and paginated",
                "listEvents",
                _filter_parameters(),
                {
                    "200": json_response("A page of events", ref("EventPage")),
                    "400": error_response(),
                    "404": error_response(LAST_PAGE_PASSED),
                },
            )
        },
        **_directory_paths("series", "Series"),
        **_directory_paths("organisations", "Organisation"),
        "/events/{slug}": {
            "get": operation(
                "One public event",
                "getEvent",
                [slug_parameter()],
                {"200": json_response("The event", ref("Event")), "404": error_response()},
            )
        },
        "/services": {
            "get": operation(
                "Support services in the region (the /services directory), filtered and paginated",
                "listServices",
                _service_filter_parameters(),
                {
                    "200": json_response("A page of service entries", ref("ServicePage")),
                    "400": error_response("A filter value that is unknown or malformed"),
                    "404": error_response(LAST_PAGE_PASSED),
                },
            )
        },
        "/services/{slug}": {
            "get": operation(
                "One support service",
                "getService",
                [slug_parameter()],
                {
                    "200": json_response("The service entry", ref("Service")),
                    "404": error_response(),
                },
            )
        },
    }


def _directory_paths(name: str, kind: str) -> dict[str, Any]:
    """The list and the single-entry endpoint of series or organisations."""
    return {
        f"/{name}": {
            "get": operation(
                f"{kind} entries with public events, paginated",
                f"list{kind}",
                paging_parameters(),
                {
                    "200": json_response(f"A page of {name}", page_of(kind)),
                    "400": error_response(),
                    "404": error_response(LAST_PAGE_PASSED),
                },
            )
        },
        f"/{name}/{{slug}}": {
            "get": operation(
                f"One {kind.lower()}",
                f"get{kind}",
                [slug_parameter()],
                {
                    "200": json_response(f"The {kind.lower()}", ref(kind)),
                    "404": error_response(),
                },
            )
        },
    }


def _filter_parameters() -> list[dict[str, Any]]:
    text = FILTER_TEXT
    return [
        query_parameter(
            "q", text, "Words that must all occur in title, summary, place, hosts or topics"
        ),
        query_parameter("topic", text, "Topic slug or name, any case"),
        query_parameter("region", text, "Region name as shown on the event, any case"),
        # "" is what the catalogue's "All" sends: no filter.
        query_parameter("format", {"type": "string", "enum": ["", *EVENT_FORMATS]}, "Event format"),
        query_parameter("series", text, "Series slug or name, any case"),
        query_parameter("host", text, "Slug or name of a host or co-host organisation, any case"),
        query_parameter(
            "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number, from 1"
        ),
        query_parameter(
            "when", {"type": "string", "enum": ["upcoming", "past"]}, "upcoming (default) or past"
        ),
    ]


def _service_filter_parameters() -> list[dict[str, Any]]:
    text = FILTER_TEXT
    accepted = accepted_filter_values()

    def choice(name: str, what: str) -> dict[str, Any]:
        # "" is what the page's "All" sends: no filter.
        return query_parameter(
            name,
            {"type": "string", "enum": ["", *accepted[name]]},
            f"{what}: a code or its German or English name (any case); others get 400",
        )

    return [
        query_parameter(
            "q", text, "Words that must all occur in title, description or organisation name"
        ),
        choice("category", "Category"),
        choice("audience", "Target group"),
        query_parameter("region", text, "A region the service covers, any case"),
        choice("language", "Language the service is offered in"),
        *paging_parameters(),
    ]
