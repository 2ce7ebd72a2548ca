"""The event JSON of the public contract, validated with pydantic."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    model_validator,
)

from eventhub.models import (
    AGENDA_KINDS,
    EVENT_FORMATS,
    EVENT_STATUSES,
    FEEDBACK_AUDIENCES,
    HOST_ROLES,
    NOTIFY_MODES,
    OFFER_HOURS_DEFAULT,
    REMINDER_OFFSETS_DEFAULT,
    WAITLIST_MODES,
)
from eventhub.text import has_control_characters

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
RESERVED_SLUGS = frozenset({"archive", "new", "feed", "calendar"})


def _not_reserved(slug: str) -> str:
    if slug in RESERVED_SLUGS:
        raise ValueError(f"'{slug}' is a reserved word")
    return slug


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone '{name}'") from exc
    return name


Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=SLUG_PATTERN)]
EventSlug = Annotated[
    str, Field(min_length=1, max_length=120, pattern=SLUG_PATTERN), AfterValidator(_not_reserved)
]


def _none_as_empty(value):
    return "" if value is None else value


def _plain(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("contains control characters")
    return value


def Text(max_length: int, min_length: int = 0):
    """A string that may be null (stored as ""), without control characters or NUL."""
    return Annotated[
        str,
        BeforeValidator(_none_as_empty),
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_plain),
    ]


def _plausible_year(moment: dt.datetime) -> dt.datetime:
    if not 2000 <= moment.year <= 2100:
        raise ValueError("the year must be between 2000 and 2100")
    return moment


When = Annotated[AwareDatetime, AfterValidator(_plausible_year)]
# Limits match the columns, so the database never refuses what validation let through.
Text20, Text60, Text120, Text200, Text300 = Text(20), Text(60), Text(120), Text(200), Text(300)
Name200, Title300, TopicName = Text(200, 1), Text(300, 1), Text(120, 1)
Summary, LongText = Text(1000), Text(50_000)


REMINDER_MAX_MINUTES = 30 * 24 * 60  # reminders up to 30 days before the start


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Venue(_Strict):
    name: Text200 = ""
    street: Text200 = ""
    postcode: Text20 = ""
    city: Text120 = ""
    region: Text120 = ""


class Host(_Strict):
    name: Name200
    slug: Slug
    role: Literal[HOST_ROLES] = "host"  # type: ignore[valid-type]
    # True while the organisation has not accepted being named (exported as such so a
    # re-import keeps it pending); absent or false: accepted.
    pending: bool = False


class Contact(_Strict):
    name: Text200 = ""
    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    phone: Text60 = ""


class Speaker(_Strict):
    name: Name200
    affiliation: Text300 = ""


class AgendaItem(_Strict):
    starts_at: When | None = None
    ends_at: When | None = None
    title: Title300
    kind: Literal[AGENDA_KINDS] = "talk"  # type: ignore[valid-type]
    speakers: list[Speaker] = []


FEEDBACK_QUESTIONS_MAX = 5
ChoiceText = Text(100, 1)
FEEDBACK_CHOICES_MAX = 8


class FeedbackQuestion(_Strict):
    """An organiser's own question in the survey: free text, or one of `choices`."""

    label: Name200
    choices: Annotated[list[ChoiceText], Field(max_length=FEEDBACK_CHOICES_MAX)] = []


class Feedback(_Strict):
    """The survey after the event (eventhub.events.feedback)."""

    enabled: bool = False
    audience: Literal[FEEDBACK_AUDIENCES] = "checked_in"  # type: ignore[valid-type]
    # True: answers hold no link to the person; false: the report names them.
    anonymous: bool = True
    questions: Annotated[list[FeedbackQuestion], Field(max_length=FEEDBACK_QUESTIONS_MAX)] = []


class EventRecord(_Strict):
    slug: EventSlug
    title: Title300
    format: Literal[EVENT_FORMATS]  # type: ignore[valid-type]
    starts_at: When
    ends_at: When
    timezone: Annotated[str, AfterValidator(_known_timezone)] = "Europe/Berlin"
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    registration_closes_at: When | None = None
    status: Literal[EVENT_STATUSES] = "draft"  # type: ignore[valid-type]
    summary: Summary = ""
    description: LongText = ""
    venue: Venue = Venue()
    online_url: Annotated[HttpUrl, Field(max_length=500)] | None = None
    hosts: list[Host] = []
    series: Slug | None = None
    # The title a series gets when this record creates it (the workspace's "new series");
    # an existing series keeps its title. Not exported: it is no part of the event.
    series_title: Annotated[
        Title300 | None,
        Field(description="Title of the series when this record creates it; otherwise ignored"),
    ] = None
    topics: list[TopicName] = []
    language: Literal["de", "en"] = "de"
    contact: Contact = Contact()
    agenda: list[AgendaItem] = []
    funding_note: Summary = ""
    notify_mode: Literal[NOTIFY_MODES] = "digest"  # type: ignore[valid-type]
    # Public registrations hold a seat until the address is confirmed by mail.
    confirm_email: bool = False
    # The waiting list: "off", "auto" (freed seats confirm the next in line at once) or
    # "offer" (the next in line may accept within offer_hours).
    waitlist: Literal[WAITLIST_MODES] = "auto"  # type: ignore[valid-type]
    # Let smaller entries behind a group that does not fit move up.
    waitlist_fill: bool = False
    offer_hours: Annotated[int, Field(ge=1, le=24 * 14)] = OFFER_HOURS_DEFAULT
    # Public registrations await the organisers' approval.
    approval: bool = False
    # On-site and online seats, each person picks one; online_capacity null = unlimited.
    hybrid: bool = False
    online_capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    # Reminders to confirmed people, minutes before the start (at most 30 days); [] = off.
    reminder_offsets: Annotated[
        list[Annotated[int, Field(ge=1, le=REMINDER_MAX_MINUTES)]], Field(max_length=5)
    ] = list(REMINDER_OFFSETS_DEFAULT)
    feedback: Feedback = Feedback()
    # Certificates of attendance: mailed after the event; the hours they state (null: the
    # event's length); who signs them.
    certificate_mail: bool = False
    certificate_hours: Annotated[float, Field(ge=0.25, le=1000)] | None = None
    certificate_signatory: Text200 = ""
    certificate_signatory_role: Text200 = ""

    @model_validator(mode="after")
    def _consistent(self) -> EventRecord:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.registration_closes_at and self.registration_closes_at > self.ends_at:
            raise ValueError("registration_closes_at must not be after ends_at")
        slugs = [h.slug for h in self.hosts]
        if len(slugs) != len(set(slugs)):
            raise ValueError("a host is listed twice")
        if self.hybrid and not self.online_url:
            raise ValueError("a hybrid event needs online_url")
        if self.online_capacity is not None and not self.hybrid:
            raise ValueError("online_capacity is only for hybrid events")
        if len(set(self.reminder_offsets)) != len(self.reminder_offsets):
            raise ValueError("a reminder offset is listed twice")
        self.reminder_offsets = sorted(self.reminder_offsets, reverse=True)
        return self


def describe_errors(error) -> str:
    """One readable line per problem: 'starts_at: Input should have timezone info'."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
