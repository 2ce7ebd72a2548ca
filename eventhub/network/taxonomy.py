"""Display names of the networking taxonomy (service categories, target groups,
languages, directory visibilities), translated lazily like labels.py."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from eventhub.models.network import SERVICE_LANGUAGES

CATEGORY_LABELS = {
    "recognition": _l("Recognition of foreign qualifications"),
    "german_courses": _l("German courses"),
    "work_permits": _l("Work permits and residence"),
    "qualification": _l("Qualification and further training"),
    "apprenticeship_study": _l("Apprenticeship and study"),
    "job_search": _l("Job search and placement"),
    "recruiting": _l("Recruiting support for employers"),
    "onboarding": _l("Onboarding and retention in the company"),
    "housing": _l("Housing"),
    "family_childcare": _l("Family and childcare"),
    "everyday_integration": _l("Everyday life and integration"),
    "counselling": _l("Counselling and first guidance"),
}
AUDIENCE_LABELS = {
    "skilled_workers": _l("Skilled workers"),
    "employers": _l("Employers"),
    "refugees": _l("Refugees"),
    "students": _l("Students and trainees"),
    "families": _l("Families"),
}
VISIBILITY_LABELS = {
    "hidden": _l("Not listed"),
    "participants": _l("Visible to the other listed participants of this event"),
    "registered": _l("Visible to everyone registered for this event"),
}


def category_name(code: str) -> str:
    label = CATEGORY_LABELS.get(code)
    return str(label) if label is not None else code


def audience_name(code: str) -> str:
    label = AUDIENCE_LABELS.get(code)
    return str(label) if label is not None else code


def language_name(code: str) -> str:
    """A language's name in the page's language, from the CLDR data Babel ships."""
    locale = get_locale() or Locale("de")
    name = locale.languages.get(code)
    return name if name else code


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in SERVICE_LANGUAGES]
