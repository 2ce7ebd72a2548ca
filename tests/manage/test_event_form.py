"""The event form's comforts (issue 11): agenda rows added and removed without saving,
series and topics picked from the existing ones, a preview of the public page, and no
"cancel" for drafts."""

from __future__ import annotations

from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.models import Event, Series
from tests.manage.conftest import hosted_by
from tests.manage.test_events import event_form, org_id


def rows(html: str) -> list[str]:
    """The agenda rows' ids on the page, in order."""
    import re

    return re.findall(r'<fieldset class="row-fields" id="(agenda-\d+)"', html)


def test_agenda_rows_are_added_and_removed_without_saving(organiser_client):
    client = organiser_client
    assert rows(client.get("/manage/events/new").get_data(as_text=True)) == ["agenda-0"]
    data = event_form(org_id("ihk-nrw"))
    added = client.post("/manage/events/new", data={**data, "agenda_add": "1"})
    assert added.status_code == 200
    assert rows(added.get_data(as_text=True)) == ["agenda-0", "agenda-1", "agenda-2"]
    assert db.session.scalar(select(Event.id)) is None

    three = {
        **data,
        "agenda-1-title": "Impuls Aufenthaltsrecht",
        "agenda-1-kind": "talk",
        "agenda-2-title": "Austausch",
        "agenda-2-kind": "discussion",
    }
    removed = client.post("/manage/events/new", data={**three, "agenda_remove": "agenda-1"})
    html = removed.get_data(as_text=True)
    assert rows(html) == ["agenda-0", "agenda-2"]
    assert "Impuls Aufenthaltsrecht" not in html and 'value="Austausch"' in html
    assert db.session.scalar(select(Event.id)) is None

    # Saving the rows as shown (with the gap) keeps their order.
    del three["agenda-1-title"], three["agenda-1-kind"]
    assert client.post("/manage/events/new", data=three).status_code == 303
    db.session.rollback()
    event = db.session.scalar(select(Event))
    assert [item.title for item in event.agenda] == ["Begrüßung", "Austausch"]


def test_series_and_topics_are_picked_from_the_existing_ones(organiser_client, make_event):
    client = organiser_client
    make_event(series="fachkraefte-reihe", topics=["Anerkennung", "Übergang Schule"])
    make_event(
        status="draft",
        series="geheime-reihe",
        topics=["Geheimthema"],
        hosts=hosted_by("other-org", "Andere"),
    )
    html = client.get("/manage/events/new").get_data(as_text=True)
    assert '<option value="fachkraefte-reihe">' in html
    assert '<option value="__new__">Neue Reihe …</option>' in html
    assert 'type="checkbox" value="Anerkennung"' in html
    assert 'value="Übergang Schule"' in html
    assert "geheime-reihe" not in html and "Geheimthema" not in html  # others' drafts

    data = event_form(
        org_id("ihk-nrw"),
        series="fachkraefte-reihe",
        new_series="",
        topics=["Anerkennung"],
        new_topics="Handwerk",
    )
    assert client.post("/manage/events/new", data=data).status_code == 303
    db.session.rollback()
    event = db.session.scalar(select(Event).where(Event.title == data["title"]))
    assert event.series.slug == "fachkraefte-reihe"
    assert sorted(t.name for t in event.topics) == ["Anerkennung", "Handwerk"]
    edit = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'checked id="topics-0" name="topics" type="checkbox" value="Anerkennung"' in edit or (
        'value="Anerkennung" checked' in edit
    )


def test_a_new_series_gets_its_title(organiser_client):
    data = event_form(org_id("ihk-nrw"), series="__new__", new_series="Willkommen in Köln")
    assert organiser_client.post("/manage/events/new", data=data).status_code == 303
    db.session.rollback()
    series = db.session.scalar(select(Series))
    assert (series.slug, series.title) == ("willkommen-in-koeln", "Willkommen in Köln")
    missing = event_form(org_id("ihk-nrw"), series="__new__", new_series="", title="Zweite")
    response = organiser_client.post("/manage/events/new", data=missing)
    assert response.status_code == 422
    assert "Titel der neuen Reihe" in response.get_data(as_text=True)


def test_preview_of_the_public_page_saves_nothing(
    organiser_client, make_event, make_registration, outbox
):
    client = organiser_client
    data = event_form(org_id("ihk-nrw"), title="Neue Veranstaltung in Vorschau", preview_page="1")
    response = client.post("/manage/events/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vorschau – nicht gespeichert" in html
    assert "Neue Veranstaltung in Vorschau" in html and "Begrüßung" in html
    assert response.headers["Cache-Control"] == "private, no-store"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Event.id))) == 0
    assert db.session.scalar(select(func.count(Series.id))) == 0

    event = make_event(title="Alter Titel", hosts=hosted_by("ihk-nrw"))
    make_registration(event)  # a saved change of title would mail them an update
    sequence = event.sequence
    mails = len(outbox())
    changed = event_form(
        org_id("ihk-nrw"), title="Neuer Titel", venue_city="Bottrop", preview_page="1"
    )
    page = client.post(f"/manage/events/{event.slug}/edit", data=changed)
    assert "Neuer Titel" in page.get_data(as_text=True)
    db.session.rollback()
    assert event.title == "Alter Titel" and event.sequence == sequence
    assert len(outbox()) == mails
    assert "Alter Titel" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_invalid_data_gives_the_form_back_instead_of_a_preview(organiser_client):
    data = event_form(org_id("ihk-nrw"), title="", preview_page="1")
    response = organiser_client.post("/manage/events/new", data=data)
    assert response.status_code == 422
    assert "Vorschau – nicht gespeichert" not in response.get_data(as_text=True)


def test_drafts_are_not_offered_cancel(organiser_client, make_event):
    draft = make_event(status="draft", hosts=hosted_by("ihk-nrw"))
    published = make_event(hosts=hosted_by("ihk-nrw"))
    html = organiser_client.get(f"/manage/events/{draft.slug}").get_data(as_text=True)
    assert 'value="cancel"' not in html and 'value="publish"' in html
    html = organiser_client.get(f"/manage/events/{published.slug}").get_data(as_text=True)
    assert 'value="cancel"' in html
