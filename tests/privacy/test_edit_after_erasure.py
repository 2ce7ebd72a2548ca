"""A change on its way when the person is erased must not write them back: the
participant's correction, the organiser's edit and answers, the directory profile and
visibility are refused (409) once the registration is anonymised, and nothing is written.

The race is played in the worst order: the request has looked its registration up (the
token still worked), then the erasure commits in another connection, then the change
runs. Without the check under the event lock, the name comes back into the erased row,
and nothing would ever remove it again (a later erasure or purge skips anonymised rows).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventhub.events import registration as registration_service
from eventhub.events.seats import lock_event_of
from eventhub.events.views import registration as registration_views
from eventhub.extensions import db
from eventhub.manage.questions import QuestionData, add_question
from eventhub.models import Answer, NetworkProfile, Question, Registration
from eventhub.network import directory as directory_service
from eventhub.network.views import directory as directory_views
from eventhub.privacy.erasure import erase_person
from tests.conftest import run_together
from tests.manage.conftest import hosted_by, organiser_client  # noqa: F401  (a fixture)

ANONYMISED_DE = "Die personenbezogenen Daten dieser Anmeldung wurden gelöscht"
EMAIL = "jolanthe.radler@example.org"
NAME = {"first_name": "Jolanthe", "last_name": "Radler-Quast"}


def erased_meanwhile(app, monkeypatch, module, name: str) -> None:
    """The view's token lookup in `module.name` finds the registration; right after it,
    the person's erasure commits in another connection (before the view writes)."""
    real = getattr(module, name)

    def lookup_then_erase(token):
        found = real(token)
        assert found is not None
        assert run_together(app, lambda: erase_person(EMAIL), 1) == []
        return found

    monkeypatch.setattr(module, name, lookup_then_erase)


def row(registration_id: int) -> Registration:
    db.session.rollback()
    return db.session.get(Registration, registration_id, populate_existing=True)


def without_the_check(registration_id: int) -> Registration:
    """writable_registration minus its refusal: the lock, but no look at anonymised_at."""
    lock_event_of(registration_id)
    return db.session.get(Registration, registration_id, populate_existing=True)


@pytest.mark.parametrize("guarded", [True, False], ids=["guarded", "control-without-check"])
def test_a_correction_in_flight_does_not_bring_the_name_back(
    app, client, make_event, make_registration, monkeypatch, guarded
):
    event = make_event()
    registration, token = make_registration(event, email=EMAIL, **NAME)
    erased_meanwhile(app, monkeypatch, registration_views, "registration_by_token")
    if not guarded:
        monkeypatch.setattr(registration_service, "writable_registration", without_the_check)
    response = client.post(
        f"/r/{token}",
        data={"first_name": "Jolanthe", "last_name": "Radler-Quast", "organisation": "Q AG"},
    )
    after = row(registration.id)
    assert after.anonymised_at is not None
    if guarded:
        assert response.status_code == 409
        assert ANONYMISED_DE in response.get_data(as_text=True)
        assert (after.first_name, after.last_name, after.organisation) == ("", "", "")
    else:  # the control: the erased row has her name again, for good
        assert response.status_code == 303
        assert (after.first_name, after.organisation) == ("Jolanthe", "Q AG")
        db.session.rollback()
        assert erase_person(EMAIL).anonymised == 0  # a second erasure skips the row
        assert row(registration.id).first_name == "Jolanthe"


def test_an_erased_registration_has_no_private_page(client, make_event, make_registration):
    event = make_event()
    registration, token = make_registration(event, email=EMAIL, **NAME)
    erase_person(EMAIL)
    assert client.get(f"/r/{token}").status_code == 404
    assert client.post(f"/r/{token}", data={**NAME}).status_code == 404
    assert client.get(f"/r/{token}/network").status_code == 404
    assert row(registration.id).first_name == ""


def test_the_organiser_cannot_write_into_an_anonymised_registration(
    organiser_client,  # noqa: F811
    make_event,
    make_registration,
):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    add_question(event.id, QuestionData("text", "Ihre Frage", "Your question"))
    question = db.session.scalar(select(Question).where(Question.event_id == event.id))
    registration, _t = make_registration(event, email=EMAIL, **NAME)
    erase_person(EMAIL)
    base = f"/manage/events/{event.slug}/registrations/{registration.id}"

    page = organiser_client.get(base)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ANONYMISED_DE in html
    assert 'name="first_name"' not in html and f"{base}/answers" not in html
    assert f"{base}/renew-link" not in html
    answers_page = organiser_client.get(f"{base}/answers").get_data(as_text=True)
    assert ANONYMISED_DE in answers_page and f'name="q-{question.id}"' not in answers_page

    edit = organiser_client.post(
        base,
        data={
            **NAME,
            "email": EMAIL,
            "organisation": "Radler GmbH",
            "organisation_type": "counselling",
        },
    )
    assert edit.status_code == 409 and ANONYMISED_DE in edit.get_data(as_text=True)
    answers = organiser_client.post(f"{base}/answers", data={f"q-{question.id}": "Rollstuhl"})
    assert answers.status_code == 409 and ANONYMISED_DE in answers.get_data(as_text=True)
    renew = organiser_client.post(f"{base}/renew-link")
    assert renew.status_code == 409

    after = row(registration.id)
    assert (after.first_name, after.email, after.organisation) == ("", "", "")
    assert after.token_hash.startswith("anonymised-")
    assert not db.session.scalar(
        select(func.count()).where(Answer.registration_id == registration.id)
    )


@pytest.mark.parametrize("action", ["profile", "visibility"])
def test_a_directory_change_in_flight_is_refused(
    app, client, make_event, make_registration, monkeypatch, action
):
    event = make_event()
    registration, token = make_registration(event, email=EMAIL, **NAME)
    erased_meanwhile(app, monkeypatch, directory_views, "participant")
    data = (
        {
            "action": "profile",
            "offers": ["recognition"],
            "offers_text": "Anerkennungsberatung von Jolanthe",
            "seeks_text": "",
            "organisation": "Radler GmbH",
            "job_title": "Leitung",
        }
        if action == "profile"
        else {"action": "visibility", "visibility": "participants"}
    )
    response = client.post(f"/r/{token}/network", data=data)
    assert response.status_code == 409
    assert ANONYMISED_DE in response.get_data(as_text=True)
    after = row(registration.id)
    assert (after.organisation, after.job_title, after.directory_visibility) == ("", "", "hidden")
    assert not db.session.scalar(
        select(func.count()).where(NetworkProfile.registration_id == registration.id)
    )


def test_the_services_refuse_an_anonymised_registration(make_event, make_registration):
    from eventhub.events.questions import change_answers
    from eventhub.events.seats import RegistrationAnonymised

    event = make_event()
    registration, _t = make_registration(event, email=EMAIL, **NAME)
    erase_person(EMAIL)
    db.session.rollback()
    for change in (
        lambda: registration_service.update_registration(registration.id, first_name="J"),
        lambda: change_answers(registration.id, {}, by_organiser=True),
        lambda: directory_service.set_visibility(registration.id, "participants"),
        lambda: directory_service.save_profile(
            registration.id,
            offers=[],
            seeks=[],
            offers_text="x",
            seeks_text="",
            organisation="Radler GmbH",
            job_title="",
        ),
        lambda: registration_service.renew_manage_link(registration.id),
    ):
        with pytest.raises(RegistrationAnonymised):
            change()
    assert row(registration.id).first_name == ""
