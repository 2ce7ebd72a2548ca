"""Questions in the workspace: editing them keeps answers; answers in the registration page,
the CSV and XLSX lists and the report; only the event's organisers see them."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.manage.questions import QuestionData, add_question
from eventhub.models import Answer, Question
from eventhub.privacy.anonymise import delete_sensitive_answers
from tests.manage.conftest import hosted_by, log_in

DIET_LINES = "veg | vegetarisch | vegetarian\nvegan | vegan | vegan\nall | alles | anything"


@pytest.fixture
def event(make_event):
    return make_event(hosts=hosted_by("ihk-nrw"), title="Fachtagung Integration")


def questions_of(event) -> list[Question]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(Question).where(Question.event_id == event.id).order_by(Question.position)
        )
    )


def add_by_form(client, event, **fields):
    data = {"kind": "text", "label_de": "Frage", "label_en": "", "options": "", **fields}
    return client.post(f"/manage/events/{event.slug}/questions/new", data=data)


def form_name(question: Question) -> str:
    suffix = "-long_answer" if question.kind == "textarea" else ""
    return f"question-{question.id}{suffix}"


def test_organiser_adds_edits_reorders_and_removes_questions(organiser_client, event):
    page = organiser_client.get(f"/manage/events/{event.slug}")
    assert f"/manage/events/{event.slug}/questions" in page.get_data(as_text=True)
    assert organiser_client.get(f"/manage/events/{event.slug}/questions").status_code == 200
    created = add_by_form(
        organiser_client,
        event,
        kind="choice",
        label_de="Essenswunsch",
        label_en="Diet",
        options=DIET_LINES,
        required="y",
        sensitive="y",
    )
    assert created.status_code == 303
    add_by_form(organiser_client, event, kind="textarea", label_de="Anmerkung")
    diet, note = questions_of(event)
    assert diet.options == [
        {"key": "veg", "de": "vegetarisch", "en": "vegetarian", "retired": False},
        {"key": "vegan", "de": "vegan", "en": "vegan", "retired": False},
        {"key": "all", "de": "alles", "en": "anything", "retired": False},
    ]
    assert diet.required and diet.sensitive and not diet.statistical
    # the edit form shows the options as lines again
    edit = organiser_client.get(f"/manage/events/{event.slug}/questions/{diet.id}")
    assert "veg | vegetarisch | vegetarian" in edit.get_data(as_text=True)
    moved = organiser_client.post(
        f"/manage/events/{event.slug}/questions/{note.id}/move", data={"direction": "up"}
    )
    assert moved.status_code == 303
    assert [q.label_de for q in questions_of(event)] == ["Anmerkung", "Essenswunsch"]
    # removing an unanswered question deletes it
    organiser_client.post(f"/manage/events/{event.slug}/questions/{note.id}/remove")
    assert [q.label_de for q in questions_of(event)] == ["Essenswunsch"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "choice", "options": ""}, "Bitte geben Sie mindestens eine Antwort"),
        ({"kind": "choice", "options": "a | b | c | d"}, "Zeile 1: Bitte verwenden Sie"),
        ({"kind": "choice", "options": "x | Ja\nx | Nein"}, "Der Schlüssel x kommt doppelt vor"),
        ({"kind": "choice", "options": "Ä B | Ja | Yes"}, "Der Schlüssel darf nur"),
        ({"label_de": ""}, "Bitte geben Sie die Frage auf Deutsch ein."),
        ({"label_de": "x" * 301}, "höchstens 300 Zeichen"),
    ],
)
def test_invalid_questions_are_refused(organiser_client, event, fields, message):
    response = add_by_form(organiser_client, event, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert questions_of(event) == []


def test_option_lines_of_other_kinds_are_ignored(organiser_client, event):
    response = add_by_form(organiser_client, event, kind="text", options="a | b | c | d")
    assert response.status_code == 303
    assert questions_of(event)[0].options == []


def test_options_without_key_get_one_from_the_german_label(organiser_client, event):
    add_by_form(organiser_client, event, kind="multiple", options="Große Firma | big firm\nKlein")
    [question] = questions_of(event)
    assert [o["key"] for o in question.options] == ["grosse_firma", "klein"]


def test_changing_a_question_after_answers_never_loses_them(
    organiser_client, client, event, register_by_form
):
    add_by_form(organiser_client, event, kind="choice", label_de="Essen", options=DIET_LINES)
    add_by_form(organiser_client, event, kind="text", label_de="Firma")
    diet, company = questions_of(event)
    organiser_client.get("/manage/logout")
    response = register_by_form(
        event, client=client, **{form_name(diet): "veg", form_name(company): "Muster"}
    )
    assert response.status_code == 303
    # "vegetarisch" removed from the offered answers, "alles" relabelled
    changed = organiser_client.post(
        f"/manage/events/{event.slug}/questions/{diet.id}",
        data={
            "kind": "choice",
            "label_de": "Essenswunsch",
            "options": "vegan | vegan | vegan\nall | alles außer Fisch | anything but fish",
        },
    )
    assert changed.status_code == 303
    [diet, company] = questions_of(event)
    assert {o["key"]: o["retired"] for o in diet.options} == {
        "vegan": False,
        "all": False,
        "veg": True,  # someone chose it: kept, no longer offered
    }
    # the kind of an answered question cannot change
    refused = organiser_client.post(
        f"/manage/events/{event.slug}/questions/{diet.id}",
        data={"kind": "text", "label_de": "Essen"},
    )
    assert refused.status_code == 422
    assert "Die Art kann sich nicht mehr ändern" in refused.get_data(as_text=True)
    # removing an answered question archives it
    organiser_client.post(f"/manage/events/{event.slug}/questions/{company.id}/remove")
    [_diet, company] = questions_of(event)
    assert company.archived_at is not None
    assert db.session.scalar(select(Answer.value).where(Answer.question_id == company.id)) == (
        "Muster"
    )
    assert form_name(company) not in client.get(f"/events/{event.slug}/register").get_data(
        as_text=True
    )
    listing = organiser_client.get(f"/manage/events/{event.slug}/questions")
    assert "Nicht mehr gefragt" in listing.get_data(as_text=True)
    # ... and still exported, with the retired option's label
    rows = list(
        csv.reader(
            io.StringIO(
                organiser_client.get(f"/manage/events/{event.slug}/attendees.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            ),
            delimiter=";",
        )
    )
    assert rows[0][-2:] == ["Essenswunsch", "Firma (nicht mehr gefragt)"]
    assert rows[1][-2:] == ["vegetarisch", "Muster"]
    # asking it again brings it back to the form
    organiser_client.post(f"/manage/events/{event.slug}/questions/{company.id}/restore")
    assert form_name(company) in client.get(f"/events/{event.slug}/register").get_data(as_text=True)


def test_esf_set_is_added_once(organiser_client, event):
    first = organiser_client.post(f"/manage/events/{event.slug}/questions/esf")
    assert first.status_code == 303
    page = organiser_client.get(f"/manage/events/{event.slug}/questions").get_data(as_text=True)
    assert "4 ESF-Statistikfragen wurden hinzugefügt." in page
    organiser_client.post(f"/manage/events/{event.slug}/questions/esf")
    questions = questions_of(event)
    assert [q.purpose for q in questions] == ["gender", "employment", "age_band", "education"]
    assert all(q.statistical and q.kind == "choice" for q in questions)
    gender = questions[0]
    assert [o["de"] for o in gender.options] == ["weiblich", "männlich", "divers", "keine Angabe"]
    assert [o["key"] for o in questions[2].options] == [
        "under_18",
        "18_29",
        "30_54",
        "55_plus",
        "no_answer",
    ]
    # removed (unanswered, so deleted) and added again: one of each
    organiser_client.post(f"/manage/events/{event.slug}/questions/{gender.id}/remove")
    organiser_client.post(f"/manage/events/{event.slug}/questions/esf")
    assert sorted(q.purpose for q in questions_of(event)) == [
        "age_band",
        "education",
        "employment",
        "gender",
    ]


def _answered_event(event, register_by_form, client, people: int = 3):
    """The ESF set and a sensitive question, answered by `people` people."""
    from eventhub.manage.questions import add_esf_questions

    add_esf_questions(event.id)
    add_question(
        event.id, QuestionData("text", "Barrierefreiheit", "Accessibility", sensitive=True)
    )
    add_question(event.id, QuestionData("boolean", "Parkplatz", "Parking"))
    questions = {q.purpose or q.label_de: q for q in questions_of(event)}
    genders = ["female", "male", "diverse", "no_answer"]
    for n in range(people):
        response = register_by_form(
            event,
            client=client,
            email=f"p{n}@example.org",
            **{
                form_name(questions["gender"]): genders[n % 4],
                form_name(questions["employment"]): "employed",
                form_name(questions["age_band"]): "30_54",
                form_name(questions["education"]): "isced_5_8",
                form_name(questions["Barrierefreiheit"]): "=Rollstuhl",
                form_name(questions["Parkplatz"]): "yes",
            },
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    db.session.rollback()  # see what the requests committed
    return questions


def test_csv_and_xlsx_have_one_column_per_question_statistics_last(
    organiser_client, client, event, register_by_form
):
    _answered_event(event, register_by_form, client, people=2)
    text = organiser_client.get(f"/manage/events/{event.slug}/attendees.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][9:] == [
        "Barrierefreiheit",
        "Parkplatz",
        "Statistik: Geschlecht",
        "Statistik: Erwerbsstatus",
        "Statistik: Alter",
        "Statistik: Höchster Bildungsabschluss",
    ]
    assert rows[1][9:12] == ["'=Rollstuhl", "Ja", "weiblich"]
    assert rows[1][12].startswith("erwerbstätig")
    response = organiser_client.get(f"/manage/events/{event.slug}/attendees.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert list(values[0][9:]) == rows[0][9:]
    assert values[1][9] == "=Rollstuhl"  # a text cell, not a formula
    assert sheet.cell(row=2, column=10).data_type == "s"
    assert values[2][11] == "männlich"
    assert sheet.auto_filter.ref == "A1:O3"
    english = organiser_client.get(f"/manage/events/{event.slug}/attendees.csv?lang=en")
    header = next(
        csv.reader(io.StringIO(english.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert header[9:11] == ["Accessibility", "Parking"] and header[11] == "Statistics: Gender"


def test_export_queries_do_not_grow_with_registrations(
    organiser_client, client, event, register_by_form, query_counter
):
    def statements() -> int:
        with query_counter() as seen:
            for kind in ("csv", "xlsx"):
                response = organiser_client.get(f"/manage/events/{event.slug}/attendees.{kind}")
                assert response.status_code == 200
                response.get_data()
        return len(seen)

    _answered_event(event, register_by_form, client, people=2)
    statements()  # once for what a first request loads and keeps
    few = statements()
    for n in range(2, 12):
        register_by_form(
            event,
            client=client,
            email=f"more{n}@example.org",
            **{
                form_name(q): v
                for q, v in zip(
                    questions_of(event)[:4],
                    ["male", "unemployed", "18_29", "isced_3_4"],
                    strict=True,
                )
            },
        )
    assert statements() == few


def test_registration_page_and_report_show_answers_to_the_events_organisers_only(
    organiser_client, client, event, register_by_form, make_organiser, app
):
    questions = _answered_event(event, register_by_form, client, people=3)
    person = db.session.scalar(
        select(Answer.registration_id).where(Answer.question_id == questions["gender"].id)
    )
    detail = organiser_client.get(f"/manage/events/{event.slug}/registrations/{person}")
    html = detail.get_data(as_text=True)
    assert "Antworten auf die Fragen" in html and "=Rollstuhl" in html and "sensibel" in html
    report = organiser_client.get(f"/manage/events/{event.slug}/report").get_data(as_text=True)
    gender = re.search(r"<caption>Geschlecht</caption>.*?</table>", report, re.S).group(0)
    assert re.search(r"weiblich</th><td>1<", gender)
    assert re.search(r"divers</th><td>1<", gender)
    assert re.search(r"nicht beantwortet</th><td>0<", gender)
    employment = re.search(r"<caption>Erwerbsstatus</caption>.*?</table>", report, re.S).group(0)
    assert re.search(r"\(einschließlich selbstständig\)</th><td>3<", employment)
    main = report.split("<footer", 1)[0]  # the footer links the accessibility statement
    assert "Barrierefreiheit" not in main  # not a statistical question
    # another organisation's organiser sees nothing of it
    make_organiser("other@hwk.example", org="hwk")
    other = app.test_client()
    log_in(other, "other@hwk.example")
    for path in (
        f"/manage/events/{event.slug}/questions",
        f"/manage/events/{event.slug}/registrations/{person}",
        f"/manage/events/{event.slug}/attendees.csv",
        f"/manage/events/{event.slug}/report",
    ):
        assert other.get(path).status_code == 404, path
    assert other.post(f"/manage/events/{event.slug}/questions/esf").status_code == 404
    # nor the public, nor the participant directory
    for path in (f"/events/{event.slug}", f"/events/{event.slug}/register"):
        assert "=Rollstuhl" not in client.get(path).get_data(as_text=True)


def test_sensitive_answers_can_be_purged_first(client, event, register_by_form):
    questions = _answered_event(event, register_by_form, client, people=2)
    with write_transaction() as session:
        assert delete_sensitive_answers(session, event.id) == 2
    db.session.rollback()
    left = set(db.session.scalars(select(Answer.question_id)))
    assert questions["Barrierefreiheit"].id not in left
    assert questions["gender"].id in left


def test_organisers_correct_answers_also_after_the_deadline(
    organiser_client, client, event, register_by_form
):
    import datetime as dt

    import time_machine

    questions = _answered_event(event, register_by_form, client, people=1)
    person = db.session.scalar(select(Answer.registration_id))
    path = f"/manage/events/{event.slug}/registrations/{person}/answers"
    detail = organiser_client.get(f"/manage/events/{event.slug}/registrations/{person}")
    assert path in detail.get_data(as_text=True)
    data = {form_name(q): "no_answer" for q in questions.values() if q.statistical}
    with time_machine.travel(event.starts_at + dt.timedelta(hours=1)):
        bad = organiser_client.post(path, data={**data, form_name(questions["gender"]): "x"})
        assert bad.status_code == 422
        assert "Bitte wählen Sie eine der angebotenen Antworten." in bad.get_data(as_text=True)
        fine = organiser_client.post(path, data={**data, form_name(questions["Parkplatz"]): "no"})
        assert fine.status_code == 303
    db.session.rollback()
    values = dict(
        db.session.execute(
            select(Answer.question_id, Answer.value).where(Answer.registration_id == person)
        ).all()
    )
    assert values[questions["gender"].id] == "no_answer"
    assert values[questions["Parkplatz"].id] is False
    assert questions["Barrierefreiheit"].id not in values  # left empty: removed


def test_mailed_lists_leave_out_sensitive_answers(client, event, register_by_form, outbox):
    """A mailed list travels further than a download behind the login: no diet or
    accessibility needs in it; the statistical and other answers stay."""
    from eventhub.database import write_transaction
    from eventhub.manage.attendee_lists import queue_list

    _answered_event(event, register_by_form, client, people=1)
    with write_transaction():
        queue_list(event, to="erika@example.org", to_name="Erika Muster", language="de")
    [message] = outbox.emails(kind="attendee_list")
    [attachment] = [p for p in message.walk() if (p.get_filename() or "").endswith(".csv")]
    text = attachment.get_payload(decode=True).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert "Barrierefreiheit" not in header and "Rollstuhl" not in text
    assert "Parkplatz" in header and "Statistik: Geschlecht" in header
