"""Attendee lists as CSV, XLSX and PDF; pure functions from rows to bytes."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class AttendeeRow:
    """One registration as it appears in an export."""

    number: int
    last_name: str
    first_name: str
    email: str
    organisation: str
    job_title: str
    status: str  # confirmed / cancelled, already translated for display
    registered_at: dt.datetime  # aware, in the event's time zone
    checked_in: bool


@dataclass(frozen=True)
class SheetInfo:
    """What the PDF sign-in sheet prints above the table."""

    title: str
    period: str  # already formatted, e.g. "Mittwoch, 13. Januar 2027, 10:00–16:00 MEZ"
    venue: str
    hosts: str
    funding_note: str
    language: str  # "de" or "en": headings of the sheet


def attendee_csv(rows: Iterable[AttendeeRow], headers: list[str]) -> Iterator[bytes]:
    raise NotImplementedError


def attendee_xlsx(rows: Iterable[AttendeeRow], headers: list[str], sheet_name: str) -> Iterator[bytes]:
    raise NotImplementedError


def sign_in_sheet_pdf(info: SheetInfo, rows: Iterable[AttendeeRow]) -> bytes:
    raise NotImplementedError
