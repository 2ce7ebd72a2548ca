"""An event's participant directory: who chose which visibility, their "Wir bieten / Wir
suchen" profiles, what each participant sees, suggestions and the matching services.

Everything a page shows goes through `visibility.visible_to` / `listed_at` in SQL and is
read fresh on every request (no cache), so withdrawing takes effect in the next view. The
people are returned as plain records without an email address or phone number: a page
cannot show what it is not given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, literal, or_, select

from eventhub.database import write_transaction
from eventhub.events.consent import record_change
from eventhub.events.registration import refresh_registration_search_text
from eventhub.events.seats import writable_registration
from eventhub.extensions import db
from eventhub.models import (
    DIRECTORY_VISIBILITIES,
    PROFILE_SIDES,
    SERVICE_CATEGORIES,
    NetworkProfile,
    NetworkTag,
    Organisation,
    Registration,
    ServiceEntry,
    ServiceTag,
)
from eventhub.network.visibility import NETWORKING_STATUSES, listed_at, visible_to
from eventhub.querying import lowered
from eventhub.text import has_control_characters

TEXT_MAX = 500  # NetworkProfile.offers_text / seeks_text
LINE_MAX = 200  # Registration.organisation / job_title
MATCHING_SERVICES_MAX = 5
SUGGESTIONS_MAX = 10  # a shortlist; everyone else is in the directory below it


class ProfileError(ValueError):
    """Input the directory refuses; `field` names the form field, `message` says why in
    the user's language."""

    def __init__(self, field: str, message):
        super().__init__(field)  # the message is translated lazily, when shown
        self.field = field
        self.message = message


class NotParticipating(Exception):
    """The registration is cancelled or its address unconfirmed: no networking."""


@dataclass(frozen=True)
class Profile:
    offers: tuple[str, ...] = ()
    seeks: tuple[str, ...] = ()
    offers_text: str = ""
    seeks_text: str = ""


@dataclass(frozen=True)
class Person:
    """One directory entry: what others may read about a participant (never contact data)."""

    id: int
    first_name: str
    last_name: str
    organisation: str
    job_title: str
    visibility: str
    profile: Profile = field(default_factory=Profile)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Suggestion:
    person: Person
    offers: tuple[str, ...]  # categories they offer that I seek
    seeks: tuple[str, ...]  # categories they seek that I offer

    @property
    def overlap(self) -> int:
        return len(self.offers) + len(self.seeks)


@dataclass(frozen=True)
class ServiceMatch:
    slug: str
    title: str
    category: str
    organisation_name: str
    in_region: bool


@dataclass(frozen=True)
class OrganiserDirectory:
    people: list[Person]
    counts: dict[str, int]  # confirmed registrations by visibility, "hidden" included

    @property
    def listed(self) -> int:
        return sum(n for visibility, n in self.counts.items() if visibility != "hidden")


# --- changes -----------------------------------------------------------------------------


def set_visibility(registration_id: int, visibility: str) -> Registration:
    """Who sees the participant; "hidden" withdraws them from every view at once.

    Being listed is a consent: going from hidden to listed records "directory" given,
    back to hidden "withdrawn" (same transaction). Widening or narrowing the audience of
    someone listed records nothing new. Cancelling the registration records no
    withdrawal: the person did not withdraw, and a cancelled registration is never
    listed anyway (NETWORKING_STATUSES)."""
    if visibility not in DIRECTORY_VISIBILITIES:
        raise ProfileError("visibility", _l("Please choose one of the offered visibilities."))
    with write_transaction() as session:
        registration = _participant(session, registration_id)
        was_listed = registration.directory_visibility != "hidden"
        registration.directory_visibility = visibility
        record_change(
            session,
            registration_id,
            "directory",
            before=was_listed,
            after=visibility != "hidden",
        )
    return registration


