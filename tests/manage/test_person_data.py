"""Organisers on a person's request: export and erase what THEIR organisation's events
hold about a registration's address (never another organisation's), each audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import AuditEntry, Organisation, Question, Registration, User
from tests.manage.conftest import hosted_by, log_in

ANNA = "anna.anfrage@example.org"


def setup_people(make_organiser, make_event, make_registration):
    make_organiser("a@ihk.example", "ihk-nrw")
    make_organiser("b@hwk.example", "hwk-leipzig")
    ours = make_event(title="IHK Abend der Ausbildung", hosts=hosted_by("ihk-nrw"))
    theirs = make_event(
        title="HWK Geheimtreffen", hosts=hosted_by("hwk-leipzig", name="HWK Leipzig")
    )
    question = Question(event_id=theirs.id, kind="text", label_de="HWK-Frage", position=1)
    db.session.add(question)
    db.session.commit()
    anna, _t = make_registration(ours, first_name="Annika", last_name="Anfrage", email=ANNA)
    at_theirs, _t = make_registration(
        theirs,
        first_name="Annika",
        last_name="Anfrage",
        email=ANNA,
        organisation="Annika bei der HWK",
        answers={question.id: "HWK-Antwort von Annika"},
    )
    make_registration(ours, first_name="Bertram", last_name="Danebenstehend")
    return ours, theirs, anna, at_theirs


def organisation_id(slug: str) -> int:
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))


def test_export_holds_only_this_organisations_events_and_is_audited(
    client, make_organiser, make_event, make_registration
):
    ours, theirs, anna, _at_theirs = setup_people(make_organiser, make_event, make_registration)
    log_in(client, "a@ihk.example")
    page = client.get(f"/manage/events/{ours.slug}/registrations/{anna.id}")
    assert "Daten dieser Person exportieren (JSON)" in page.get_data(as_text=True)
    response = client.get(f"/manage/events/{ours.slug}/registrations/{anna.id}/person-data.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert [r["event"]["title"] for r in data["registrations"]] == [ours.title]
    assert [m["event"] for m in data["mails"]] == [ours.title]  # her confirmation there
    for foreign in ("HWK", "Geheimtreffen", "Bertram", "Danebenstehend"):
        assert foreign not in text, foreign
    assert data["participant_feed"] is None and data["access_requests"] == []
    db.session.rollback()
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.export"))
    organiser = db.session.scalar(select(User).where(User.email == "a@ihk.example"))
    assert (entry.organisation_id, entry.event_id, entry.user_id, entry.rows) == (
        organisation_id("ihk-nrw"),
        ours.id,
        organiser.id,
        2,
    )


def test_erasure_touches_only_this_organisations_events_and_is_audited(
    client, make_organiser, make_event, make_registration, outbox
):
    ours, theirs, anna, at_theirs = setup_people(make_organiser, make_event, make_registration)
    log_in(client, "a@ihk.example")
    url = f"/manage/events/{ours.slug}/registrations/{anna.id}/erase"
    assert "Daten dieser Person löschen" in client.get(url).get_data(as_text=True)
    unconfirmed = client.post(url, data={})
    assert unconfirmed.status_code == 422
    assert "Bitte bestätigen Sie die Löschung" in unconfirmed.get_data(as_text=True)
    db.session.rollback()
    # The form named her (audited as such); nothing was erased yet.
    assert db.session.scalars(select(AuditEntry.action)).all() == ["person.erase_form"]
    done = client.post(url, data={"confirm": "y"})
    assert done.headers["Location"] == f"/manage/events/{ours.slug}"
    db.session.rollback()
    erased = db.session.get(Registration, anna.id)
    assert (erased.status, erased.first_name, erased.email) == ("cancelled", "", "")
    assert [r.recipient for r in outbox(kind="cancellation")] == [ANNA]
    kept = db.session.get(Registration, at_theirs.id)
    assert (kept.status, kept.first_name, kept.organisation) == (
        "confirmed",
        "Annika",
        "Annika bei der HWK",
    )
    # Her mail from the other organisation's event is untouched too.
    assert [r.status for r in outbox(recipient=ANNA, kind="confirmation")] == ["queued"] * 2
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.erase"))
    assert (entry.organisation_id, entry.event_id) == (organisation_id("ihk-nrw"), ours.id)
    assert entry.rows >= 1


def test_other_organisers_get_nothing(client, make_organiser, make_event, make_registration):
    ours, _theirs, anna, _at = setup_people(make_organiser, make_event, make_registration)
    log_in(client, "b@hwk.example")
    base = f"/manage/events/{ours.slug}/registrations/{anna.id}"
    assert client.get(f"{base}/person-data.json").status_code == 404
    assert client.post(f"{base}/erase", data={"confirm": "y"}).status_code == 404
    db.session.rollback()
    assert db.session.get(Registration, anna.id).first_name == "Annika"
    assert db.session.scalar(select(AuditEntry)) is None
