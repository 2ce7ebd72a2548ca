"""The feedback report in the workspace (issue 15): the numbers, the charts with their
table, the answers (named only when the survey is not anonymous), the exports opened
as files, the event form's settings, and 404 for anyone not organising the event."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from eventhub.events.feedback import SurveyAnswer, submit_feedback
from eventhub.events.records import event_to_dict
from eventhub.extensions import db
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import Event, FeedbackInvite, Registration
from tests.events.test_feedback import ENDS, QUESTIONS, ended_event
from tests.manage.conftest import hosted_by, log_in
from tests.manage.test_events import event_form, org_id

INJECTION = '=HYPERLINK("http://evil.example","klick")'


def answered_event(make_event, **feedback):
    """Three people asked, two answered: 5 and 4, one comment that looks like a formula."""
    event = ended_event(
        make_event,
        checked_in=("anna", "bernd"),
        others=("carla",),
        hosts=hosted_by("ihk-nrw"),
        audience="confirmed",
        **feedback,
    )
    run_scheduled(ENDS + dt.timedelta(hours=2))
    db.session.rollback()
    invites = {
        registration.last_name: invite.id
        for invite, registration in db.session.execute(
            select(FeedbackInvite, Registration).join(
                Registration, Registration.id == FeedbackInvite.registration_id
            )
        )
    }
    moment = ENDS + dt.timedelta(days=1)
    submit_feedback(
        invites["anna"],
        SurveyAnswer(
            5,
            ["talks", "contacts"],
            "Sehr hilfreich, Grüße aus Köln",
            [
                {"question": QUESTIONS[0]["label"], "answer": "gut"},
                {"question": QUESTIONS[1]["label"], "answer": "Förderung"},
            ],
        ),
        moment,
    )
    submit_feedback(
        invites["bernd"],
        SurveyAnswer(
            4, ["contacts"], INJECTION, [{"question": QUESTIONS[0]["label"], "answer": ""}]
        ),
        moment,
    )
    return event


def test_the_report_shows_the_numbers_charts_and_answers(make_event, organiser_client):
    event = answered_event(make_event)
    page = organiser_client.get(f"/manage/events/{event.slug}/feedback")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<dt>Eingeladen</dt><dd>3</dd>" in body
    assert "<dt>Antworten</dt><dd>2</dd>" in body
    assert "<dt>Rücklaufquote</dt><dd>67 %</dd>" in body
    assert "<dt>Durchschnittliche Bewertung</dt><dd>4,5</dd>" in body
    assert body.count("<svg") == 2 and "Als Tabelle anzeigen" in body
    assert '<th scope="row">Neue Kontakte</th><td>2</td>' in body  # most useful, as a table
    assert '<th scope="row">5</th><td>1</td>' in body and '<th scope="row">3</th><td>0</td>' in body
    assert '<th scope="row">gut</th><td>1</td>' in body  # an organiser's choice question
    assert "<li>Förderung</li>" in body  # an organiser's free-text question
    assert "Sehr hilfreich, Grüße aus Köln" in body
    assert "Dana anna" not in body and "Dana bernd" not in body  # anonymous
    english = organiser_client.get(f"/manage/events/{event.slug}/feedback?lang=en")
    assert "<dt>Average rating</dt><dd>4.5</dd>" in english.get_data(as_text=True)


def test_a_named_survey_shows_who_answered(make_event, organiser_client):
    event = answered_event(make_event, anonymous=False)
    body = organiser_client.get(f"/manage/events/{event.slug}/feedback").get_data(as_text=True)
    assert "<td>Dana anna</td>" in body and "<td>Dana bernd</td>" in body
    rows = list(
        csv.reader(
            io.StringIO(
                organiser_client.get(f"/manage/events/{event.slug}/feedback.csv")
                .get_data()
                .decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert rows[0][-1] == "Name" and {rows[1][-1], rows[2][-1]} == {"Dana anna", "Dana bernd"}


def test_the_csv_export(make_event, organiser_client):
    event = answered_event(make_event)
    response = organiser_client.get(f"/manage/events/{event.slug}/feedback.csv")
    assert response.status_code == 200
    assert f'filename="{event.slug}-feedback.csv"' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Bewertung (1–5)",
        "Am nützlichsten",
        "Kommentar",
        "Wie fanden Sie den Ort?",
        "Welches Thema fehlte?",
    ]
    assert rows[1] == [
        "5",
        "Vorträge und Präsentationen, Neue Kontakte",
        "Sehr hilfreich, Grüße aus Köln",
        "gut",
        "Förderung",
    ]
    assert rows[2][0] == "4" and rows[2][2] == "'" + INJECTION  # formula-safe


def test_the_xlsx_export(make_event, organiser_client):
    event = answered_event(make_event)
    response = organiser_client.get(f"/manage/events/{event.slug}/feedback.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Feedback-Übersicht", "Antworten"]
    summary = {row[0]: row[1] for row in book["Feedback-Übersicht"].iter_rows(values_only=True)}
    assert summary["Eingeladen"] == 3 and summary["Antworten"] == 2
    assert summary["Rücklaufquote (%)"] == 67 and summary["Durchschnittliche Bewertung"] == 4.5
    assert summary["Bewertung 5"] == 1 and summary["Bewertung 1"] == 0
    assert summary["Am nützlichsten: Neue Kontakte"] == 2
    assert summary["Wie fanden Sie den Ort?: gut"] == 1
    answers = book["Antworten"]
    assert answers["A2"].value == 5 and answers["C2"].value == "Sehr hilfreich, Grüße aus Köln"
    cell = answers["C3"]
    assert cell.value == INJECTION and cell.data_type == "s" and cell.quotePrefix


def test_no_answers_yet(make_event, organiser_client):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    body = organiser_client.get(f"/manage/events/{event.slug}/feedback").get_data(as_text=True)
    assert "Noch keine Antworten." in body and "ausgeschaltet" in body
    book = openpyxl.load_workbook(
        io.BytesIO(organiser_client.get(f"/manage/events/{event.slug}/feedback.xlsx").get_data())
    )
    assert book["Antworten"].max_row == 1


ROUTES = ("/feedback", "/feedback.csv", "/feedback.xlsx")


@pytest.mark.parametrize("route", ROUTES)
def test_another_organisations_organiser_gets_404(make_event, client, make_organiser, route):
    event = answered_event(make_event)
    make_organiser("fremd@hwk.example", "hwk-leipzig")
    assert log_in(client, "fremd@hwk.example").status_code == 303
    assert client.get(f"/manage/events/{event.slug}{route}").status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_not_logged_in_goes_to_the_login(make_event, client, route):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    response = client.get(f"/manage/events/{event.slug}{route}")
    assert response.status_code in (302, 303)
    assert "/manage/login" in response.headers["Location"]


def test_the_event_form_saves_and_checks_the_feedback_settings(organiser_client):
    client = organiser_client
    data = event_form(
        org_id("ihk-nrw"),
        title="Mit Feedback",
        feedback_enabled="y",
        feedback_audience="confirmed",
        feedback_questions="Wie war der Ort? | gut | schlecht\nWas fehlte?",
    )
    assert client.post("/manage/events/new", data=data).status_code == 303
    db.session.rollback()
    event = db.session.scalar(select(Event).where(Event.title == "Mit Feedback"))
    assert (event.feedback_enabled, event.feedback_audience, event.feedback_anonymous) == (
        True,
        "confirmed",
        True,
    )
    assert event.feedback_questions == [
        {"label": "Wie war der Ort?", "choices": ["gut", "schlecht"]},
        {"label": "Was fehlte?", "choices": []},
    ]
    assert event_to_dict(event)["feedback"]["questions"][1] == {
        "label": "Was fehlte?",
        "choices": [],
    }
    page = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert "Feedback nach der Veranstaltung" in page and "Wie war der Ort? | gut | schlecht" in page
    named = event_form(org_id("ihk-nrw"), title="Mit Feedback", feedback_named="y")
    assert client.post(f"/manage/events/{event.slug}/edit", data=named).status_code == 303
    db.session.rollback()
    event = db.session.get(Event, event.id)
    assert (event.feedback_enabled, event.feedback_anonymous) == (False, False)
    for bad, message in (
        ("Ort? | nur eine", "zwei bis acht Möglichkeiten"),
        ("Ort? | a | a", "müssen sich unterscheiden"),
        ("x" * 201, "höchstens 200 Zeichen"),
        ("\n".join(f"Frage {n}?" for n in range(6)), "höchstens fünf eigene Fragen"),
    ):
        wrong = event_form(org_id("ihk-nrw"), title="Mit Feedback", feedback_questions=bad)
        response = client.post(f"/manage/events/{event.slug}/edit", data=wrong)
        assert response.status_code == 422, bad
        assert message in response.get_data(as_text=True), bad
    wrong = event_form(org_id("ihk-nrw"), title="Mit Feedback", feedback_audience="alle")
    assert client.post(f"/manage/events/{event.slug}/edit", data=wrong).status_code == 422


def test_the_event_record_carries_the_feedback_settings(make_event):
    from eventhub.events.schema import EventRecord
    from tests.conftest import event_record

    event = make_event(feedback={"enabled": True, "audience": "confirmed", "questions": QUESTIONS})
    exported = event_to_dict(event)["feedback"]
    assert exported == {
        "enabled": True,
        "audience": "confirmed",
        "anonymous": True,
        "questions": [{"label": q["label"], "choices": q.get("choices", [])} for q in QUESTIONS],
    }
    assert make_event().feedback_enabled is False
    with pytest.raises(ValueError):
        EventRecord.model_validate(event_record(feedback={"audience": "everyone"}))
    with pytest.raises(ValueError):
        EventRecord.model_validate(
            event_record(feedback={"questions": [{"label": f"q{n}"} for n in range(6)]})
        )


def test_the_summary_for_other_reports_needs_no_request(make_event, app):
    """feedback_summary is what other reports (the funder report) reuse: plain numbers,
    built without a request (a mail, a PDF, the command line), labels translated later."""
    from flask_babel import force_locale

    from eventhub.events.feedback import feedback_summary

    event = answered_event(make_event)
    summary = feedback_summary(event)
    assert (summary.invited, summary.answers, summary.average) == (3, 2, 4.5)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert round(summary.response_rate, 3) == 0.667
    assert [(key, count) for key, _label, count in summary.most_useful] == [
        ("contacts", 2),
        ("talks", 1),
    ]
    with force_locale("en"):
        assert str(summary.most_useful[0][1]) == "New contacts"
