"""The event's own questions on the public registration form and the participant's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.manage.questions import QuestionData, add_question, update_question
from eventhub.models import Answer, Registration
from tests.conftest import in_days

DIET = [
    {"key": "veg", "de": "vegetarisch", "en": "vegetarian"},
    {"key": "vegan", "de": "vegan", "en": "vegan"},
    {"key": "all", "de": "alles", "en": "anything"},
]


@pytest.fixture
def asked(make_event):
    """An event with five questions (one of each main kind); returns (event, questions)."""
    event = make_event()
    questions = {
        "diet": add_question(
            event.id,
            QuestionData(
                "choice", "Essenswunsch", "Diet", required=True, options=DIET, sensitive=True
            ),
        ),
        "topics": add_question(
            event.id,
            QuestionData(
                "multiple",
                "Themen",
                "Topics",
                options=[
                    {"key": "a", "de": "Anerkennung", "en": "Recognition"},
                    {"key": "v", "de": "Visa", "en": "Visas"},
                ],
            ),
        ),
        "parking": add_question(
            event.id, QuestionData("boolean", "Parkplatz benötigt?", "Need parking?")
        ),
        "staff": add_question(
            event.id,
            QuestionData(
                "number", "Anzahl Beschäftigte", "Number of employees", help_de="Ungefähr"
            ),
        ),
        "note": add_question(event.id, QuestionData("textarea", "Anmerkung", "Remarks")),
    }
    return event, questions


def q(question) -> str:
    """The form field's name (long-text answers end as the request guard expects)."""
    suffix = "-long_answer" if question.kind == "textarea" else ""
    return f"question-{question.id}{suffix}"


def answers_in_db(email: str) -> dict[int, object]:
    db.session.rollback()
    registration = db.session.scalar(select(Registration).where(Registration.email == email))
    return {
        a.question_id: a.value
        for a in db.session.scalars(select(Answer).where(Answer.registration_id == registration.id))
    }


def test_the_form_asks_the_questions_with_labels_legends_and_help(client, asked):
    event, questions = asked
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    # after the person fields, before the privacy block
    assert html.index('name="email"') < html.index("Essenswunsch") < html.index("consent_privacy")
    assert re.search(r"<legend>Essenswunsch <span class=\"required\">", html)
    assert f'for="question-{questions["note"].id}">Anmerkung</label>' in html
    assert f'aria-describedby="{q(questions["staff"])}-hint"' in html
    english = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "<legend>Diet" in english and ">vegetarian</label>" in english


