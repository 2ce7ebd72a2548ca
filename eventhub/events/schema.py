"""The event JSON of the public contract, validated with pydantic."""

from __future__ import annotations

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

from eventhub.models import AGENDA_KINDS, EVENT_FORMATS, EVENT_STATUSES, HOST_ROLES

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


OptionalLine = Annotated[str, BeforeValidator(_none_as_empty), Field(max_length=300)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Venue(_Strict):
    name: OptionalLine = ""
    street: OptionalLine = ""
    postcode: Annotated[str, BeforeValidator(_none_as_empty), Field(max_length=20)] = ""
    city: OptionalLine = ""
    region: OptionalLine = ""


class Host(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    slug: Slug
    role: Literal[HOST_ROLES] = "host"  # type: ignore[valid-type]


class Contact(_Strict):
    name: OptionalLine = ""
    email: EmailStr | None = None
    phone: Annotated[str, BeforeValidator(_none_as_empty), Field(max_length=60)] = ""


class Speaker(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    affiliation: OptionalLine = ""


class AgendaItem(_Strict):
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    title: Annotated[str, Field(min_length=1, max_length=300)]
    kind: Literal[AGENDA_KINDS] = "talk"  # type: ignore[valid-type]
    speakers: list[Speaker] = []


class EventRecord(_Strict):
    slug: EventSlug
    title: Annotated[str, Field(min_length=1, max_length=300)]
    format: Literal[EVENT_FORMATS]  # type: ignore[valid-type]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: Annotated[str, AfterValidator(_known_timezone)] = "Europe/Berlin"
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    registration_closes_at: AwareDatetime | None = None
    status: Literal[EVENT_STATUSES] = "draft"  # type: ignore[valid-type]
    summary: Annotated[str, BeforeValidator(_none_as_empty), Field(max_length=1000)] = ""
    description: Annotated[str, BeforeValidator(_none_as_empty), Field(max_length=50_000)] = ""
    venue: Venue = Venue()
    online_url: HttpUrl | None = None
    hosts: list[Host] = []
    series: Slug | None = None
    topics: list[Annotated[str, Field(min_length=1, max_length=120)]] = []
    language: Literal["de", "en"] = "de"
    contact: Contact = Contact()
    agenda: list[AgendaItem] = []
    funding_note: Annotated[str, BeforeValidator(_none_as_empty), Field(max_length=1000)] = ""

    @model_validator(mode="after")
    def _consistent(self) -> EventRecord:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.registration_closes_at and self.registration_closes_at > self.ends_at:
            raise ValueError("registration_closes_at must not be after ends_at")
        slugs = [h.slug for h in self.hosts]
        if len(slugs) != len(set(slugs)):
            raise ValueError("a host is listed twice")
        return self


def describe_errors(error) -> str:
    """One readable line per problem: 'starts_at: Input should have timezone info'."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
