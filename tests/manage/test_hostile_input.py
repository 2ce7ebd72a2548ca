"""Hostile workspace input gets a 4xx with a message, never a 500 (on PostgreSQL a NUL
byte used to reach the database as psycopg.DataError)."""

from __future__ import annotations

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Event
from tests.manage.conftest import hosted_by
from tests.manage.test_events import event_form, org_id


def test_a_capacity_of_400_digits_is_a_form_error(organiser_client):
    for capacity in ("9" * 400, "-" + "9" * 400, "1" * 10):
        response = organiser_client.post(
            "/manage/events/new", data=event_form(org_id("ihk-nrw"), capacity=capacity)
        )
        assert response.status_code == 422, capacity
        assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Event.id)) is None


def test_nul_in_a_host_organisation_field_is_400(organiser_client):
    for field in ("hosts-0-organisation", "host_organisation", "title", "agenda-0-title"):
        data = event_form(org_id("ihk-nrw"), **{field: "hwk\x00leipzig"})
        response = organiser_client.post("/manage/events/new", data=data)
        assert response.status_code == 400, field
        assert "Steuerzeichen" in response.get_data(as_text=True)
    assert db.session.scalar(select(Event.id)) is None


def test_text_areas_keep_their_line_breaks_and_tabs(organiser_client):
    description = "Ablauf:\r\n\t- Begrüßung\r\n\t- Austausch"
    data = event_form(org_id("ihk-nrw"), description=description, summary="Zeile 1\nZeile 2")
    response = organiser_client.post("/manage/events/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.rollback()  # see what the request committed
    event = db.session.scalar(select(Event))
    assert "\t- Begrüßung" in event.description
    line_break = event_form(org_id("ihk-nrw"), title="Titel\nmit Umbruch")
    assert organiser_client.post("/manage/events/new", data=line_break).status_code == 400


def test_nul_in_the_search_of_registrations_and_check_in_is_400(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    for page in ("", "/checkin"):
        response = organiser_client.get(f"/manage/events/{event.slug}{page}?q=M%00ller")
        assert response.status_code == 400, page
        assert "Steuerzeichen" in response.get_data(as_text=True)
        assert (
            organiser_client.get(f"/manage/events/{event.slug}{page}?q=Müller").status_code == 200
        )