def test_answers_are_stored_with_the_registration(client, asked, register_by_form):
    event, questions = asked
    response = register_by_form(
        event,
        **{
            q(questions["diet"]): "veg",
            q(questions["topics"]): ["v", "a"],
            q(questions["parking"]): "yes",
            q(questions["staff"]): "12,5",
            q(questions["note"]): "Zeile 1\nZeile 2",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = answers_in_db("j.mueller@example.org")
    assert stored == {
        questions["diet"].id: "veg",
        questions["topics"].id: ["a", "v"],
        questions["parking"].id: True,
        questions["staff"].id: 12.5,
        questions["note"].id: "Zeile 1\nZeile 2",
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ihre Antworten" in page and "vegetarisch" in page and "Anerkennung, Visa" in page
    assert "12,5" in page


def test_required_question_is_enforced(client, asked, register_by_form):
    event, questions = asked
    response = register_by_form(event)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte wählen Sie eine Antwort." in html
    assert f'href="#{q(questions["diet"])}"' in html  # in the list of problems
    assert db.session.scalar(select(Registration)) is None
    english = register_by_form(event, lang="en")
    assert "Please choose an answer." in english.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "german", "english"),
    [
        (
            "diet",
            "fish",
            "Bitte wählen Sie eine der angebotenen Antworten.",
            "Please choose one of the answers offered.",
        ),
        (
            "topics",
            ["a", "x"],
            "Bitte wählen Sie unter den angebotenen Antworten.",
            "Please choose among the answers offered.",
        ),
        (
            "parking",
            "vielleicht",
            "Bitte antworten Sie mit Ja oder Nein.",
            "Please answer yes or no.",
        ),
        (
            "staff",
            "zwölf",
            "Bitte geben Sie eine Zahl ein, etwa 12 oder 3,5.",
            "Please enter a number, such as 12 or 3,5.",
        ),
        (
            "staff",
            "1e99",
            "Bitte geben Sie eine Zahl ein, etwa 12 oder 3,5.",
            "Please enter a number, such as 12 or 3,5.",
        ),
        (
            "staff",
            "99999999999",
            "Bitte geben Sie eine kleinere Zahl ein.",
            "Please enter a smaller number.",
        ),
        (
            "note",
            "x" * 4001,
            "Bitte verwenden Sie höchstens 4000 Zeichen.",
            "Please use at most 4000 characters.",
        ),
    ],
)
def test_invalid_answers_are_refused_in_the_users_language(
    asked, register_by_form, field, value, german, english
):
    event, questions = asked
    data = {q(questions["diet"]): "veg", q(questions[field]): value}
    response = register_by_form(event, **data)
    assert response.status_code == 422
    assert german in response.get_data(as_text=True)
    response = register_by_form(event, lang="en", **data)
    assert response.status_code == 422
    assert english in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None


def test_short_text_refuses_overlong_and_collapses_tabs(make_event, register_by_form):
    event = make_event()
    company = add_question(event.id, QuestionData("text", "Firma", "Company"))
    too_long = register_by_form(event, **{q(company): "x" * 301})
    assert "Bitte verwenden Sie höchstens 300 Zeichen." in too_long.get_data(as_text=True)
    english = register_by_form(event, lang="en", **{q(company): "x" * 301})
    assert "Please use at most 300 characters." in english.get_data(as_text=True)
    fine = register_by_form(event, **{q(company): "Muster\tGmbH"})
    assert fine.status_code == 303
    assert answers_in_db("j.mueller@example.org") == {company.id: "Muster GmbH"}


@pytest.mark.parametrize(
    ("lang", "message"),
    [("de", "Die Anfrage enthält Steuerzeichen"), ("en", "The request contains control")],
)
def test_control_characters_in_the_form_are_refused_with_a_message(
    asked, register_by_form, lang, message
):
    """The request guard refuses them on every form before any view runs (400, in the
    reader's language); the API, which the guard does not read, answers 422 per field
    (tests/api/test_questions_api.py). Line breaks pass in long-text answers only."""
    event, questions = asked
    for field in ("note", "staff"):
        response = register_by_form(
            event, lang=lang, **{q(questions["diet"]): "veg", q(questions[field]): "a\x07b"}
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None


def test_a_date_question_takes_iso_dates(make_event, register_by_form):
    event = make_event()
    arrival = add_question(event.id, QuestionData("date", "Anreise", "Arrival", required=True))
    bad = register_by_form(event, **{q(arrival): "31.12.2026"})
    assert "Bitte geben Sie ein Datum im Format JJJJ-MM-TT ein." in bad.get_data(as_text=True)
    assert register_by_form(event, **{q(arrival): "2026-02-30"}).status_code == 422
    assert register_by_form(event, **{q(arrival): "2026-12-31"}).status_code == 303
    assert answers_in_db("j.mueller@example.org") == {arrival.id: "2026-12-31"}


def test_group_form_says_that_everyone_answers_on_their_own_page(client, asked):
    event, _questions = asked
    html = client.get(f"/events/{event.slug}/register/group").get_data(as_text=True)
    assert "Essenswunsch" not in html
    assert "auf ihrer eigenen Anmeldeseite" in html


def _register(client, register_by_form, event, questions) -> str:
    response = register_by_form(event, **{q(questions["diet"]): "veg"})
    assert response.status_code == 303
    return response.headers["Location"].split("?")[0]


def test_participant_changes_answers_until_the_deadline(client, asked, register_by_form):
    event, questions = asked
    link = _register(client, register_by_form, event, questions)
    form = client.get(link + "/answers").get_data(as_text=True)
    assert 'value="veg" id="' in form and "checked" in form
    changed = client.post(
        link + "/answers",
        data={q(questions["diet"]): "vegan", q(questions["parking"]): "no"},
    )
    assert changed.status_code == 303
    assert answers_in_db("j.mueller@example.org") == {
        questions["diet"].id: "vegan",
        questions["parking"].id: False,
    }
    # a required answer cannot be taken back
    refused = client.post(link + "/answers", data={q(questions["parking"]): "no"})
    assert refused.status_code == 422
    assert "Bitte wählen Sie eine Antwort." in refused.get_data(as_text=True)
    # after the start (no deadline set), nothing changes any more
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=1)):
        late = client.post(link + "/answers", data={q(questions["diet"]): "all"})
        assert late.status_code == 409
        assert "nicht mehr geändert" in late.get_data(as_text=True)
        page = client.get(link).get_data(as_text=True)
        assert "Antworten ändern" not in page and "vegan" in page
    assert answers_in_db("j.mueller@example.org")[questions["diet"].id] == "vegan"


