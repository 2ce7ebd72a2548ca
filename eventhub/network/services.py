"""The support-services directory ("Angebote in der Region"): what the public sees, its
filters, and the one path that writes an organisation's service entries."""

from __future__ import annotations

from dataclasses import dataclass, field

from babel import Locale
from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from eventhub.database import write_transaction
from eventhub.errors import abort_with
from eventhub.extensions import db
from eventhub.labels import filter_message
from eventhub.models import Organisation
from eventhub.models.base import utcnow
from eventhub.models.network import (
    AUDIENCES,
    SERVICE_CATEGORIES,
    SERVICE_LANGUAGES,
    ServiceEntry,
    ServiceTag,
)
from eventhub.network.taxonomy import AUDIENCE_LABELS, CATEGORY_LABELS
from eventhub.paging import parse_page
from eventhub.querying import escape_like
from eventhub.text import has_control_characters, single_line, slugify

FILTER_NAMES = ("q", "category", "audience", "region", "language")
MAX_FILTER_LENGTH = 200
SERVICES_PER_PAGE = 20
MAX_REGIONS = 10
MAX_SLUG_LENGTH = 80


class BadServiceFilter(ValueError):
    """A directory filter value that cannot be used (shown to the user as 400)."""


class ServiceError(ValueError):
    """A service entry that cannot be written; `field` names the offending value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class ServiceFilters:
    """Filters as codes (category, audience, language) or casefolded text (q, region)."""

    q: str = ""
    category: str = ""
    audience: str = ""
    region: str = ""
    language: str = ""
    page: int = 1
    # What the visitor typed, for the form and for stable page links.
    raw: tuple[tuple[str, str], ...] = ()

    @property
    def active(self) -> dict[str, str]:
        return {name: value for name, value in self.raw if value}


def _both_languages(labels: dict) -> dict[str, str]:
    """casefolded German and English label -> code."""
    names: dict[str, str] = {}
    for locale in ("de", "en"):
        with force_locale(locale):
            for code, label in labels.items():
                names[str(label).casefold()] = code
    return names


def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("de", "en"):
        languages = Locale(locale).languages
        for code in SERVICE_LANGUAGES:
            if code in languages:
                names[languages[code].casefold()] = code
    return names


def accepted_filter_values() -> dict[str, list[str]]:
    """Every value the category, audience and language filters take as written (codes,
    German and English names); any other case of these is taken too."""

    def spelled(labels: dict, codes) -> list[str]:
        names = []
        for locale in ("de", "en"):
            with force_locale(locale):
                names += [str(labels[code]) for code in codes]
        return list(dict.fromkeys([*codes, *names]))

    language_names = [
        Locale(locale).languages[code]
        for locale in ("de", "en")
        for code in SERVICE_LANGUAGES
        if code in Locale(locale).languages
    ]
    return {
        "category": spelled(CATEGORY_LABELS, SERVICE_CATEGORIES),
        "audience": spelled(AUDIENCE_LABELS, AUDIENCES),
        "language": list(dict.fromkeys([*SERVICE_LANGUAGES, *language_names])),
    }


def _code(value: str, codes: tuple[str, ...], names: dict[str, str], reason: str) -> str:
    folded = value.casefold()
    if folded in codes:
        return folded
    found = names.get(folded)
    if found is None:
        raise BadServiceFilter(reason)
    return found


def parse_service_filters(args) -> ServiceFilters:
    """Read the directory's filters from a query string; raises BadServiceFilter."""
    values: dict[str, str] = {}
    for name in FILTER_NAMES:
        raw = args.get(name, "")
        if len(raw) > MAX_FILTER_LENGTH:
            raise BadServiceFilter("too_long")
        if any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in raw):
            raise BadServiceFilter("invalid")
        values[name] = " ".join(raw.split())
    page = parse_page(args.get("page", "1"))
    if page is None:
        raise BadServiceFilter("page")
    raw_values = tuple((name, values[name]) for name in FILTER_NAMES)
    category = audience = language = ""
    if values["category"]:
        category = _code(
            values["category"], SERVICE_CATEGORIES, _both_languages(CATEGORY_LABELS), "category"
        )
    if values["audience"]:
        audience = _code(
            values["audience"], AUDIENCES, _both_languages(AUDIENCE_LABELS), "audience"
        )
    if values["language"]:
        language = _code(values["language"], SERVICE_LANGUAGES, _language_names(), "language")
    return ServiceFilters(
        q=values["q"].casefold(),
        category=category,
        audience=audience,
        region=values["region"].casefold(),
        language=language,
        page=page,
        raw=raw_values,
    )


def service_filter_message(reason: str) -> str:
    messages = {
        "category": _("Unknown category. Please choose a category from the list."),
        "audience": _("Unknown target group. Please choose a target group from the list."),
        "language": _("Unknown language. Please choose a language from the list."),
    }
    return messages.get(reason) or filter_message(reason)


def service_filters_or_400() -> ServiceFilters:
    """The directory filters of the request's query string, or a 400 saying what is wrong."""
    try:
        return parse_service_filters(request.args)
    except BadServiceFilter as exc:
        abort_with(400, service_filter_message(str(exc)))


