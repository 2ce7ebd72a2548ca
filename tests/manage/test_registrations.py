"""Organisers list, add, correct and cancel registrations, check people in, see the report."""

from __future__ import annotations

import re

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Registration
from tests.conftest import in_days
from tests.manage.conftest import hosted_by


def person(**overrides) -> dict:
    data = {
        "first_name": "Maria Isabel",
        "last_name": "Cáceres Guerrero",
        "email": "m.caceres@welcome.example",
        "organisation": "Welcome Center der Region",
        "organisation_type": "counselling",
        "job_title": "Managerin",
    }
    data.update(overrides)
    return data


def test_listing_search_filter_sort(organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event, first_name="Zora", last_name="Zander", organisation="Alpha AG")
    make_registration(event, first_name="Anton", last_name="Adler", organisation="Zeta GmbH")
    gone, _ = make_registration(event, first_name="Carla", last_name="Cancel")
    from eventhub.events.registration import cancel_registration

    cancel_registration(gone.id)
    url = f"/manage/events/{event.slug}"

    def names(query: str = "") -> list[str]:
        html = organiser_client.get(url + query).get_data(as_text=True)
        return re.findall(r"registrations/\d+\">([^<]+)</a>", html)

    assert names() == ["Adler, Anton", "Cancel, Carla", "Zander, Zora"]
    assert names("?sort=organisation") == ["Zander, Zora", "Cancel, Carla", "Adler, Anton"]
    assert names("?q=zeta") == ["Adler, Anton"]
    assert names("?status=cancelled") == ["Cancel, Carla"]
    assert names("?status=confirmed") == ["Adler, Anton", "Zander, Zora"]
    assert organiser_client.get(url + "?sort=evil&status=evil&page=x").status_code == 200


def test_add_by_hand_even_after_the_deadline_but_never_over_capacity(
    organiser_client, make_event, make_registration
):
    event = make_event(
        hosts=hosted_by("ihk-nrw"), capacity=2, registration_closes_at=in_days(-1).isoformat()
    )
    url = f"/manage/events/{event.slug}/registrations/new"
    assert organiser_client.get(url).status_code == 200
    assert organiser_client.post(url, data=person()).status_code == 303
    again = organiser_client.post(url, data=person(email="M.Caceres@welcome.example"))
    assert again.status_code == 409
    assert organiser_client.post(url, data=person(email="b@x.example")).status_code == 303
    full = organiser_client.post(url, data=person(email="c@x.example"))
    assert full.status_code == 409 and "ausgebucht" in full.get_data(as_text=True)
    db.session.rollback()
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
    assert len(rows) == 2 and {r.source for r in rows} == {"manual"}
    bad = organiser_client.post(url, data=person(email="nope", first_name=""))
    assert bad.status_code == 422


def test_edit_and_cancel_frees_the_seat(organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=1)
    registration, _ = make_registration(event)
    url = f"/manage/events/{event.slug}/registrations/{registration.id}"
    assert organiser_client.post(url, data=person()).status_code == 303
    db.session.rollback()
    assert registration.last_name == "Cáceres Guerrero"
    assert registration.email_normalised == "m.caceres@welcome.example"
    assert organiser_client.post(url + "/cancel").status_code == 303
    db.session.rollback()
    assert registration.status == "cancelled" and event.confirmed_count == 0
    assert "1 Platz frei" in organiser_client.get(f"/events/{event.slug}").get_data(as_text=True)
    # cancelling twice changes nothing
    organiser_client.post(url + "/cancel")
    db.session.rollback()
    assert event.confirmed_count == 0


def test_checkin_search_qr_and_counts(app, organiser_client, make_event, make_registration):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event, first_name="Anna", last_name="Öztürk")
    make_registration(event, first_name="Ben", last_name="Berg")
    page = organiser_client.get(f"/manage/events/{event.slug}/checkin?q=özt")
    html = page.get_data(as_text=True)
    assert "Öztürk, Anna" in html and "Berg" not in html
    assert "0 von 2 eingecheckt" in html

    qr = organiser_client.get(f"/manage/events/{event.slug}/registrations/{anna.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data

    from eventhub.urls import checkin_code

    with app.test_request_context():
        code = checkin_code(anna)
    scan = organiser_client.get(f"/manage/events/{event.slug}/checkin/scan/{anna.uid}/{code}")
    assert scan.status_code == 200 and "Öztürk" in scan.get_data(as_text=True)
    wrong = organiser_client.get(f"/manage/events/{event.slug}/checkin/scan/{anna.uid}/{'0' * 32}")
    assert wrong.status_code == 404

    response = organiser_client.post(
        f"/manage/events/{event.slug}/checkin/{anna.id}", data={"checked_in": "1"}
    )
    assert response.status_code == 303
    html = organiser_client.get(f"/manage/events/{event.slug}/checkin").get_data(as_text=True)
    assert "1 von 2 eingecheckt" in html
    dashboard = organiser_client.get("/manage/").get_data(as_text=True)
    assert re.search(r"<td>2</td>\s*<td>\d+</td>\s*<td>1</td>", dashboard)


def test_report_after_the_event(organiser_client, make_event, make_registration):
    import datetime as dt

    from eventhub.events.registration import set_checked_in
    from eventhub.models import Event

    event = make_event(hosts=hosted_by("ihk-nrw"), starts=in_days(2))
    people = [
        make_registration(event, organisation="Stadt Essen", organisation_type="public_authority"),
        make_registration(event, organisation="Stadt Essen", organisation_type="public_authority"),
        make_registration(event, organisation="Muster GmbH", organisation_type="company"),
        make_registration(event, organisation="Beispiel KG", organisation_type="company"),
    ]
    for registration, _token in people[:3]:
        set_checked_in(registration.id, True)
    # the event is over
    stored = db.session.get(Event, event.id)
    stored.starts_at -= dt.timedelta(days=4)
    stored.ends_at -= dt.timedelta(days=4)
    db.session.commit()
    html = organiser_client.get(f"/manage/events/{event.slug}/report").get_data(as_text=True)
    assert "25 %" in html  # one of four did not come
    assert "Stadt Essen" in html and "Muster GmbH" in html
    assert "Beispiel KG" not in html.split('id="orgs-heading"')[1]


def test_report_shows_no_no_show_rate_before_the_event(
    organiser_client, make_event, make_registration
):
    import datetime as dt

    import time_machine

    from eventhub.models.base import utcnow

    event = make_event(hosts=hosted_by("ihk-nrw"), starts=in_days(2))
    make_registration(event)
    make_registration(event)
    url = f"/manage/events/{event.slug}/report"
    with time_machine.travel(utcnow(), tick=False) as clock:
        html = organiser_client.get(url).get_data(as_text=True)
        assert "100 %" not in html
        assert "noch nicht: die Veranstaltung hat nicht begonnen" in html
        clock.move_to(event.starts_at + dt.timedelta(minutes=1))
        html = organiser_client.get(url).get_data(as_text=True)
        assert "100 %" in html  # it has begun and nobody has checked in
