"""Shared parts of the OpenAPI document: schemas, parameters, responses, security."""

from __future__ import annotations

from typing import Any

from eventhub.api.schema import DeclineIn, MoveIn, RegistrationIn
from eventhub.events.registration import REFUSAL_REASONS
from eventhub.events.schema import EventRecord
from eventhub.models import (
    ATTENDANCE_MODES,
    ORGANISATION_TYPES,
    QUESTION_KINDS,
    REGISTRATION_STATUSES,
    STATUS_REASONS,
)
from eventhub.network.schema import ServiceRecord
from eventhub.paging import MAX_PAGE

BEARER = [{"apiToken": []}]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def operation(
    summary: str,
    operation_id: str,
    parameters: list[dict[str, Any]],
    responses: dict[str, Any],
    *,
    description: str | None = None,
    security: list[dict[str, list[str]]] | None = None,
    request_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    built: dict[str, Any] = {"summary": summary}
    if description is not None:
        built["description"] = description
    built["operationId"] = operation_id
    if security is not None:
        built["security"] = security
    built["parameters"] = parameters
    if request_body is not None:
        built["requestBody"] = request_body
    built["responses"] = responses
    return built


def query_parameter(
    name: str, schema: dict[str, Any], description: str | None = None
) -> dict[str, Any]:
    built: dict[str, Any] = {"name": name, "in": "query", "required": False}
    if description is not None:
        built["description"] = description
    built["schema"] = schema
    return built


def path_parameter(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def json_response(
    description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    built: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers is not None:
        built["headers"] = headers
    return built


def error_response(
    description: str = "Error", headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    return json_response(description, ref("Error"), headers)


def slug_parameter() -> dict[str, Any]:
    return path_parameter("slug", {"type": "string", "maxLength": 120})


def paging_parameters() -> list[dict[str, Any]]:
    return [
        query_parameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        query_parameter(
            "limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page"
        ),
    ]


def security_schemes() -> dict[str, Any]:
    return {
        "apiToken": {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An organisation's API key, created by an owner of the organisation "
                "in the workspace (Organisation → API access)."
            ),
        }
    }


def page_of(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": ref(kind)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


def schemas() -> dict[str, Any]:
    """Every schema under components/schemas, keyed by name."""
    event, nested = _event_schemas()
    return {
        "Event": event,
        **nested,
        "Error": _error_schema(),
        "EventPage": page_of("Event"),
        **_directory_schemas(),
        **_service_schemas(),
        "ServicePage": page_of("Service"),
        "ManagedEvent": _managed_event_schema(event),
        "ManagedEventPage": page_of("ManagedEvent"),
        "Registration": _registration_schema(),
        "RegistrationPage": page_of("Registration"),
        "NewRegistration": _new_registration_schema(),
        "DeclineRegistration": DeclineIn.model_json_schema(),
        "MoveRegistration": MoveIn.model_json_schema(),
        "Question": _question_schema(),
        "QuestionList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref("Question")}},
        },
    }


def _question_schema() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": [
            "id",
            "position",
            "kind",
            "label_de",
            "label_en",
            "required",
            "options",
            "statistical",
            "sensitive",
            "archived",
        ],
        "properties": {
            "id": {"type": "integer", "description": "The key of its answers"},
            "position": {"type": "integer"},
            "kind": {"type": "string", "enum": list(QUESTION_KINDS)},
            "label_de": text,
            "label_en": text,
            "help_de": text,
            "help_en": text,
            "required": {"type": "boolean"},
            "options": {
                "type": "array",
                "description": "For single and multiple choice; answers hold the keys. A "
                "retired option is no longer offered but stays on existing answers.",
                "items": {
                    "type": "object",
                    "required": ["key", "de", "en", "retired"],
                    "properties": {
                        "key": text,
                        "de": text,
                        "en": text,
                        "retired": {"type": "boolean"},
                    },
                },
            },
            "statistical": {
                "type": "boolean",
                "description": "Statistical data for a funder (the ESF set)",
            },
            "purpose": {
                "type": "string",
                "description": "Which statistic: gender, employment, age_band, education",
            },
            "sensitive": {
                "type": "boolean",
                "description": "Shown only to the event's organisers; purged first",
            },
            "archived": {"type": "boolean", "description": "No longer asked; answers kept"},
        },
    }


def _event_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """The Event schema and the schemas of the models nested in it."""
    event = EventRecord.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = event.pop("$defs", {})
    event["properties"].update(
        {
            "seats_left": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "On-site seats left; null: unlimited",
            },
            "online_seats_left": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Hybrid events: online seats left; null: unlimited or not hybrid",
            },
            "waitlist_open": {
                "type": "boolean",
                "description": "A seat pool is fully booked and people can join its waiting "
                "list now (`waitlist` is the event's waiting-list mode)",
            },
            "registrations_open": {"type": "boolean"},
            "registration_state": {
                "type": "string",
                "enum": ["open", "full", "closed", "cancelled", "running", "past", "draft"],
            },
            "url": {"type": "string", "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
        }
    )
    event["required"] = sorted(
        set(event.get("required", []))
        | {"seats_left", "online_seats_left", "waitlist_open", "registrations_open", "status"}
    )
    return event, nested