def save_profile(
    registration_id: int,
    *,
    offers: list[str],
    seeks: list[str],
    offers_text: str,
    seeks_text: str,
    organisation: str,
    job_title: str,
) -> Profile:
    """Store the "Wir bieten / Wir suchen" profile; organisation and role are the
    registration's own fields (the attendee list shows the same)."""
    wanted = {
        "offers": _categories("offers", offers),
        "seeks": _categories("seeks", seeks),
    }
    offers_text = _text("offers_text", offers_text, TEXT_MAX)
    seeks_text = _text("seeks_text", seeks_text, TEXT_MAX)
    organisation = " ".join(_text("organisation", organisation, LINE_MAX).split())
    job_title = " ".join(_text("job_title", job_title, LINE_MAX).split())
    with write_transaction() as session:
        registration = _participant(session, registration_id)
        registration.organisation = organisation
        registration.job_title = job_title
        refresh_registration_search_text(registration)
        profile = session.scalar(
            select(NetworkProfile).where(NetworkProfile.registration_id == registration_id)
        )
        if profile is None:
            profile = NetworkProfile(registration_id=registration_id)
            session.add(profile)
        profile.offers_text = offers_text
        profile.seeks_text = seeks_text
        # Keep the rows that stay (their primary key is side + category), drop and add the rest.
        have = {(tag.side, tag.category) for tag in profile.tags}
        want = {(side, category) for side, categories in wanted.items() for category in categories}
        for tag in list(profile.tags):
            if (tag.side, tag.category) not in want:
                profile.tags.remove(tag)
        for side, category in sorted(want - have):
            profile.tags.append(NetworkTag(side=side, category=category))
    return Profile(
        offers=tuple(sorted(wanted["offers"])),
        seeks=tuple(sorted(wanted["seeks"])),
        offers_text=offers_text,
        seeks_text=seeks_text,
    )


def _participant(session, registration_id: int) -> Registration:
    """The registration under its event's lock; refused once anonymised
    (RegistrationAnonymised) or when it takes no part (NotParticipating)."""
    registration = writable_registration(registration_id)
    if registration.status not in NETWORKING_STATUSES:
        raise NotParticipating(registration.status)
    return registration


def _categories(side: str, values: list[str]) -> set[str]:
    unknown = [value for value in values if value not in SERVICE_CATEGORIES]
    if unknown:
        raise ProfileError(side, _l("Please choose only from the listed topics."))
    return set(values)


def _text(name: str, value: str | None, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ProfileError(name, _l("Please use at most %(max)d characters.", max=limit))
    if has_control_characters(value):
        raise ProfileError(name, _l("Please remove control characters from this field."))
    return value


# --- reading -----------------------------------------------------------------------------


def own_profile(registration_id: int) -> Profile:
    """The participant's own profile (empty if they never saved one)."""
    rows = db.session.execute(
        select(NetworkProfile.offers_text, NetworkProfile.seeks_text, NetworkTag.side)
        .add_columns(NetworkTag.category)
        .outerjoin(NetworkTag, NetworkTag.profile_id == NetworkProfile.id)
        .where(NetworkProfile.registration_id == registration_id)
    ).all()
    if not rows:
        return Profile()
    tags = {side: sorted(r.category for r in rows if r.side == side) for side in PROFILE_SIDES}
    return Profile(
        offers=tuple(tags["offers"]),
        seeks=tuple(tags["seeks"]),
        offers_text=rows[0].offers_text,
        seeks_text=rows[0].seeks_text,
    )


def directory_for(viewer: Registration) -> list[Person]:
    """The people this viewer sees, with their profiles, ordered by name (two queries)."""
    return _people(visible_to(viewer))


def organiser_directory(event_id: int) -> OrganiserDirectory:
    """Everyone listed in an event's directory, and how many confirmed participants chose
    each visibility (what the event's organisers see)."""
    counted = dict(
        db.session.execute(
            select(Registration.directory_visibility, func.count())
            .where(
                Registration.event_id == event_id,
                Registration.status.in_(NETWORKING_STATUSES),
            )
            .group_by(Registration.directory_visibility)
        ).all()
    )
    counts = {visibility: counted.get(visibility, 0) for visibility in DIRECTORY_VISIBILITIES}
    return OrganiserDirectory(people=_people(listed_at(event_id)), counts=counts)


def _people(condition) -> list[Person]:
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.first_name,
            Registration.last_name,
            Registration.organisation,
            Registration.job_title,
            Registration.directory_visibility,
            NetworkProfile.offers_text,
            NetworkProfile.seeks_text,
        )
        .outerjoin(NetworkProfile, NetworkProfile.registration_id == Registration.id)
        .where(condition)
    ).all()
    tags: dict[int, dict[str, list[str]]] = {}
    for registration_id, side, category in db.session.execute(
        select(NetworkProfile.registration_id, NetworkTag.side, NetworkTag.category)
        .join(NetworkProfile, NetworkProfile.id == NetworkTag.profile_id)
        .join(Registration, Registration.id == NetworkProfile.registration_id)
        .where(condition)
        .order_by(NetworkTag.category)
    ):
        tags.setdefault(registration_id, {}).setdefault(side, []).append(category)
    people = [
        Person(
            id=row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            organisation=row.organisation,
            job_title=row.job_title,
            visibility=row.directory_visibility,
            profile=Profile(
                offers=tuple(tags.get(row.id, {}).get("offers", ())),
                seeks=tuple(tags.get(row.id, {}).get("seeks", ())),
                offers_text=row.offers_text or "",
                seeks_text=row.seeks_text or "",
            ),
        )
        for row in rows
    ]
    # Sorted here, not in SQL: the databases' collations disagree on umlauts and case.
    people.sort(key=lambda p: (p.last_name.casefold(), p.first_name.casefold(), p.id))
    return people


