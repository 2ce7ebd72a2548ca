"""Organisers add people without the address confirmation that public forms need."""

from __future__ import annotations

from tests.events.test_confirm_address import statuses
from tests.manage.conftest import hosted_by


def test_organisers_and_the_api_register_without_confirmation(organiser_client, make_event, outbox):
    event = make_event(capacity=3, confirm_email=True, hosts=hosted_by("ihk-nrw"))
    response = organiser_client.post(
        f"/manage/events/{event.slug}/registrations/new",
        data={"first_name": "Per", "last_name": "Telefon", "email": "tel@example.org"},
    )
    assert response.status_code == 303
    assert statuses(event.id) == ["confirmed"]
    assert [row.kind for row in outbox()] == ["confirmation"]
