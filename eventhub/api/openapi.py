"""The OpenAPI 3.1 document of /api/v1, with schemas from the pydantic models."""

from __future__ import annotations

from typing import Any

from flask import current_app

from eventhub.api.schema import RegistrationIn
from eventhub.events.registration import REFUSAL_REASONS
from eventhub.events.schema import EventRecord
from eventhub.models import EVENT_FORMATS, ORGANISATION_TYPES, REGISTRATION_STATUSES
from eventhub.routing import MAX_ID


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
                "properties": {
                    "status": {"type": "integer"},
                    "message": {
                        "type": "string",
                        "description": "For people, in the language of Accept-Language",
                    },
                    "reason": {
                        "type": "string",
                        "description": "Why a registration was refused (409)",
                        "enum": list(REFUSAL_REASONS),
                    },
                    "fields": {
                        "type": "object",
                        "description": "One message per invalid field (422)",
                        "additionalProperties": {"type": "string"},
                    },
                },
            }
        },
    }
    schemas["EventPage"] = _page_of("Event")
    schemas.update(_directory_schemas())
    schemas.update(_organiser_schemas(schemas["Event"]))
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
            "description": (
                "Public events of eventhub as JSON, and (with an organisation's API key) "
                "the registrations of that organisation's events."
            ),
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
                    "parameters": [_slug_parameter()],
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
            **_organiser_paths(),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "An organisation's API key, created by an owner of the organisation "
                        "in the workspace (Organisation → API access)."
                    ),
                }
            },
        },
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


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _organiser_schemas(event: dict[str, Any]) -> dict[str, Any]:
    managed = {
        **event,
        "properties": {
            **event["properties"],
            "confirmed_count": {"type": "integer", "minimum": 0},
            "registrations_url": {"type": "string", "format": "uri"},
        },
        "required": sorted({*event["required"], "confirmed_count", "registrations_url"}),
    }
    text = {"type": "string"}
    moment = {"type": ["string", "null"], "format": "date-time"}
    registration = {
        "type": "object",
        "required": [
            "id",
            "uid",
            "event",
            "status",
            "first_name",
            "last_name",
            "email",
            "source",
            "created_at",
            "updated_at",
            "url",
        ],
        "properties": {
            "id": {"type": "integer"},
            "uid": {"type": "string", "description": "Stable id, also in the calendar invite"},
            "event": {"type": "string", "description": "Slug of the event"},
            "status": {"type": "string", "enum": list(REGISTRATION_STATUSES)},
            "first_name": text,
            "last_name": text,
            "email": text,
            "organisation": text,
            "job_title": text,
            "organisation_type": {"type": "string", "enum": ["", *ORGANISATION_TYPES]},
            "language": text,
            "show_in_directory": {"type": "boolean"},
            "source": {"type": "string", "enum": ["web", "manual", "api"]},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "cancelled_at": moment,
            "checked_in_at": moment,
            "url": {"type": "string", "format": "uri"},
        },
    }
    new = RegistrationIn.model_json_schema()
    new["description"] = (
        "Text fields are single lines; control characters are refused (422). "
        "The participant gets the same confirmation mail and calendar invite as "
        "after registering on the site."
    )
    return {
        "ManagedEvent": managed,
        "ManagedEventPage": _page_of("ManagedEvent"),
        "Registration": registration,
        "RegistrationPage": _page_of("Registration"),
        "NewRegistration": new,
    }


def _organiser_paths() -> dict[str, Any]:
    error = _json(_ref("Error"), "Error")
    guarded = {
        "401": {
            **error,
            "description": "No API key, or an unknown or revoked one",
            "headers": {
                "WWW-Authenticate": {
                    "description": 'Bearer realm="eventhub", with error="invalid_token" '
                    "when a key was sent",
                    "schema": {"type": "string"},
                }
            },
        },
        "404": {
            **error,
            "description": "No such event or registration of your organisation, or a page "
            "number after the last page",
        },
    }
    writing = {
        **guarded,
        "403": {**error, "description": "The API key may only read"},
        "429": {**error, "description": "Too many writes with this key; try again later"},
    }
    security = [{"apiToken": []}]
    registration_id = {
        "name": "registration_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }
    one = f"{_ORGANISER}/{{slug}}/registrations/{{registration_id}}"
    return {
        _ORGANISER: {
            "get": {
                "summary": "Events your organisation hosts or co-hosts, drafts included",
                "operationId": "listManagedEvents",
                "security": security,
                "parameters": _paging_parameters(),
                "responses": {
                    "200": _json(_ref("ManagedEventPage"), "A page of events, newest first"),
                    "400": error,
                    **guarded,
                },
            }
        },
        f"{_ORGANISER}/{{slug}}/registrations": {
            "get": {
                "summary": "Registrations of one of your events, oldest first",
                "operationId": "listRegistrations",
                "security": security,
                "parameters": [
                    _slug_parameter(),
                    *_paging_parameters(),
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(REGISTRATION_STATUSES)},
                    },
                    {
                        "name": "updated_since",
                        "in": "query",
                        "required": False,
                        "description": (
                            "Only registrations created or changed at or after this moment "
                            "(ISO 8601 with offset), for syncing another system"
                        ),
                        "schema": {"type": "string", "format": "date-time"},
                    },
                ],
                "responses": {
                    "200": _json(_ref("RegistrationPage"), "A page of registrations"),
                    "400": error,
                    **guarded,
                },
            },
            "post": {
                "summary": "Register a person for one of your events",
                "description": (
                    "Same rules as the registration form: never over capacity, one active "
                    "registration per email address, closed after the deadline unless "
                    "allow_after_deadline is true."
                ),
                "operationId": "createRegistration",
                "security": security,
                "parameters": [_slug_parameter()],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("NewRegistration")}},
                },
                "responses": {
                    "201": {
                        **_json(_ref("Registration"), "Registered; a confirmation is mailed"),
                        "headers": {
                            "Location": {
                                "description": "URL of the new registration",
                                "schema": {"type": "string", "format": "uri"},
                            }
                        },
                    },
                    "400": {**error, "description": "The body is not valid JSON"},
                    **writing,
                    "409": {**error, "description": "Refused: full, closed, duplicate, ..."},
                    "413": {**error, "description": "The body is larger than 256 KiB"},
                    "415": {**error, "description": "The body is not JSON"},
                    "422": {**error, "description": "Fields missing or not valid"},
                },
            },
        },
        one: {
            "get": {
                "summary": "One registration",
                "operationId": "getRegistration",
                "security": security,
                "parameters": [_slug_parameter(), registration_id],
                "responses": {"200": _json(_ref("Registration"), "The registration"), **guarded},
            },
            "delete": {
                "summary": "Cancel a registration (frees the seat, mails the participant)",
                "description": "Cancelling a cancelled registration changes nothing.",
                "operationId": "cancelRegistration",
                "security": security,
                "parameters": [_slug_parameter(), registration_id],
                "responses": {
                    "200": _json(_ref("Registration"), "The cancelled registration"),
                    **writing,
                },
            },
        },
    }


_ORGANISER = "/organiser/events"