def suggestions(
    viewer: Registration, people: list[Person] | None = None, mine: Profile | None = None
) -> list[Suggestion]:
    """The visible people whose offers meet my needs and whose needs meet my offers, most
    overlap first (at most SUGGESTIONS_MAX); each with the categories that matched (the
    reason shown)."""
    mine = mine if mine is not None else own_profile(viewer.id)
    if not (mine.offers or mine.seeks):
        return []
    people = people if people is not None else directory_for(viewer)
    found = []
    for person in people:
        suggestion = Suggestion(
            person=person,
            offers=tuple(c for c in person.profile.offers if c in mine.seeks),
            seeks=tuple(c for c in person.profile.seeks if c in mine.offers),
        )
        if suggestion.overlap:
            found.append(suggestion)
    # A stable sort keeps the directory's name order among equal overlaps.
    found.sort(key=lambda s: -s.overlap)
    return found[:SUGGESTIONS_MAX]


def matching_services(
    viewer: Registration, seeks: tuple[str, ...] | None = None
) -> list[ServiceMatch]:
    """A handful of public service entries in the categories I seek, the event's region
    first (when the venue has one)."""
    if seeks is None:
        seeks = own_profile(viewer.id).seeks
    if not seeks:
        return []
    region = (viewer.event.region or "").strip()
    if region:
        in_region = or_(
            lowered(Organisation.region) == region.lower(),
            exists().where(
                ServiceTag.service_id == ServiceEntry.id,
                ServiceTag.kind == "region",
                ServiceTag.value_folded == region.casefold(),
            ),
        )
        regional = case((in_region, 1), else_=0).label("regional")
    else:
        regional = literal(0).label("regional")
    rows = db.session.execute(
        select(
            ServiceEntry.slug,
            ServiceEntry.title,
            ServiceEntry.category,
            Organisation.name,
            regional,
        )
        .join(Organisation, Organisation.id == ServiceEntry.organisation_id)
        .where(
            ServiceEntry.category.in_(seeks),
            ServiceEntry.hidden_at.is_(None),
            Organisation.profile_hidden_at.is_(None),
        )
        .order_by(regional.desc(), ServiceEntry.title, ServiceEntry.id)
        .limit(MATCHING_SERVICES_MAX)
    ).all()
    return [
        ServiceMatch(
            slug=row.slug,
            title=row.title,
            category=row.category,
            organisation_name=row.name,
            in_region=bool(row.regional),
        )
        for row in rows
    ]