def is_public() -> ColumnElement[bool]:
    """SQL condition on ServiceEntry: shown to the public (neither it nor its
    organisation's profile hidden by a site admin)."""
    return ServiceEntry.hidden_at.is_(None) & exists().where(
        Organisation.id == ServiceEntry.organisation_id, Organisation.profile_hidden_at.is_(None)
    )


def service_load_options():
    """Eager loads that keep every listing of entries at a fixed number of queries."""
    return [joinedload(ServiceEntry.organisation), selectinload(ServiceEntry.tags)]


def _has_tag(kind: str, folded: str) -> ColumnElement[bool]:
    return exists().where(
        ServiceTag.service_id == ServiceEntry.id,
        ServiceTag.kind == kind,
        ServiceTag.value_folded == folded,
    )


def apply_service_filters(stmt: Select, filters: ServiceFilters) -> Select:
    if filters.q:
        for word in filters.q.split()[:8]:
            stmt = stmt.where(ServiceEntry.search_text.like(f"%{escape_like(word)}%", escape="\\"))
    if filters.category:
        stmt = stmt.where(ServiceEntry.category == filters.category)
    if filters.audience:
        stmt = stmt.where(_has_tag("audience", filters.audience))
    if filters.language:
        stmt = stmt.where(_has_tag("language", filters.language))
    if filters.region:
        stmt = stmt.where(_has_tag("region", filters.region))
    return stmt


def public_services_select(filters: ServiceFilters) -> Select:
    stmt = select(ServiceEntry).where(is_public()).order_by(ServiceEntry.title, ServiceEntry.id)
    return apply_service_filters(stmt, filters).options(*service_load_options())


def public_services_page(filters: ServiceFilters, per_page: int | None = None):
    return db.paginate(
        public_services_select(filters),
        page=filters.page,
        per_page=per_page or current_app.config.get("SERVICES_PER_PAGE", SERVICES_PER_PAGE),
        error_out=False,
    )


def public_service(slug: str) -> ServiceEntry | None:
    return db.session.scalar(
        select(ServiceEntry)
        .options(*service_load_options())
        .where(ServiceEntry.slug == slug, is_public())
    )


def service_by_slug(slug: str) -> ServiceEntry | None:
    """Any entry, hidden or not (for the workspace and site admins)."""
    return db.session.scalar(
        select(ServiceEntry).options(*service_load_options()).where(ServiceEntry.slug == slug)
    )


def organisation_services(organisation_id: int, *, public_only: bool = False) -> list:
    """An organisation's entries by title (public_only: what its profile may show)."""
    stmt = (
        select(ServiceEntry)
        .options(*service_load_options())
        .where(ServiceEntry.organisation_id == organisation_id)
        .order_by(ServiceEntry.title, ServiceEntry.id)
    )
    if public_only:
        stmt = stmt.where(is_public())
    return list(db.session.scalars(stmt))


def region_choices() -> list[str]:
    """Regions named by public entries, for the filter form's suggestions."""
    return list(
        db.session.scalars(
            select(ServiceTag.value)
            .join(ServiceEntry, ServiceEntry.id == ServiceTag.service_id)
            .where(ServiceTag.kind == "region", is_public())
            .distinct()
            .order_by(ServiceTag.value)
        )
    )


# --- writing ---------------------------------------------------------------------------


@dataclass
class ServiceValues:
    """One entry's content as plain values (what the form, the import and the demo give)."""

    title: str
    category: str
    description: str = ""
    audiences: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    opening_hours: str = ""
    by_appointment: bool = False
    is_demo: bool = False


_LIMITS = {
    "title": 200,
    "address": 300,
    "phone": 50,
    "email": 254,
    "website": 300,
    "opening_hours": 300,
    "description": 50_000,
}


def check_values(values: ServiceValues) -> None:
    """The rules every writer obeys (the form and the JSON schema say the same first)."""
    if not values.title.strip():
        raise ServiceError("title", "must not be blank")
    for name, limit in _LIMITS.items():
        text = getattr(values, name)
        if len(text) > limit:
            raise ServiceError(name, f"at most {limit} characters")
        if has_control_characters(text):
            raise ServiceError(name, "contains control characters")
    website = values.website.strip().lower()
    if website and not website.startswith(("https://", "http://")):
        # The page links to it: never a javascript: or data: address.
        raise ServiceError("website", "must start with https:// or http://")
    if values.category not in SERVICE_CATEGORIES:
        raise ServiceError("category", f"unknown category '{values.category}'")
    for code in values.audiences:
        if code not in AUDIENCES:
            raise ServiceError("audiences", f"unknown target group '{code}'")
    for code in values.languages:
        if code not in SERVICE_LANGUAGES:
            raise ServiceError("languages", f"unknown language '{code}'")
    if len(values.regions) > MAX_REGIONS:
        raise ServiceError("regions", f"at most {MAX_REGIONS} regions")
    for region in values.regions:
        if not region.strip() or len(region) > 100 or has_control_characters(region):
            raise ServiceError("regions", "a region has 1 to 100 characters")