def _error_schema() -> dict[str, Any]:
    return {
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
            "required": [
                "slug",
                "name",
                "kind",
                "website",
                "region",
                "profile_url",
                "events_url",
                "feed_url",
            ],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"type": "string"},
                "website": {"type": ["string", "null"]},
                "region": {"type": "string"},
                "profile_url": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The public profile page; null while a site admin has "
                    "hidden it (the organisation's events stay public).",
                },
                **links,
            },
        },
    }


def _service_schemas() -> dict[str, Any]:
    """The Service schema (the import's record without its import-only field) and the
    schemas nested in it."""
    service = ServiceRecord.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = service.pop("$defs", {})
    service["properties"].pop("hidden", None)
    service["properties"]["url"] = {"type": "string", "format": "uri"}
    service["required"] = sorted(
        {*service.get("required", []), "audiences", "languages", "regions", "description"}
        | {"contact", "demo", "url"}
    )
    return {"Service": service, **nested}


def _managed_event_schema(event: dict[str, Any]) -> dict[str, Any]:
    """An event as its organiser sees it: the public fields plus the head count."""
    return {
        **event,
        "properties": {
            **event["properties"],
            "confirmed_count": {
                "type": "integer",
                "minimum": 0,
                "description": "Seats held (confirmed, awaiting address confirmation, "
                "offered from the waiting list) in every pool, on site and online",
            },
            "registrations_url": {"type": "string", "format": "uri"},
        },
        "required": sorted({*event["required"], "confirmed_count", "registrations_url"}),
    }


def _registration_schema() -> dict[str, Any]:
    text = {"type": "string"}
    moment = {"type": ["string", "null"], "format": "date-time"}
    return {
        "type": "object",
        "required": [
            "id",
            "uid",
            "event",
            "status",
            "status_reason",
            "attendance",
            "position",
            "offer_expires_at",
            "group",
            "first_name",
            "last_name",
            "email",
            "source",
            "created_at",
            "updated_at",
            "answers",
            "url",
        ],
        "properties": {
            "id": {"type": "integer"},
            "uid": {"type": "string", "description": "Stable id, also in the calendar invite"},
            "event": {"type": "string", "description": "Slug of the event"},
            "status": {
                "type": "string",
                "enum": list(REGISTRATION_STATUSES),
                "description": (
                    "confirmed; waiting (on the waiting list); offered (a seat is held for "
                    "the person until offer_expires_at); pending (awaits approval); "
                    "declined; unverified (a seat held until the address is confirmed); "
                    "cancelled"
                ),
            },
            "status_reason": {
                "type": ["string", "null"],
                "enum": [*(r for r in STATUS_REASONS if r), None],
                "description": "Why a registration ended, where the status alone does not tell",
            },
            "attendance": {
                "type": "string",
                "enum": list(ATTENDANCE_MODES),
                "description": "On site, or online at a hybrid event",
            },
            "position": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "While waiting: 1 + the people ahead in the list of the "
                "person's seat pool (a group shares one position); null otherwise",
            },
            "offer_expires_at": {
                **moment,
                "description": "While offered: until when the seat is held for the person",
            },
            "group": {
                "type": ["string", "null"],
                "description": "Shared by the people of one group registration, who wait "
                "and get their seats together",
            },
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
            "answers": {
                "type": "object",
                "description": "Answers to the event's questions, keyed by question id "
                "(see listQuestions): text, an option key, a list of option keys, a "
                "boolean, a number, or a date (YYYY-MM-DD)",
                "additionalProperties": {
                    "type": ["string", "number", "boolean", "array"],
                    "items": {"type": "string"},
                },
            },
            "url": {"type": "string", "format": "uri"},
        },
    }


def _new_registration_schema() -> dict[str, Any]:
    new = RegistrationIn.model_json_schema()
    new["description"] = (
        "Text fields are single lines; control characters are refused (422). "
        "The participant gets the same confirmation mail and calendar invite as "
        "after registering on the site. Registrations through the API need no "
        "approval, even where the event asks for it for registrations on the website."
    )
    return new
