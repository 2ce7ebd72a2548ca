"""Consent records (issue 16): every registration, directory opt-in, contact request, named
feedback and statistics answer writes exactly the right record with the configured
notice version; withdrawals are recorded; anonymous feedback stays unlinkable; the forms
state the legal basis; the private page lists the person's consents."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.manage.questions import QuestionData, add_esf_questions, add_question
from eventhub.models import Answer, ConsentRecord, FeedbackResponse, Question, Registration
from tests.api.test_organiser_api import PERSON, bearer, issue_token  # noqa: F401
from tests.events.test_feedback import ENDS, answer, at, ended_event, schedule, survey_link
from tests.events.test_group_registration import PEOPLE, group_form
from tests.manage.conftest import hosted_by, make_organiser, organiser_client  # noqa: F401

# Not the shipped default: the records must carry what the configuration says.
NOTICE = "2031-07-test"


@pytest.fixture
def app(app_factory):
    app = app_factory(PRIVACY_NOTICE_VERSION=NOTICE)
    with app.app_context():
        yield app


def records(email: str | None = None) -> list[tuple[str, str, str, str]]:
    """(purpose, action, notice version, source) of the person's records, oldest first;
    everyone's without `email`."""
    db.session.rollback()  # see what the requests committed
    query = select(
        ConsentRecord.purpose,
        ConsentRecord.action,
        ConsentRecord.notice_version,
        ConsentRecord.source,
    ).order_by(ConsentRecord.id)
    if email is not None:
        query = query.join(Registration, Registration.id == ConsentRecord.registration_id).where(
            Registration.email == email
        )
    return [tuple(row) for row in db.session.execute(query)]


def registration_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(Registration.id).where(Registration.email == email))


def token_in(response) -> str:
    return re.search(r"/r/([^/?]+)", response.headers["Location"]).group(1)


# --- registrations ------------------------------------------------------------------------


def test_a_web_registration_records_the_notice_version_shown(make_event, register_by_form):
    event = make_event()
    assert register_by_form(event).status_code == 303
    assert records("j.mueller@example.org") == [("registration", "given", NOTICE, "web")]
    listed = register_by_form(event, email="listed@example.org", show_in_directory="y")
    assert listed.status_code == 303
    assert records("listed@example.org") == [
        ("registration", "given", NOTICE, "web"),
        ("directory", "given", NOTICE, "web"),
    ]


def test_a_refused_registration_leaves_no_record(make_event, register_by_form):
    """Same transaction as the registration: refused (full), nothing is recorded."""
    event = make_event(capacity=1)
    assert register_by_form(event).status_code == 303
    refused = register_by_form(event, email="second@example.org", show_in_directory="y")
    assert refused.status_code == 409
    assert records() == [("registration", "given", NOTICE, "web")]


def test_a_group_registration_records_one_per_registered_person(client, make_event):
    event = make_event(capacity=10)
    response = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert response.status_code == 303
    for _first, _last, email in PEOPLE:
        assert records(email) == [("registration", "given", NOTICE, "group")]
    assert len(records()) == len(PEOPLE)  # the contact person is not registered


