"""Creating, editing, publishing, cancelling and duplicating events in the workspace."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Event, Organisation
from tests.conftest import in_days
from tests.manage.conftest import hosted_by


def event_form(org_id: int, **overrides) -> dict:
    day = dt.date.today() + dt.timedelta(days=40)
    data = {
        "host_organisation": str(org_id),
        "title": "Fachkräfte gewinnen: Anerkennung im Handwerk",
        "format": "workshop",
        "language": "de",
        "timezone": "Europe/Berlin",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T16:00",
        "capacity": "40",
        "registration_closes_at": "",
        "summary": "Ein Workshop für Betriebe.",
        "description": "**Programm** und Austausch",
        "venue_name": "Haus der Wirtschaft",
        "venue_street": "Marktplatz 1",
        "venue_postcode": "45127",
        "venue_city": "Essen",
        "region": "Ruhrgebiet",
        "online_url": "",
        "series": "__new__",
        "new_series": "Fachkräfte-Reihe",
        "new_topics": "Anerkennung, Handwerk",
        "contact_name": "Erika Muster",
        "contact_email": "erika@ihk.example",
        "contact_phone": "+49 201 1234",
        "funding_note": "Gefördert vom ESF.",
        "hosts-0-organisation": "hwk-leipzig",
        "hosts-0-role": "cohost",
        "hosts-1-organisation": "",
        "hosts-1-role": "partner",
        "agenda-0-starts_at": "10:00",
        "agenda-0-ends_at": "10:30",
        "agenda-0-title": "Begrüßung",
        "agenda-0-kind": "welcome",
        "agenda-0-speakers": "Volker Lux (HWK Leipzig); Erika Muster",
        "agenda-1-title": "",
        "agenda-1-kind": "talk",
    }
    data.update(overrides)
    return data


def org_id(slug: str) -> int:
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))


def test_create_edit_publish_and_see_it_public(organiser_client, make_organiser):
    client = organiser_client
    make_organiser("b@hwk.example", "hwk-leipzig")
    assert client.get("/manage/events/new").status_code == 200
    response = client.post("/manage/events/new", data=event_form(org_id("ihk-nrw")))
    assert response.status_code == 303, response.get_data(as_text=True)
    slug = "fachkraefte-gewinnen-anerkennung-im-handwerk"
    assert response.headers["Location"] == f"/manage/events/{slug}"
    db.session.rollback()  # see what the request committed

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    assert event.status == "draft" and event.capacity == 40
    assert event.local_starts_at.hour == 10
    assert [(h.organisation.slug, h.role) for h in event.hosts] == [
        ("ihk-nrw", "host"),
        ("hwk-leipzig", "cohost"),
    ]
    assert [t.name for t in event.topics] == ["Anerkennung", "Handwerk"]
    assert event.agenda[0].speakers == [
        {"name": "Volker Lux", "affiliation": "HWK Leipzig"},
        {"name": "Erika Muster", "affiliation": ""},
    ]
    assert client.get(f"/events/{slug}").status_code == 404  # draft

    edit = client.get(f"/manage/events/{slug}/edit").get_data(as_text=True)
    assert "Volker Lux (HWK Leipzig); Erika Muster" in edit
    response = client.post(
        f"/manage/events/{slug}/edit", data=event_form(org_id("ihk-nrw"), venue_city="Bottrop")
    )
    assert response.status_code == 303
    db.session.rollback()
    assert event.venue_city == "Bottrop"
    assert event.sequence == 1  # place changed

    assert (
        client.post(f"/manage/events/{slug}/status", data={"action": "publish"}).status_code == 303
    )
    public = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "Fachkräfte gewinnen" in public and "Volker Lux" in public
    assert "Fachkräfte gewinnen" in client.get("/events/").get_data(as_text=True)


def test_preview_renders_sanitised_markdown(organiser_client):
    response = organiser_client.post(
        "/manage/events/new",
        data=event_form(
            org_id("ihk-nrw"), description="**fett** <script>x()</script>", preview="1"
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>fett</strong>" in html and "<script>x()" not in html
    assert db.session.scalar(select(Event.id)) is None


def test_bad_input_gives_the_form_back(organiser_client):
    day = dt.date.today() + dt.timedelta(days=40)
    cases = [
        {"title": ""},
        {"ends_at": f"{day}T09:00"},
        {"capacity": "-3"},
        {"capacity": "viele"},
        {"starts_at": "gestern"},
        {"slug": "Böser Slug"},
        {"contact_email": "kaputt"},
        {"title": "x" * 5000},
        {"format": "gala"},
        {"host_organisation": "99999"},
        {"agenda-0-starts_at": "25:99"},
        {"starts_at": "2031-03-30T02:30", "ends_at": "2031-03-30T05:00"},  # clocks change
    ]
    for overrides in cases:
        response = organiser_client.post(
            "/manage/events/new", data=event_form(org_id("ihk-nrw"), **overrides)
        )
        assert response.status_code == 422, (overrides, response.status_code)
        assert 'class="error"' in response.get_data(as_text=True), overrides
    assert db.session.scalar(select(Event.id)) is None


def test_slug_must_be_unique(organiser_client, make_event):
    make_event(slug="schon-da", hosts=hosted_by("ihk-nrw"))
    response = organiser_client.post(
        "/manage/events/new", data=event_form(org_id("ihk-nrw"), slug="schon-da")
    )
    assert response.status_code == 422
    assert "nicht verfügbar" in response.get_data(as_text=True)
    assert 'value="schon-da-2"' in response.get_data(as_text=True)


def test_cancel_raises_sequence_and_shows_on_public_page(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    before = event.sequence
    organiser_client.post(f"/manage/events/{event.slug}/status", data={"action": "cancel"})
    db.session.rollback()
    assert event.status == "cancelled" and event.sequence == before + 1
    assert "abgesagt" in organiser_client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_unknown_status_action_is_400(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    response = organiser_client.post(
        f"/manage/events/{event.slug}/status", data={"action": "explode"}
    )
    assert response.status_code == 400


def test_duplicate_as_template(organiser_client, make_event):
    event = make_event(
        title="Welcome Ruhrgebiet",
        hosts=hosted_by("ihk-nrw"),
        series="reihe",
        agenda=[
            {
                "title": "Keynote",
                "kind": "talk",
                "starts_at": in_days(30, 11).isoformat(),
                "speakers": [{"name": "Souad Lamroubal", "affiliation": ""}],
            }
        ],
    )
    response = organiser_client.post(f"/manage/events/{event.slug}/duplicate")
    assert response.status_code == 303
    db.session.rollback()
    copy = db.session.scalar(select(Event).where(Event.slug == "welcome-ruhrgebiet"))
    assert copy is not None and copy.status == "draft" and copy.uid != event.uid
    assert copy.series.slug == "reihe" and copy.agenda[0].speakers[0]["name"] == "Souad Lamroubal"
    assert response.headers["Location"] == f"/manage/events/{copy.slug}/edit"


def _slug_error(body: str) -> str:
    return re.search(r'<p class="error" id="slug-error">([^<]*)</p>', body).group(1)


def test_unavailable_slug_gets_one_neutral_answer_with_a_free_suggestion(
    organiser_client, make_organiser, make_event
):
    """Whether another organisation's draft, a public event or a reserved word holds the
    address, the answer is the same and suggests a free one (drafts' slugs do not leak)."""
    make_organiser("b@hwk.example", "hwk-leipzig")
    hwk = [{"name": "HWK Leipzig", "slug": "hwk-leipzig", "role": "host"}]
    make_event(slug="geheimer-entwurf", status="draft", hosts=hwk)
    make_event(slug="oeffentlich", status="published", hosts=hwk)
    messages = set()
    for slug in ("geheimer-entwurf", "oeffentlich", "archive"):
        response = organiser_client.post(
            "/manage/events/new", data=event_form(org_id("ihk-nrw"), slug=slug)
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "anderen Veranstaltung" not in body and "bereits" not in body
        assert f'value="{slug}-2"' in body  # the suggestion is in the field
        messages.add(_slug_error(body).replace(slug, "SLUG"))
    assert len(messages) == 1, messages
    assert "nicht verfügbar" in messages.pop()
    # The suggestion is free: sending the form with it creates the event.
    response = organiser_client.post(
        "/manage/events/new", data=event_form(org_id("ihk-nrw"), slug="geheimer-entwurf-2")
    )
    assert response.status_code == 303


def test_a_draft_answers_like_a_missing_event_everywhere(client, make_event, make_organiser):
    make_organiser("b@hwk.example", "hwk-leipzig")
    make_event(
        slug="geheimer-entwurf",
        status="draft",
        hosts=[{"name": "HWK Leipzig", "slug": "hwk-leipzig", "role": "host"}],
    )
    for path in (
        "/events/{}",
        "/events/{}.ics",
        "/events/{}/register",
        "/events/{}/register/group",
        "/api/v1/events/{}",
    ):
        draft = client.get(path.format("geheimer-entwurf"))
        missing = client.get(path.format("gibt-es-nicht"))
        assert draft.status_code == missing.status_code == 404, path
        assert draft.get_data(as_text=True).replace("geheimer-entwurf", "X") == (
            missing.get_data(as_text=True).replace("gibt-es-nicht", "X")
        ), path


def test_chart_dates_are_in_the_readers_language(organiser_client, make_event, make_registration):
    import time_machine

    event = make_event(hosts=hosted_by("ihk-nrw"), starts=in_days(60))
    with time_machine.travel(dt.datetime.now(dt.UTC).replace(day=3, hour=9), tick=False):
        make_registration(event)
        day = dt.date.today()
    german = organiser_client.get(f"/manage/events/{event.slug}?lang=de").get_data(as_text=True)
    english = organiser_client.get(f"/manage/events/{event.slug}?lang=en").get_data(as_text=True)
    assert day.isoformat() not in german + english
    months_de = [
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sept.",
        "Okt.",
        "Nov.",
        "Dez.",
    ]
    months_en = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert f'<th scope="row">3. {months_de[day.month - 1]}</th>' in german
    assert f'<th scope="row">{months_en[day.month - 1]} 3</th>' in english
