"""Every code of the networking taxonomy has a translated name."""

from flask_babel import force_locale

from eventhub.models import AUDIENCES, DIRECTORY_VISIBILITIES, SERVICE_CATEGORIES
from eventhub.network.taxonomy import (
    AUDIENCE_LABELS,
    CATEGORY_LABELS,
    VISIBILITY_LABELS,
    category_name,
    language_choices,
)


def test_every_code_has_a_label():
    assert set(CATEGORY_LABELS) == set(SERVICE_CATEGORIES)
    assert set(AUDIENCE_LABELS) == set(AUDIENCES)
    assert set(VISIBILITY_LABELS) == set(DIRECTORY_VISIBILITIES)


def test_names_follow_the_language(app):
    with app.test_request_context():
        with force_locale("de"):
            assert category_name("german_courses") == "Deutschkurse"
            assert ("uk", "Ukrainisch") in language_choices()
        with force_locale("en"):
            assert category_name("german_courses") == "German courses"
            assert ("uk", "Ukrainian") in language_choices()
