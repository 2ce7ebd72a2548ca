"""Service records: service entries as JSON (export, idempotent import by slug) and the
demo entries loaded through the same import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eventhub.events.records import ImportReport, import_records, parse_records
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


def import_services(records: Any) -> ImportReport:
    """Create or update entries by slug; a second import of the same file changes nothing;
    a record the database or the service rules refuse is reported, the others imported."""
    good, errors = parse_records(records, ServiceRecord, plural="services", one="a service")
    return import_records(good, errors, upsert_service, refusals=(ServiceError,))


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