def _unique(values: list[str], fold=str.casefold) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(fold(value), value)
    return list(seen.values())


def refresh_service_search_text(entry: ServiceEntry) -> None:
    parts = [entry.title, entry.description, entry.organisation.name if entry.organisation else ""]
    entry.search_text = " ".join(p for p in parts if p).casefold()


def refresh_organisation_search_texts(organisation_id: int) -> None:
    """After an organisation is renamed: its entries find the new name (caller commits)."""
    for entry in db.session.scalars(
        select(ServiceEntry)
        .options(joinedload(ServiceEntry.organisation))
        .where(ServiceEntry.organisation_id == organisation_id)
    ):
        refresh_service_search_text(entry)


def apply_values(entry: ServiceEntry, values: ServiceValues) -> None:
    """Write `values` onto `entry` (in the caller's transaction), tags and search text too."""
    check_values(values)
    entry.title = single_line(values.title)
    entry.category = values.category
    entry.description = values.description
    entry.address = values.address.strip()
    entry.phone = single_line(values.phone)
    entry.email = values.email.strip()
    entry.website = values.website.strip()
    entry.opening_hours = values.opening_hours.strip()
    entry.by_appointment = values.by_appointment
    entry.is_demo = values.is_demo
    wanted = [("audience", v, v) for v in _unique(values.audiences)]
    wanted += [("language", v, v) for v in _unique(values.languages)]
    wanted += [
        ("region", single_line(v), single_line(v).casefold())
        for v in _unique([single_line(r) for r in values.regions])
    ]
    current = {(t.kind, t.value_folded): t for t in entry.tags}
    keep = {(kind, folded) for kind, _value, folded in wanted}
    for key, tag in current.items():
        if key not in keep:
            entry.tags.remove(tag)
    db.session.flush()  # removed rows go before new rows that reuse their unique key
    for kind, value, folded in wanted:
        tag = current.get((kind, folded))
        if tag is None:
            entry.tags.append(ServiceTag(kind=kind, value=value, value_folded=folded))
        else:
            tag.value = value
    order = {(kind, folded): n for n, (kind, _v, folded) in enumerate(wanted)}
    entry.tags.sort(key=lambda t: order.get((t.kind, t.value_folded), 0))
    refresh_service_search_text(entry)


def free_slug(title: str, *, keep: str | None = None) -> str:
    """A slug from the title that no other entry uses ("beratung", "beratung-2", ...)."""
    base = slugify(title, MAX_SLUG_LENGTH - 4) or "angebot"
    taken = set(
        db.session.scalars(
            select(ServiceEntry.slug).where(
                (ServiceEntry.slug == base)
                | ServiceEntry.slug.like(f"{escape_like(base)}-%", escape="\\")
            )
        )
    )
    taken.discard(keep)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# Every lost attempt means another writer committed a slug, so each of n editors saving
# the same title at once gets one within n attempts.
SLUG_ATTEMPTS = 8


def create_service(organisation_id: int, values: ServiceValues) -> ServiceEntry:
    """A new entry of the organisation, with a unique slug made from the title.

    On SQLite the write lock makes choosing and saving the slug one step. On PostgreSQL
    two editors saving the same title at once may choose the same slug: the unique index
    refuses the second, which is tried again with the next free one."""
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        try:
            with write_transaction() as session:
                organisation = session.get(Organisation, organisation_id)
                if organisation is None:
                    raise ServiceError("organisation", "no such organisation")
                entry = ServiceEntry(
                    slug=free_slug(values.title), organisation=organisation, tags=[]
                )
                session.add(entry)
                apply_values(entry, values)
            return entry
        except IntegrityError:
            if attempt == SLUG_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def update_service(entry_id: int, organisation_id: int, values: ServiceValues) -> ServiceEntry:
    """Change an entry of that organisation (its slug stays: links to it keep working)."""
    with write_transaction() as session:
        entry = session.scalar(
            select(ServiceEntry)
            .options(*service_load_options())
            .where(ServiceEntry.id == entry_id, ServiceEntry.organisation_id == organisation_id)
        )
        if entry is None:
            raise ServiceError("entry", "no such entry")
        apply_values(entry, values)
    return entry


def delete_service(entry_id: int, organisation_id: int) -> bool:
    with write_transaction() as session:
        entry = session.scalar(
            select(ServiceEntry).where(
                ServiceEntry.id == entry_id, ServiceEntry.organisation_id == organisation_id
            )
        )
        if entry is None:
            return False
        session.delete(entry)
    return True


def set_hidden(entry_id: int, hidden: bool) -> ServiceEntry | None:
    """A site admin hides an entry from every public page, list and API (or shows it
    again); the entry itself and its organisation's access stay."""
    with write_transaction() as session:
        entry = session.get(ServiceEntry, entry_id)
        if entry is None:
            return None
        if hidden and entry.hidden_at is None:
            entry.hidden_at = utcnow()
        elif not hidden:
            entry.hidden_at = None
    return entry
