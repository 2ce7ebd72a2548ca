"""One-to-one meetings in the OpenAPI document: a participant's own meetings (their
private registration token in the path) and the organiser list and detail (API key),
with the schemas of eventhub/network/meeting_schema.py."""

from __future__ import annotations

from typing import Any

from eventhub.api.openapi.components import (
    BEARER,
    error_response,
    json_response,
    operation,
    page_of,
    paging_parameters,
    path_parameter,
    query_parameter,
    ref,
    slug_parameter,
)
from eventhub.api.openapi.organiser import EVENTS, guarded_responses
from eventhub.models.network import MEETING_STATUSES
from eventhub.routing import MAX_ID

PARTICIPANT = "/participant/{token}/meetings"
MEETINGS = f"{EVENTS}/{{slug}}/meetings"
ONE_MEETING = f"{MEETINGS}/{{meeting_id}}"

MOMENT = {"type": "string", "format": "date-time"}
MAYBE_MOMENT = {"type": ["string", "null"], "format": "date-time"}
TEXT = {"type": "string"}
STATUS = {"type": "string", "enum": list(MEETING_STATUSES)}


def meeting_paths() -> dict[str, Any]:
    token = path_parameter(
        "token", {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[A-Za-z0-9_-]+$"}
    )
    meeting_id = path_parameter("meeting_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    guarded = {
        **guarded_responses(),
        "404": error_response(
            "No such event or meeting of your organisation, or a page number after the last page"
        ),
    }
    return {
        PARTICIPANT: {
            "get": operation(
                "My one-to-one meetings at the event I registered for",
                "listMyMeetings",
                [token],
                {
                    "200": json_response(
                        "The event, its meeting slots (when meetings are on) and my meetings",
                        ref("ParticipantMeetings"),
                    ),
                    "404": error_response(
                        "Unknown or revoked token, or a registration that is not confirmed"
                    ),
                },
                description=(
                    "The token is the one of the participant's private registration link "
                    "(/r/<token>); it is the only credential, so the answer is never cached "
                    "(Cache-Control: private, no-store). The other person's email address "
                    "appears only once the meeting is accepted, and never for meetings the "
                    "organisers arranged."
                ),
            )
        },
        MEETINGS: {
            "get": operation(
                "One-to-one meetings of one of your events, oldest first",
                "listMeetings",
                [
                    slug_parameter(),
                    *paging_parameters(),
                    query_parameter("status", STATUS, "Only meetings in this state"),
                ],
                {
                    "200": json_response("A page of meetings", ref("MeetingPage")),
                    "400": error_response("An unknown status, page or limit"),
                    **guarded,
                },
                security=BEARER,
            )
        },
        ONE_MEETING: {
            "get": operation(
                "One meeting of one of your events",
                "getMeeting",
                [slug_parameter(), meeting_id],
                {"200": json_response("The meeting", ref("Meeting")), **guarded},
                security=BEARER,
            )
        },
    }


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [ref(name), {"type": "null"}]}


def meeting_schemas() -> dict[str, Any]:
    """The meeting schemas under components/schemas, keyed by name."""
    slot = _nullable("MeetingSlot")
    return {
        "MeetingSlot": _object({"start": MOMENT, "end": MOMENT}),
        "MeetingSetup": _object(
            {
                "slot_minutes": {"type": "integer", "minimum": 1},
                "break_minutes": {"type": "integer", "minimum": 0},
                "max_per_person": {"type": "integer", "minimum": 1},
                "needs_acceptance": {"type": "boolean"},
                "requests_close_at": {
                    **MAYBE_MOMENT,
                    "description": "Unanswered requests expire then",
                },
                "slots": {"type": "array", "items": ref("MeetingSlot")},
                "unavailable_slots": {
                    "type": "array",
                    "items": MOMENT,
                    "description": "Starts of the slots I marked as not available",
                },
            }
        ),
        "MeetingPartner": _object(
            {
                "name": TEXT,
                "organisation": TEXT,
                "job_title": TEXT,
                "email": {
                    **TEXT,
                    "description": "Only while the meeting is accepted, and never for "
                    "meetings the organisers arranged",
                },
            },
            optional=("email",),
        ),
        "MyMeeting": _object(
            {
                "id": {"type": "integer"},
                "status": STATUS,
                "requested_by_me": {"type": "boolean"},
                "arranged": {"type": "boolean", "description": "Set up by the organisers"},
                "partner": ref("MeetingPartner"),
                "note": TEXT,
                "preferred_slots": {"type": "array", "items": MOMENT},
                "slot": slot,
                "table": {"type": ["string", "null"]},
                "sequence": {"type": "integer", "minimum": 0},
                "ical_uid": {
                    **TEXT,
                    "description": "UID of the mailed invitation and the private feed's entry",
                },
            }
        ),
        "ParticipantMeetings": _object(
            {
                "event": _object({"slug": TEXT, "title": TEXT, "timezone": TEXT}),
                "meeting_setup": {
                    **_nullable("MeetingSetup"),
                    "description": "null when the event does not offer meetings",
                },
                "meetings": {"type": "array", "items": ref("MyMeeting")},
            }
        ),
        "MeetingPerson": _object(
            {
                "registration_id": {"type": "integer"},
                "name": TEXT,
                "organisation": TEXT,
                "registration_url": {"type": "string", "format": "uri"},
            }
        ),
        "Meeting": _object(
            {
                "id": {"type": "integer"},
                "event": {**TEXT, "description": "Slug of the event"},
                "status": STATUS,
                "arranged": {"type": "boolean", "description": "Set up by the organisers"},
                "requester": ref("MeetingPerson"),
                "partner": ref("MeetingPerson"),
                "slot": slot,
                "table": {"type": ["string", "null"]},
                "sequence": {"type": "integer", "minimum": 0},
                "ical_uid": TEXT,
                "created_at": MOMENT,
                "answered_at": MAYBE_MOMENT,
                "cancelled_at": MAYBE_MOMENT,
                "held_at": MAYBE_MOMENT,
                "url": {"type": "string", "format": "uri"},
            }
        ),
        "MeetingPage": page_of("Meeting"),
    }
