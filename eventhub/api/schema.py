"""Request bodies of the organiser API, validated with pydantic (strict JSON types).

Validation errors are turned into one message per field in the caller's language
(Accept-Language), the same wording the registration form uses where it can.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from eventhub.models import ORGANISATION_TYPES
from eventhub.text import has_control_characters, single_line


def _line(value: str) -> str:
    # Checked before whitespace is collapsed, so the document's pattern says exactly
    # what is refused; tabs and line breaks become single spaces.
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", "contains control characters")
    return single_line(value)


def _required(value: str) -> str:
    if not value:
        raise PydanticCustomError("blank", "must not be blank")
    return value


def _email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise PydanticCustomError("email", "not a valid email address") from exc
    return value


# What has_control_characters() refuses, as regex source for the OpenAPI document: C0/C1
# controls except tab and line breaks, bidirectional controls, and private use. The
# supplementary private-use planes are written as the characters themselves (JSON
# carries them as surrogate pairs), which Python's re and ECMA-262 with the u flag (JSON
# Schema validators such as ajv) read alike. Lone surrogates are refused too but cannot
# be written into a pattern.
_REFUSED = (
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ue000-\uf8ff"
    f"{chr(0xF0000)}-{chr(0xFFFFD)}{chr(0x100000)}-{chr(0x10FFFD)}"
)
_PLAIN = f"^[^{_REFUSED}]*$"
# ... and at least one character that is not white space.
_FILLED = f"^[^{_REFUSED}]*[^{_REFUSED}\\s][^{_REFUSED}]*$"


_REFUSED_TOO = (
    "Control characters, bidirectional controls and private-use characters are refused (422)."
)


def _documented(pattern: str) -> dict:
    # Validation stays in the functions above; the pattern tells clients (and
    # schemathesis) what passes.
    return {"pattern": pattern, "description": _REFUSED_TOO}


Name = Annotated[
    str,
    Field(min_length=1, max_length=100, json_schema_extra=_documented(_FILLED)),
    AfterValidator(_line),
    AfterValidator(_required),
]
Line = Annotated[
    str, Field(max_length=200, json_schema_extra=_documented(_PLAIN)), AfterValidator(_line)
]
Email = Annotated[
    str,
    Field(
        min_length=1,
        max_length=254,
        description=(
            "An address that can receive mail; special-use domains such as .test, "
            ".invalid or .localhost are refused (422)."
        ),
        json_schema_extra={"format": "email"},
    ),
    AfterValidator(_line),
    AfterValidator(_email),
]


class RegistrationIn(BaseModel):
    """A registration sent by an organiser's other system (CRM, own sign-up form)."""

    model_config = ConfigDict(extra="forbid", strict=True, title="NewRegistration")

    first_name: Name
    last_name: Name
    email: Email
    organisation: Line = ""
    job_title: Line = ""
    organisation_type: Literal["", *ORGANISATION_TYPES] = ""  # type: ignore[valid-type]
    language: Literal["de", "en"] = Field(
        "de", description="Language of the confirmation mail and calendar invite"
    )
    show_in_directory: bool = Field(
        False, description="The person agreed to be listed in the participant directory"
    )
    allow_after_deadline: bool = Field(
        False,
        description=(
            "Accept the registration after the registration deadline, as organisers may "
            "in the workspace. Capacity always holds."
        ),
    )
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Answers to the event's questions (GET .../questions), keyed by question id: "
            "text for text, long text, single choice (the option's key) and date "
            "(YYYY-MM-DD), a list of option keys for multiple choice, true or false for "
            "yes/no, a number for numbers. Checked like the registration form: a missing "
            "required answer or an invalid one is refused (422, one message per "
            "'answers.<id>')."
        ),
    )
    attendance: Literal["onsite", "online"] = Field(
        "onsite",
        description=(
            "Where the person takes part: on site, or online at a hybrid event (its own "
            "seats, the online link in the invitation). 'online' at an event that is not "
            "hybrid is refused (409, reason 'attendance')."
        ),
    )
    waitlist: bool = Field(
        False,
        description=(
            "When the seats are taken (or people wait for them already): put the person on "
            "the event's waiting list (201, status 'waiting' with its position) instead of "
            "refusing (409, reason 'full'). Ignored where the event has no waiting list."
        ),
    )


def _note(value: str) -> str:
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", "contains control characters")
    return value.strip()


class DeclineIn(BaseModel):
    """Declining a registration that awaits approval."""

    model_config = ConfigDict(extra="forbid", strict=True, title="DeclineRegistration")

    note: Annotated[
        str,
        Field(
            max_length=2000,
            description="Added to the polite mail; several lines allowed. " + _REFUSED_TOO,
            json_schema_extra={"pattern": _PLAIN},
        ),
        AfterValidator(_note),
    ] = ""
    notify: bool = Field(True, description="Tell the person by mail")


class MoveIn(BaseModel):
    """Moving a waiting person (their whole group) to a position of the waiting list."""

    model_config = ConfigDict(extra="forbid", strict=True, title="MoveRegistration")

    position: int = Field(
        ge=1,
        le=100_000,
        description=(
            "1 = first. Counted as the people are told it: 1 + the people ahead (a group "
            "is one entry, its people share a position). Past the end: the end."
        ),
    )


def field_errors(error: ValidationError) -> dict[str, str]:
    """The first problem of each field, worded for people, in the request's language."""
    messages: dict[str, str] = {}
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "body"
        messages.setdefault(field, _message(problem))
    return messages


def _message(problem: dict) -> str:
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_too_short", "blank"):
        return _("This field must not be empty.")
    if kind == "string_too_long":
        return _("Please use at most %(max)d characters.", max=context.get("max_length", 0))
    if kind == "string_type":
        return _("Please send text here.")
    if kind == "dict_type":
        return _("Please send an object here.")
    if kind == "bool_type":
        return _("Please send true or false here.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Please send a whole number here.")
    if kind == "greater_than_equal":
        return _("Please send a number of at least %(min)s.", min=context.get("ge", ""))
    if kind == "less_than_equal":
        return _("Please send a number of at most %(max)s.", max=context.get("le", ""))
    if kind == "literal_error":
        return _("Please use one of: %(values)s.", values=context.get("expected", ""))
    if kind == "extra_forbidden":
        return _("This field is not known.")
    if kind == "email":
        return _("Please enter a valid email address.")
    if kind == "control_characters":
        return _("Please remove control characters from this field.")
    if kind in ("model_type", "model_attributes_type"):
        return _("The request body must be a JSON object.")
    return problem["msg"]
