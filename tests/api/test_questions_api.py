"""Questions through the organiser API: the event's questions, answers in registrations,
answers checked on create like the form does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.manage.questions import QuestionData, add_question, remove_question
from eventhub.models import Answer, Organisation, Registration
from tests.api.test_organiser_api import IHK, PERSON, bearer

DIET = [
    {"key": "veg", "de": "vegetarisch", "en": "vegetarian"},
    {"key": "vegan", "de": "vegan", "en": "vegan"},
]


@pytest.fixture
def asked(make_event):
    event = make_event(hosts=IHK)
    diet = add_question(
        event.id, QuestionData("choice", "Essen", "Diet", required=True, options=DIET)
    )
    note = add_question(event.id, QuestionData("textarea", "Anmerkung", "Remarks"))
    staff = add_question(event.id, QuestionData("number", "Beschäftigte", "Employees"))
    return event, diet, note, staff


@pytest.fixture
def issue_token(app):
    """A raw read-write API token for the organisation `slug` (created if missing)."""

    def factory(slug: str = "ihk-nrw") -> str:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            organisation = Organisation(slug=slug, name=slug.upper())
            db.session.add(organisation)
            db.session.commit()
        return create_token(organisation.id, "CRM", can_write=True, created_by_id=None)[1]

    return factory


def path(event) -> str:
    return f"/api/v1/organiser/events/{event.slug}"


def test_the_events_questions_are_listed(client, asked, issue_token):
    event, diet, note, _staff = asked
    response = client.get(path(event) + "/questions", headers=bearer(issue_token()))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [q["id"] for q in items] == [diet.id, note.id, _staff.id]
    assert items[0]["options"][0] == {
        "key": "veg",
        "de": "vegetarisch",
        "en": "vegetarian",
        "retired": False,
    }
    assert items[0]["required"] is True and items[1]["kind"] == "textarea"
    other = client.get(path(event) + "/questions", headers=bearer(issue_token("hwk")))
    assert other.status_code == 404


def test_create_with_answers_and_read_them_back(client, asked, issue_token):
    event, diet, note, staff = asked
    headers = bearer(issue_token())
    body = {
        **PERSON,
        "answers": {str(diet.id): "vegan", str(note.id): "Zeile 1\nZeile 2", str(staff.id): 12},
    }
    created = client.post(path(event) + "/registrations", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    expected = {str(diet.id): "vegan", str(note.id): "Zeile 1\nZeile 2", str(staff.id): 12}
    assert created.get_json()["answers"] == expected
    listed = client.get(path(event) + "/registrations", headers=headers).get_json()
    assert listed["items"][0]["answers"] == expected
    # an archived question's answers stay in the API
    remove_question(event.id, note.id)
    again = client.get(created.headers["Location"], headers=headers).get_json()
    assert again["answers"][str(note.id)] == "Zeile 1\nZeile 2"


@pytest.mark.parametrize(
    ("answers", "field", "german", "english"),
    [
        ({}, "diet", "Bitte wählen Sie eine Antwort.", "Please choose an answer."),
        (
            {"diet": "fish"},
            "diet",
            "Bitte wählen Sie eine der angebotenen Antworten.",
            "Please choose one of the answers offered.",
        ),
        (
            {"diet": "veg", "note": "a\x07b"},
            "note",
            "Bitte entfernen Sie Steuerzeichen (erlaubt sind nur Zeilenumbrüche und Tabulatoren).",
            "Please remove control characters (only line breaks and tabs are allowed).",
        ),
        (
            {"diet": "veg", "note": "x" * 4001},
            "note",
            "Bitte verwenden Sie höchstens 4000 Zeichen.",
            "Please use at most 4000 characters.",
        ),
        (
            {"diet": "veg", "staff": True},
            "staff",
            "Bitte geben Sie eine Zahl ein.",
            "Please enter a number.",
        ),
        (
            {"diet": ["veg"]},
            "diet",
            "Bitte geben Sie nur eine Antwort.",
            "Please give one answer only.",
        ),
        (
            {"diet": "veg", "unknown": "x"},
            "unknown",
            "Diese Frage wird bei dieser Veranstaltung nicht gestellt.",
            "This question is not asked at this event.",
        ),
    ],
)
def test_invalid_answers_are_refused_per_field(
    client, asked, issue_token, answers, field, german, english
):
    event, diet, note, staff = asked
    ids = {"diet": diet.id, "note": note.id, "staff": staff.id, "unknown": 999999}
    body = {**PERSON, "answers": {str(ids[k]): v for k, v in answers.items()}}
    headers = bearer(issue_token())
    for language, message in (("de", german), ("en", english)):
        response = client.post(
            path(event) + "/registrations",
            json=body,
            headers={**headers, "Accept-Language": language},
        )
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {f"answers.{ids[field]}": message}
    assert db.session.scalar(select(Registration)) is None
    assert db.session.scalar(select(Answer)) is None


def test_answers_must_be_an_object(client, asked, issue_token):
    event, *_ = asked
    response = client.post(
        path(event) + "/registrations",
        json={**PERSON, "answers": ["veg"]},
        headers=bearer(issue_token()),
    )
    assert response.status_code == 422
    assert "answers" in response.get_json()["error"]["fields"]