def test_organisers_registrations_record_their_source(
    client,
    organiser_client,  # noqa: F811
    make_event,
    issue_token,  # noqa: F811
):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=10)
    by_hand = {**PERSON, "email": "hand@example.org", "job_title": ""}
    response = organiser_client.post(f"/manage/events/{event.slug}/registrations/new", data=by_hand)
    assert response.status_code == 303
    assert records("hand@example.org") == [("registration", "given", NOTICE, "manual")]
    response = client.post(
        f"/api/v1/organiser/events/{event.slug}/registrations",
        json={**PERSON, "show_in_directory": True},
        headers=bearer(issue_token()),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert records(PERSON["email"]) == [
        ("registration", "given", NOTICE, "api"),
        ("directory", "given", NOTICE, "api"),
    ]


def test_the_version_is_read_when_the_act_happens(app, make_event, register_by_form):
    event = make_event()
    register_by_form(event, email="before@example.org")
    app.config["PRIVACY_NOTICE_VERSION"] = "2032-01-second"
    register_by_form(event, email="after@example.org")
    assert records("before@example.org")[0][2] == NOTICE
    assert records("after@example.org")[0][2] == "2032-01-second"


# --- directory ----------------------------------------------------------------------------


def test_directory_opt_in_and_withdrawal_are_recorded(client, make_event, register_by_form):
    event = make_event()
    token = token_in(register_by_form(event))
    path = f"/r/{token}/network"

    def choose(visibility: str) -> None:
        response = client.post(path, data={"action": "visibility", "visibility": visibility})
        assert response.status_code == 303

    choose("participants")
    choose("registered")  # listed either way: no new consent
    choose("hidden")
    choose("hidden")  # nothing changes: nothing recorded
    assert records("j.mueller@example.org") == [
        ("registration", "given", NOTICE, "web"),
        ("directory", "given", NOTICE, "web"),
        ("directory", "withdrawn", NOTICE, "web"),
    ]


def test_cancelling_records_no_withdrawal_but_ends_the_listing(
    client, make_event, register_by_form
):
    """A decision documented in the README: cancelling is not withdrawing the consent, and
    a cancelled registration is never listed (NETWORKING_STATUSES)."""
    event = make_event()
    token = token_in(register_by_form(event, show_in_directory="y"))
    assert client.post(f"/r/{token}/cancel").status_code == 303
    assert [r[:2] for r in records()] == [("registration", "given"), ("directory", "given")]


# --- contact requests ---------------------------------------------------------------------


def test_contact_requests_record_the_sender_on_sending_and_the_recipient_on_accepting(
    client, make_event, register_by_form, outbox
):
    event = make_event()
    anna = token_in(register_by_form(event, email="anna@example.org", show_in_directory="y"))
    register_by_form(event, email="bernd@example.org", show_in_directory="y")
    bernd_id = registration_id("bernd@example.org")
    sent = client.post(
        f"/r/{anna}/network/contact/{bernd_id}", data={"message": "Sprechen wir in der Pause?"}
    )
    assert sent.status_code == 303
    assert records("anna@example.org")[-1] == ("contact_request", "given", NOTICE, "web")
    assert ("contact_request", "given", NOTICE, "web") not in records("bernd@example.org")
    text = outbox.text(outbox.last(kind="contact_request"))
    answer_token = re.search(r"/network/requests/([A-Za-z0-9_-]+)\?answer=accept", text).group(1)
    accepted = client.post(f"/network/requests/{answer_token}", data={"answer": "accept"})
    assert accepted.status_code == 303
    assert records("bernd@example.org")[-1] == ("contact_request", "given", NOTICE, "web")
    assert [r[0] for r in records("anna@example.org")].count("contact_request") == 1


def test_declining_a_contact_request_records_nothing_for_the_recipient(
    client, make_event, register_by_form, outbox
):
    event = make_event()
    anna = token_in(register_by_form(event, email="anna@example.org", show_in_directory="y"))
    register_by_form(event, email="bernd@example.org", show_in_directory="y")
    bernd_id = registration_id("bernd@example.org")
    client.post(f"/r/{anna}/network/contact/{bernd_id}", data={"message": "Hallo!"})
    text = outbox.text(outbox.last(kind="contact_request"))
    answer_token = re.search(r"/network/requests/([A-Za-z0-9_-]+)\?answer=accept", text).group(1)
    client.post(f"/network/requests/{answer_token}", data={"answer": "decline"})
    assert [r[0] for r in records("bernd@example.org")] == ["registration", "directory"]


# --- feedback -----------------------------------------------------------------------------


def test_anonymous_feedback_leaves_no_consent_record_and_carries_the_version(
    make_event, runner, outbox, client
):
    ended_event(make_event)
    before = records()
    with at(ENDS + dt.timedelta(hours=2)):
        schedule(runner)
        assert answer(client, survey_link(outbox, "came")).status_code == 303
    assert records() == before  # nothing tied to the person, and no time of answering
    db.session.rollback()
    response = db.session.scalar(select(FeedbackResponse))
    assert response.registration_id is None and response.notice_version == NOTICE


def test_named_feedback_records_a_feedback_consent(make_event, runner, outbox, client):
    ended_event(make_event, anonymous=False)
    with at(ENDS + dt.timedelta(hours=2)):
        schedule(runner)
        assert answer(client, survey_link(outbox, "came")).status_code == 303
    assert records("came@example.org")[-1] == ("feedback", "given", NOTICE, "web")
    assert db.session.scalar(select(FeedbackResponse.notice_version)) == NOTICE
    assert all(r[0] != "feedback" for r in records("stayed_home@example.org"))


# --- statistics ---------------------------------------------------------------------------


def esf_event(make_event):
    event = make_event(capacity=20)
    add_esf_questions(event.id)
    db.session.rollback()
    return event, {
        q.purpose: q.id
        for q in db.session.scalars(select(Question).where(Question.event_id == event.id))
    }


def all_declined(ids: dict[str, int]) -> dict[str, str]:
    return {f"question-{qid}": "no_answer" for qid in ids.values()}


def test_statistics_answers_record_a_consent_but_prefer_not_to_say_does_not(
    make_event, register_by_form
):
    event, ids = esf_event(make_event)
    declined = all_declined(ids)
    assert register_by_form(event, email="none@example.org", **declined).status_code == 303
    assert [r[0] for r in records("none@example.org")] == ["registration"]
    shared = {**declined, f"question-{ids['gender']}": "female"}
    assert register_by_form(event, email="some@example.org", **shared).status_code == 303
    assert records("some@example.org") == [
        ("registration", "given", NOTICE, "web"),
        ("statistics", "given", NOTICE, "web"),
    ]


def test_the_form_says_statistics_are_voluntary_and_offers_prefer_not_to_say(client, make_event):
    event, _ids = esf_event(make_event)
    german = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'id="statistics-note"' in german
    assert "freiwillig" in german and "Einwilligung" in german and "keine Angabe" in german
    english = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "voluntary and based on your consent" in english and "prefer not to say" in english


def test_a_statistics_question_without_prefer_not_to_say_is_never_required(
    make_event, register_by_form
):
    """Consent-based: a custom statistical question the organisers marked required can
    still be left open (it has no "prefer not to say" option)."""
    event = make_event()
    add_question(
        event.id,
        QuestionData(
            "choice",
            "Herkunftsland",
            "Country of origin",
            required=True,
            statistical=True,
            options=[{"key": "de", "de": "Deutschland", "en": "Germany"}],
        ),
    )
    assert register_by_form(event).status_code == 303
    assert [r[0] for r in records()] == ["registration"]


def test_withdrawing_statistics_deletes_the_answers_and_is_recorded(
    client, make_event, register_by_form
):
    event, ids = esf_event(make_event)
    note = add_question(event.id, QuestionData("text", "Anmerkung", "Remark"))
    data = {
        **all_declined(ids),
        f"question-{ids['age_band']}": "30_54",
        f"question-{note.id}": "Hallo",
    }
    token = token_in(register_by_form(event, **data))
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Statistikangaben zurückziehen" in page
    response = client.post(f"/r/{token}/statistics/withdraw")
    assert response.headers["Location"].endswith(f"/r/{token}")
    db.session.rollback()
    left = db.session.scalars(select(Answer.question_id)).all()
    assert left == [note.id]  # the statistics answers are gone, the others stay
    assert records()[-1] == ("statistics", "withdrawn", NOTICE, "web")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Statistikangaben zurückziehen" not in page
    # Withdrawing again changes nothing and records nothing.
    client.post(f"/r/{token}/statistics/withdraw")
    assert [r[:2] for r in records()].count(("statistics", "withdrawn")) == 1


def test_changing_statistics_answers_records_given_and_withdrawn(
    client, make_event, register_by_form
):
    event, ids = esf_event(make_event)
    token = token_in(register_by_form(event, **all_declined(ids)))
    shared = {**all_declined(ids), f"question-{ids['gender']}": "diverse"}
    assert client.post(f"/r/{token}/answers", data=shared).status_code == 303
    assert client.post(f"/r/{token}/answers", data=shared).status_code == 303  # no change
    assert client.post(f"/r/{token}/answers", data=all_declined(ids)).status_code == 303
    assert [r[:2] for r in records()] == [
        ("registration", "given"),
        ("statistics", "given"),
        ("statistics", "withdrawn"),
    ]


def test_statistics_answers_an_organiser_enters_are_recorded_as_theirs(
    organiser_client,  # noqa: F811
    make_event,
    register_by_form,
):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=20)
    add_esf_questions(event.id)
    db.session.rollback()
    ids = {
        q.purpose: q.id
        for q in db.session.scalars(select(Question).where(Question.event_id == event.id))
    }
    register_by_form(event, **all_declined(ids))
    path = f"/manage/events/{event.slug}/registrations/{registration_id('j.mueller@example.org')}"
    form = organiser_client.get(f"{path}/answers").get_data(as_text=True)
    assert 'id="statistics-note"' not in form  # the note speaks to the participant
    shared = {**all_declined(ids), f"question-{ids['employment']}": "employed"}
    assert organiser_client.post(f"{path}/answers", data=shared).status_code == 303
    assert records()[-1] == ("statistics", "given", NOTICE, "manual")