def test_the_registration_deadline_ends_changes(client, make_event, register_by_form):
    closes = in_days(10)
    event = make_event(registration_closes_at=closes.isoformat())
    note = add_question(event.id, QuestionData("text", "Notiz"))
    link = register_by_form(event, **{q(note): "vorher"}).headers["Location"].split("?")[0]
    with time_machine.travel(closes - dt.timedelta(minutes=1)):
        assert client.post(link + "/answers", data={q(note): "knapp"}).status_code == 303
    with time_machine.travel(closes + dt.timedelta(minutes=1)):
        assert client.post(link + "/answers", data={q(note): "zu spät"}).status_code == 409
    assert answers_in_db("j.mueller@example.org") == {note.id: "knapp"}


def test_a_retired_option_stays_on_the_answer(client, asked, register_by_form):
    event, questions = asked
    link = _register(client, register_by_form, event, questions)
    diet = questions["diet"]
    # the organisers drop "vegetarisch" from the offered answers
    update_question(
        event.id,
        diet.id,
        QuestionData("choice", "Essenswunsch", "Diet", required=True, options=DIET[1:]),
    )
    assert answers_in_db("j.mueller@example.org")[diet.id] == "veg"
    page = client.get(link).get_data(as_text=True)
    assert "vegetarisch" in page
    # new registrations cannot choose it any more
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'value="veg"' not in html
    other = register_by_form(event, email="b@example.org", **{q(diet): "veg"})
    assert other.status_code == 422
    # the person keeps it when saving other answers, marked as no longer offered
    form = client.get(link + "/answers").get_data(as_text=True)
    assert "nicht mehr angeboten" in form
    kept = client.post(link + "/answers", data={q(diet): "veg", q(questions["parking"]): "yes"})
    assert kept.status_code == 303
    assert answers_in_db("j.mueller@example.org")[diet.id] == "veg"


def test_answers_page_of_a_cancelled_registration_refuses_changes(client, asked, register_by_form):
    event, questions = asked
    link = _register(client, register_by_form, event, questions)
    client.post(link + "/cancel")
    assert client.post(link + "/answers", data={q(questions["diet"]): "all"}).status_code == 409


def test_answers_never_appear_on_public_pages(client, asked, register_by_form):
    event, questions = asked
    response = register_by_form(
        event,
        show_in_directory="y",
        **{q(questions["diet"]): "vegan", q(questions["note"]): "Rollstuhl-Zugang nötig"},
    )
    assert response.status_code == 303
    for path in (f"/events/{event.slug}", "/events/", f"/events/{event.slug}.ics"):
        body = client.get(path).get_data(as_text=True)
        assert "Rollstuhl-Zugang" not in body
