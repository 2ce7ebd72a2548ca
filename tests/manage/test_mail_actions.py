"""Workspace actions that write mail."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import OutboxMessage
from tests.manage.conftest import hosted_by


def test_organiser_asks_for_the_list(organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event)
    response = organiser_client.post(f"/manage/events/{event.slug}/send-list")
    assert response.status_code == 303
    db.session.rollback()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "attendee_list"))
    assert row.recipient == "orga@ihk.example"


def test_edit_page_says_how_many_will_be_mailed(organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event)
    make_registration(event)
    html = organiser_client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert "erhalten 2 Teilnehmende eine aktualisierte Kalendereinladung" in html