def test_withdrawing_works_after_cancelling(client, make_event, register_by_form):
    event, ids = esf_event(make_event)
    shared = {**all_declined(ids), f"question-{ids['education']}": "isced_5_8"}
    token = token_in(register_by_form(event, **shared))
    assert client.post(f"/r/{token}/cancel").status_code == 303
    client.post(f"/r/{token}/statistics/withdraw")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    assert records()[-1][:2] == ("statistics", "withdrawn")


# --- what the person sees ------------------------------------------------------------------


def test_the_private_page_lists_the_persons_consents(client, make_event, register_by_form):
    event = make_event()
    token = token_in(register_by_form(event, show_in_directory="y"))
    client.post(f"/r/{token}/network", data={"action": "visibility", "visibility": "hidden"})
    html = client.get(f"/r/{token}").get_data(as_text=True)
    section = html[html.index('id="consents-heading"') :]
    assert "Ihre Einwilligungen" in section
    assert section.count(NOTICE) == 3
    assert "Eintrag im Teilnehmendenverzeichnis" in section and "widerrufen" in section
    english = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "Your consents" in english and "Listing in the participant directory" in english
    assert "Withdrawn" in english


def test_another_persons_consents_are_not_on_my_page(client, make_event, register_by_form):
    event = make_event()
    mine = token_in(register_by_form(event))
    register_by_form(event, email="other@example.org", show_in_directory="y")
    section = client.get(f"/r/{mine}").get_data(as_text=True)
    assert section.count(NOTICE) == 1


