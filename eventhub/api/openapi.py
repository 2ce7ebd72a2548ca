"""The OpenAPI 3.1 document of /api/v1, with schemas from the pydantic models."""

from __future__ import annotations

from typing import Any

from flask import current_app

from eventhub.events.schema import EventRecord
from eventhub.models import EVENT_FORMATS


def _event_schema() -> dict[str, Any]:
    schema = EventRecord.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    schema["properties"].update(
        {
            "seats_left": {"type": ["integer", "null"], "minimum": 0},
            "registrations_open": {"type": "boolean"},
            "registration_state": {
                "type": "string",
                "enum": ["open", "full", "closed", "cancelled", "running", "past", "draft"],
            },
            "url": {"type": "string", "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
        }
    )
    schema["required"] = sorted(
        set(schema.get("required", [])) | {"seats_left", "registrations_open", "status"}
    )
    return {"Event": schema, **defs}


def _filter_parameters() -> list[dict[str, Any]]:
    # Control characters are refused with 400, so the document says so.
    text = {"type": "string", "maxLength": 200, "pattern": "^[^\\x00-\\x1f]*$"}
    params = [
        ("q", "Words that must all occur in title, summary, place, hosts or topics", text),
        ("topic", "Topic slug", text),
        ("region", "Region name as shown on the event", text),
        # "" is what the catalogue's "All" sends: no filter.
        ("format", "Event format", {"type": "string", "enum": ["", *EVENT_FORMATS]}),
        ("series", "Series slug", text),
        ("host", "Slug of a host or co-host organisation", text),
        ("page", "Page number, from 1", {"type": "integer", "minimum": 1, "maximum": 10000}),
        ("when", "upcoming (default) or past", {"type": "string", "enum": ["upcoming", "past"]}),
    ]
    return [
        {"name": n, "in": "query", "required": False, "description": d, "schema": s}
        for n, d, s in params
    ]


ERROR = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def openapi_document() -> dict[str, Any]:
    schemas = _event_schema()
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    }
    schemas["EventPage"] = {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }
    schemas.update(_directory_schemas())
    paths = {}
    for name, kind in (("series", "Series"), ("organisations", "Organisation")):
        paths[f"/{name}"] = {
            "get": {
                "summary": f"{kind} entries with public events, paginated",
                "operationId": f"list{kind}",
                "parameters": _paging_parameters(),
                "responses": {
                    "200": {
                        "description": f"A page of {name}",
                        "content": {"application/json": {"schema": _page_of(kind)}},
                    },
                    "400": ERROR,
                    "404": {**ERROR, "description": "Page number after the last page"},
                },
            }
        }
        paths[f"/{name}/{{slug}}"] = {
            "get": {
                "summary": f"One {kind.lower()}",
                "operationId": f"get{kind}",
                "parameters": [_slug_parameter()],
                "responses": {
                    "200": {
                        "description": f"The {kind.lower()}",
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{kind}"}}
                        },
                    },
                    "404": ERROR,
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eventhub API",
            "version": "1.0.0",
            "description": "Public events of eventhub as JSON.",
        },
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "paths": {
            "/events": {
                "get": {
                    "summary": "Upcoming (or past) public events, filtered and paginated",
                    "operationId": "listEvents",
                    "parameters": _filter_parameters(),
                    "responses": {
                        "200": {
                            "description": "A page of events",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/EventPage"}
                                }
                            },
                        },
                        "400": ERROR,
                        "404": {**ERROR, "description": "Page number after the last page"},
                    },
                }
            },
            **paths,
            "/events/{slug}": {
                "get": {
                    "summary": "One public event",
                    "operationId": "getEvent",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 120},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The event",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Event"}
                                }
                            },
                        },
                        "404": ERROR,
                    },
                }
            },
        },
        "components": {"schemas": schemas},
    }


def _slug_parameter() -> dict[str, Any]:
    return {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": 120},
    }


def _paging_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 10000},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "Items per page",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
        },
    ]


def _page_of(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{kind}"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


def _directory_schemas() -> dict[str, Any]:
    links = {
        "events_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
    }
    return {
        "Series": {
            "type": "object",
            "required": ["slug", "title", "description", "events_url", "feed_url"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                **links,
            },
        },
        "Organisation": {
            "type": "object",
            "required": ["slug", "name", "kind", "website", "events_url", "feed_url"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "website": {"type": ["string", "null"]},
                **links,
            },
        },
    }
