"""Workspace actions that write mail."""

from __future__ import annotations

from eventhub.extensions import db
from eventhub.models import OutboxMessage
from tests.manage.conftest import hosted_by


def test_organiser_asks_for_the_list(organiser_client, make_event, make_registration, outbox):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event)
    response = organiser_client.post(f"/manage/events/{event.slug}/send-list")
    assert response.status_code == 303
    row = outbox(kind="attendee_list")[0]
    assert row.recipient == "orga@ihk.example"


def test_edit_page_says_how_many_will_be_mailed(organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event)
    make_registration(event)
    html = organiser_client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert "erhalten 2 Teilnehmende eine aktualisierte Kalendereinladung" in html


def test_organiser_revokes_a_private_link(
    client, organiser_client, make_event, make_registration, outbox
):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    registration, old_token = make_registration(event)
    response = organiser_client.post(
        f"/manage/events/{event.slug}/registrations/{registration.id}/renew-link"
    )
    assert response.status_code == 303
    assert organiser_client.get(f"/r/{old_token}").status_code == 404
    rows = outbox(kind="confirmation")
    assert len(rows) == 2 and {r.recipient for r in rows} == {registration.email}


def test_undeliverable_mail_is_shown_to_the_organiser(
    organiser_client, make_event, make_registration
):
    from sqlalchemy import update

    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event, email="gibt-es-nicht@example.org")
    db.session.execute(
        update(OutboxMessage).values(status="failed", last_error="550 5.1.1 Mailbox unknown")
    )
    db.session.commit()
    html = organiser_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert "gibt-es-nicht@example.org" in html and "550 5.1.1 Mailbox unknown" in html