# --- the forms' wording -------------------------------------------------------------------


def test_the_registration_form_states_the_legal_basis_in_german_and_english(client, make_event):
    event = make_event()
    german = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Art. 6 Abs. 1 lit. b und e DSGVO" in german
    assert "Ich habe die Datenschutzhinweise gelesen." in german
    assert "jederzeit auf Ihrer privaten Anmeldeseite widerrufen" in german
    english = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "Art. 6 (1) b and e GDPR" in english and "not on the basis of consent" in english
    assert "I have read the privacy notice." in english
    assert "withdraw at any time" in english
    assert 'name="consent_privacy"' in english and 'name="show_in_directory"' in english


def test_the_group_form_states_the_legal_basis_in_german_and_english(client, make_event):
    event = make_event()
    german = client.get(f"/events/{event.slug}/register/group").get_data(as_text=True)
    assert "Art. 6 Abs. 1 lit. b und e DSGVO" in german
    english = client.get(f"/events/{event.slug}/register/group?lang=en").get_data(as_text=True)
    assert "Art. 6 (1) b and e GDPR" in english
    assert "I have read the privacy notice and will tell the people I register" in english


def test_the_acknowledgement_is_still_required(make_event, register_by_form):
    event = make_event()
    response = register_by_form(event, consent_privacy=None)
    assert response.status_code == 422
    assert "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben." in (
        response.get_data(as_text=True)
    )
    assert records() == []
