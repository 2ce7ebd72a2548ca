"""The organiser endpoints of the OpenAPI document, authenticated with an API key."""

from __future__ import annotations

from typing import Any

from eventhub.api.openapi.components import (
    BEARER,
    error_response,
    json_body,
    json_response,
    operation,
    paging_parameters,
    path_parameter,
    query_parameter,
    ref,
    slug_parameter,
)
from eventhub.models import REGISTRATION_STATUSES
from eventhub.routing import MAX_ID

EVENTS = "/organiser/events"
REGISTRATIONS = f"{EVENTS}/{{slug}}/registrations"
ONE_REGISTRATION = f"{REGISTRATIONS}/{{registration_id}}"
QUESTIONS = f"{EVENTS}/{{slug}}/questions"


def organiser_paths() -> dict[str, Any]:
    guarded = guarded_responses()
    writing = _writing_responses()
    registration_id = path_parameter(
        "registration_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    return {
        EVENTS: {
            "get": operation(
                "Events your organisation hosts or co-hosts, drafts included",
                "listManagedEvents",
                paging_parameters(),
                {
                    "200": json_response("A page of events, newest first", ref("ManagedEventPage")),
                    "400": error_response(),
                    **guarded,
                },
                security=BEARER,
            )
        },
        REGISTRATIONS: {
            "get": operation(
                "Registrations of one of your events, oldest first",
                "listRegistrations",
                [
                    slug_parameter(),
                    *paging_parameters(),
                    query_parameter(
                        "status", {"type": "string", "enum": list(REGISTRATION_STATUSES)}
                    ),
                    query_parameter(
                        "updated_since",
                        {"type": "string", "format": "date-time"},
                        "Only registrations created or changed at or after this moment "
                        "(ISO 8601 with offset), for syncing another system",
                    ),
                ],
                {
                    "200": json_response("A page of registrations", ref("RegistrationPage")),
                    "400": error_response(),
                    **guarded,
                },
                security=BEARER,
            ),
            "post": operation(
                "Register a person for one of your events",
                "createRegistration",
                [slug_parameter()],
                {
                    "201": json_response(
                        "Registered; a confirmation is mailed",
                        ref("Registration"),
                        headers={
                            "Location": {
                                "description": "URL of the new registration",
                                "schema": {"type": "string", "format": "uri"},
                            }
                        },
                    ),
                    "400": error_response("The body is not valid JSON"),
                    **writing,
                    "409": error_response("Refused: full, closed, duplicate, ..."),
                    "413": error_response("The body is larger than 256 KiB"),
                    "415": error_response("The body is not JSON"),
                    "422": error_response(
                        "Fields missing or not valid; answers are named 'answers.<id>'"
                    ),
                },
                description=(
                    "Same rules as the registration form: never over capacity, one active "
                    "registration per email address, closed after the deadline unless "
                    "allow_after_deadline is true."
                ),
                security=BEARER,
                request_body=json_body(ref("NewRegistration")),
            ),
        },
        QUESTIONS: {
            "get": operation(
                "The questions of one of your events' registration form",
                "listQuestions",
                [slug_parameter()],
                {
                    "200": json_response(
                        "The questions in order; archived ones (no longer asked, answers "
                        "kept) last",
                        ref("QuestionList"),
                    ),
                    **guarded,
                },
                security=BEARER,
            )
        },
        ONE_REGISTRATION: {
            "get": operation(
                "One registration",
                "getRegistration",
                [slug_parameter(), registration_id],
                {"200": json_response("The registration", ref("Registration")), **guarded},
                security=BEARER,
            ),
            "delete": operation(
                "Cancel a registration (frees the seat, mails the participant)",
                "cancelRegistration",
                [slug_parameter(), registration_id],
                {
                    "200": json_response("The cancelled registration", ref("Registration")),
                    **writing,
                },
                description="Cancelling a cancelled registration changes nothing. Someone "
                "waiting or awaiting approval leaves the list, with a mail.",
                security=BEARER,
            ),
        },
        **_decision_paths(registration_id),
    }


def _decision_paths(registration_id: dict[str, Any]) -> dict[str, Any]:
    """approve, decline, promote and move: one POST each on the registration."""
    writing = _writing_responses()
    conflict = {"409": error_response("The registration is not in the state this needs")}
    body_errors = {
        "400": error_response("The body is not valid JSON"),
        "413": error_response("The body is larger than 256 KiB"),
        "415": error_response("The body is not JSON"),
        "422": error_response("Fields not valid"),
    }
    done = {"200": json_response("The registration afterwards", ref("Registration"))}
    specs = {
        "approve": (
            "Approve a registration awaiting approval",
            "approveRegistration",
            "The seat is claimed under the same guard as a registration: confirmed (with "
            "the confirmation mail and calendar invitation) when it fits, otherwise on the "
            "waiting list (status waiting), or still pending where the event has none.",
            None,
            {},
        ),
        "decline": (
            "Decline a registration awaiting approval",
            "declineRegistration",
            "The person gets a polite mail (no calendar data) with the optional note, "
            "unless notify is false. The body may be left out.",
            {
                "required": False,
                "content": {"application/json": {"schema": ref("DeclineRegistration")}},
            },
            body_errors,
        ),
        "promote": (
            "Promote a waiting person by hand",
            "promoteRegistration",
            "Their entry (a group as a whole) goes to the head of the list and the list is "
            "served: a free seat is theirs (status confirmed, or offered where the event "
            "makes offers); without one they stay waiting at position 1 and get the next.",
            None,
            {},
        ),
        "move": (
            "Move a waiting person to a position of the waiting list",
            "moveRegistration",
            "The others keep their order; everyone whose position changed is told by mail. "
            "The list is served afterwards, so a new head that fits gets a seat.",
            json_body(ref("MoveRegistration")),
            body_errors,
        ),
    }
    return {
        f"{ONE_REGISTRATION}/{action}": {
            "post": operation(
                summary,
                operation_id,
                [slug_parameter(), registration_id],
                {**done, **errors, **writing, **conflict},
                description=description,
                security=BEARER,
                request_body=body,
            )
        }
        for action, (summary, operation_id, description, body, errors) in specs.items()
    }


def guarded_responses() -> dict[str, Any]:
    """What every organiser endpoint may answer besides success."""
    return {
        "401": error_response(
            "No API key, or an unknown or revoked one",
            headers={
                "WWW-Authenticate": {
                    "description": 'Bearer realm="eventhub", with error="invalid_token" '
                    "when a key was sent",
                    "schema": {"type": "string"},
                }
            },
        ),
        "404": error_response(
            "No such event or registration of your organisation, or a page "
            "number after the last page"
        ),
    }


def _writing_responses() -> dict[str, Any]:
    """What an endpoint that changes registrations may answer besides success."""
    return {
        **guarded_responses(),
        "403": error_response("The API key may only read"),
        "429": error_response("Too many writes with this key; try again later"),
    }
