"""Service records: service entries as JSON (export, idempotent import by slug) and the
demo entries loaded through the same import."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from eventhub.database import write_transaction
from eventhub.events.records import ImportReport
from eventhub.events.schema import describe_errors
from eventhub.extensions import db
from eventhub.models import Organisation
from eventhub.models.base import utcnow
from eventhub.models.network import ServiceEntry
from eventhub.network.demo import demo_services
from eventhub.network.schema import ServiceRecord
from eventhub.network.services import (
    ServiceError,
    ServiceValues,
    apply_values,
    service_load_options,
)


def service_to_dict(entry: ServiceEntry) -> dict[str, Any]:
    """The entry in the service JSON shape (what export writes and the API shows)."""
    return {
        "slug": entry.slug,
        "organisation": {"slug": entry.organisation.slug, "name": entry.organisation.name},
        "title": entry.title,
        "category": entry.category,
        "audiences": entry.audiences,
        "languages": entry.languages,
        "regions": entry.regions,
        "description": entry.description,
        "contact": {
            "address": entry.address,
            "phone": entry.phone,
            "email": entry.email or None,
            "website": entry.website or None,
            "opening_hours": entry.opening_hours,
            "by_appointment": entry.by_appointment,
        },
        "demo": entry.is_demo,
    }


def export_services() -> list[dict[str, Any]]:
    """Every entry, hidden ones included and marked ("hidden": true), so an export is a
    complete backup and its import restores what the site admins hid."""
    entries = db.session.scalars(
        select(ServiceEntry).options(*service_load_options()).order_by(ServiceEntry.slug)
    )
    return [{**service_to_dict(e), "hidden": e.hidden_at is not None} for e in entries]


def parse_service_records(
    records: Any,
) -> tuple[list[tuple[int, ServiceRecord]], list[tuple[int, str]]]:
    """Validate raw JSON records; returns the good ones and (index, reason) for the bad."""
    if not isinstance(records, list):
        return [], [(-1, "the file must contain a JSON list of services")]
    good: list[tuple[int, ServiceRecord]] = []
    bad: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            bad.append((index, "a service must be a JSON object"))
            continue
        try:
            record = ServiceRecord.model_validate(raw)
        except ValidationError as exc:
            bad.append((index, describe_errors(exc)))
            continue
        if record.slug in seen:
            bad.append((index, f"slug '{record.slug}' appears twice in the file"))
            continue
        seen.add(record.slug)
        good.append((index, record))
    return good, bad


def import_services(records: Any) -> ImportReport:
    """Create or update entries by slug; a second import of the same file changes nothing.

    Each record is applied in its own savepoint: one the database refuses is reported
    with its index and the others are still imported.
    """
    report = ImportReport()
    good, report.errors = parse_service_records(records)
    with write_transaction() as session:
        for index, record in good:
            try:
                with session.begin_nested():
                    outcome = upsert_service(record)
            except ServiceError as exc:
                report.errors.append((index, str(exc)))
                continue
            except (IntegrityError, DataError, OverflowError) as exc:
                report.errors.append((index, f"refused by the database: {exc.__class__.__name__}"))
                continue
            getattr(report, outcome).append(record.slug)
    report.errors.sort()
    return report


def record_values(record: ServiceRecord) -> ServiceValues:
    contact = record.contact
    return ServiceValues(
        title=record.title,
        category=record.category,
        description=record.description,
        audiences=list(record.audiences),
        languages=list(record.languages),
        regions=list(record.regions),
        address=contact.address,
        phone=contact.phone,
        email=contact.email or "",
        website=str(contact.website) if contact.website else "",
        opening_hours=contact.opening_hours,
        by_appointment=contact.by_appointment,
        is_demo=record.demo,
    )


def _organisation(slug: str, name: str) -> Organisation:
    """The organisation with that slug; created when missing, never renamed."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        organisation = Organisation(slug=slug, name=name)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def upsert_service(record: ServiceRecord) -> str:
    """Write one record in the caller's transaction; "created", "updated" or "unchanged"."""
    entry = db.session.scalar(
        select(ServiceEntry)
        .options(*service_load_options())
        .where(ServiceEntry.slug == record.slug)
    )
    organisation = _organisation(record.organisation.slug, record.organisation.name)
    hidden = entry is not None and entry.hidden_at is not None
    wanted_hidden = hidden if record.hidden is None else record.hidden
    if entry is None:
        entry = ServiceEntry(slug=record.slug, organisation=organisation, tags=[])
        db.session.add(entry)
        outcome = "created"
    else:
        before = service_to_dict(entry)
        entry.organisation = organisation
        apply_values(entry, record_values(record))
        if service_to_dict(entry) == before and wanted_hidden == hidden:
            return "unchanged"
        outcome = "updated"
    if outcome == "created":
        apply_values(entry, record_values(record))
    if wanted_hidden != hidden or (outcome == "created" and wanted_hidden):
        entry.hidden_at = utcnow() if wanted_hidden else None
    db.session.flush()
    return outcome


def load_demo_services() -> ImportReport:
    """The demo entries (`flask demo`, after the events); safe to run again."""
    report = import_services(demo_services())
    if report.errors:
        raise ValueError(f"demo services are invalid: {report.errors}")
    return report
