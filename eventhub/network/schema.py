"""The service JSON (import, export, API), validated with pydantic like the event JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, field_validator

from eventhub.events.schema import SLUG_PATTERN, Text
from eventhub.models.network import AUDIENCES, SERVICE_CATEGORIES, SERVICE_LANGUAGES

Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=SLUG_PATTERN)]
Region = Text(100, 1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ServiceOrganisation(_Strict):
    slug: Slug
    name: Text(200, 1)  # type: ignore[valid-type]


class ServiceContact(_Strict):
    address: Text(300) = ""  # type: ignore[valid-type]
    phone: Text(50) = ""  # type: ignore[valid-type]
    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    website: Annotated[HttpUrl, Field(max_length=300)] | None = None
    opening_hours: Text(300) = ""  # type: ignore[valid-type]
    by_appointment: bool = False


class ServiceRecord(_Strict):
    slug: Slug
    organisation: ServiceOrganisation
    title: Text(200, 1)  # type: ignore[valid-type]
    category: Literal[SERVICE_CATEGORIES]  # type: ignore[valid-type]
    audiences: list[Literal[AUDIENCES]] = []  # type: ignore[valid-type]
    languages: list[Literal[SERVICE_LANGUAGES]] = []  # type: ignore[valid-type]
    regions: Annotated[list[Region], Field(max_length=10)] = []  # type: ignore[valid-type]
    description: Text(50_000) = ""  # type: ignore[valid-type]
    contact: ServiceContact = ServiceContact()
    demo: bool = False
    # Set by a site admin; exported so a round trip keeps it. Absent (null): an existing
    # entry keeps its state, a new one is shown.
    hidden: bool | None = None

    @field_validator("audiences", "languages")
    @classmethod
    def _once_each(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))
