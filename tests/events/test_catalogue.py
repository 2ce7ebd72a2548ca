"""The public catalogue, filters, archive and the event page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Registration
from tests.conftest import in_days


def test_catalogue_lists_upcoming_published_events(client, make_event):
    make_event(title="Welcome Ruhrgebiet")
    make_event(title="Entwurf intern", status="draft")
    make_event(title="Schon vorbei", starts=in_days(-10))
    page = client.get("/events/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Welcome Ruhrgebiet" in html
    assert "Entwurf intern" not in html
    assert "Schon vorbei" not in html
    assert client.get("/").status_code == 200


def test_archive_shows_past_events(client, make_event):
    make_event(title="Schon vorbei", starts=in_days(-10))
    make_event(title="Kommt noch")
    html = client.get("/events/archive").get_data(as_text=True)
    assert "Schon vorbei" in html
    assert "Kommt noch" not in html


def test_filters_select_matching_events(client, make_event):
    make_event(
        title="Fachtagung Bottrop",
        format="fachtagung",
        topics=["Integration", "Ausbildung"],
        series="fachkraefte-reihe",
        hosts=[{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}],
    )
    make_event(
        title="Austausch Braunschweig",
        format="exchange",
        topics=["Welcome Center"],
        venue={"name": "Allianz", "city": "Braunschweig", "region": "Südostniedersachsen"},
        hosts=[{"name": "Allianz für die Region", "slug": "allianz", "role": "host"}],
    )

    def titles(query: str) -> set[str]:
        html = client.get(f"/events/?{query}").get_data(as_text=True)
        return {t for t in ("Fachtagung Bottrop", "Austausch Braunschweig") if t in html}

    assert titles("format=fachtagung") == {"Fachtagung Bottrop"}
    assert titles("topic=welcome-center") == {"Austausch Braunschweig"}
    assert titles("region=Südostniedersachsen") == {"Austausch Braunschweig"}
    assert titles("series=fachkraefte-reihe") == {"Fachtagung Bottrop"}
    assert titles("host=allianz") == {"Austausch Braunschweig"}
    assert titles("q=bottrop") == {"Fachtagung Bottrop"}
    assert titles("q=BRAUNSCHWEIG+austausch") == {"Austausch Braunschweig"}
    assert titles("q=allianz+für") == {"Austausch Braunschweig"}
    assert titles("q=nichts-passt") == set()
    assert titles("q=100%25") == set()


def test_filters_take_names_and_slugs_in_any_case(client, make_event):
    """Issue 11: ?topic=Anerkennung (the name) and ?region=ruhrgebiet found nothing."""
    make_event(
        title="Anerkennung Ruhr",
        topics=["Anerkennung", "Übergang Schule"],
        series="fachkraefte-reihe",
        hosts=[{"name": "Ärztekammer Nord", "slug": "aek-nord", "role": "host"}],
    )
    make_event(title="Anderes Thema", venue={"name": "Rathaus", "region": "Südostniedersachsen"})

    def titles(query: str) -> set[str]:
        html = client.get(f"/events/?{query}").get_data(as_text=True)
        return {t for t in ("Anerkennung Ruhr", "Anderes Thema") if t in html}

    for query in (
        "topic=Anerkennung",
        "topic=anerkennung",
        "topic=ANERKENNUNG",
        "topic=übergang+schule",
        "topic=ÜBERGANG+SCHULE",
        "region=ruhrgebiet",
        "region=RUHRGEBIET",
        "series=Fachkraefte+Reihe",
        "series=FACHKRAEFTE-REIHE",
        "host=ärztekammer+nord",
        "host=AEK-NORD",
    ):
        assert titles(query) == {"Anerkennung Ruhr"}, query
    assert titles("region=südostniedersachsen") == {"Anderes Thema"}
    assert titles("region=SÜDOSTNIEDERSACHSEN") == {"Anderes Thema"}
    assert titles("topic=anerkenn") == set()


def test_feed_and_api_filter_by_name_in_any_case(client, make_event):
    make_event(title="Anerkennung Ruhr", topics=["Anerkennung"])
    make_event(title="Anderes Thema", topics=["Integration"])
    feed = client.get("/calendar.ics?topic=Anerkennung&region=ruhrgebiet").get_data(as_text=True)
    assert "Anerkennung Ruhr" in feed
    assert "Anderes Thema" not in feed
    api = client.get("/api/v1/events?topic=ANERKENNUNG&region=ruhrgebiet").get_json()
    assert [e["title"] for e in api["items"]] == ["Anerkennung Ruhr"]


def test_name_filters_keep_query_counts(client, make_event, query_counter, monkeypatch):
    from eventhub import changes

    make_event(topics=["Anerkennung"])
    clock = [changes.time.monotonic()]
    monkeypatch.setattr(changes.time, "monotonic", lambda: clock[0])

    def measure(path: str) -> int:
        clock[0] += 3600  # every memo has expired: each request does its whole work
        with query_counter() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    for path in ("/events/", "/api/v1/events", "/calendar.ics"):
        assert measure(f"{path}?topic=anerkennung") == measure(f"{path}?topic=Anerkennung")


def test_search_is_case_insensitive_for_umlauts(client, make_event):
    make_event(title="Über die Anerkennung ausländischer Abschlüsse")
    html = client.get("/events/?q=über").get_data(as_text=True)
    assert "Über die Anerkennung" in html


def test_bad_filter_values_get_400_with_message(client):
    response = client.get("/events/?format=party")
    assert response.status_code == 400
    assert "Unbekanntes Veranstaltungsformat" in response.get_data(as_text=True)
    assert client.get("/events/?page=abc").status_code == 400
    assert client.get("/events/?page=0").status_code == 400
    assert client.get("/events/?q=" + "x" * 500).status_code == 400
    assert client.get("/events/?q=%00").status_code == 400


def test_catalogue_is_paginated(app, client, make_event):
    app.config["EVENTS_PER_PAGE"] = 2
    for day in range(5):
        make_event(title=f"Termin {day}", starts=in_days(10 + day))
    first = client.get("/events/").get_data(as_text=True)
    assert "Termin 0" in first and "Termin 2" not in first
    third = client.get("/events/?page=3").get_data(as_text=True)
    assert "Termin 4" in third and "Termin 0" not in third
    assert 'rel="prev"' in third


def test_event_page_shows_the_facts(client, make_event):
    event = make_event(
        title="Integration von Geflüchteten in Arbeit und Ausbildung",
        format="fachtagung",
        capacity=170,
        starts=in_days(40, 10),
        hosts=[
            {"name": "G.I.B.", "slug": "gib", "role": "host"},
            {"name": "IHK NRW", "slug": "ihk-nrw", "role": "cohost"},
            {"name": "MAGS NRW", "slug": "mags", "role": "partner"},
            {"name": "Europäischer Sozialfonds", "slug": "esf", "role": "funder"},
        ],
        series="fachkraefte-reihe",
        topics=["Integration"],
        funding_note="Gefördert aus Mitteln des Landes NRW und des ESF.",
        agenda=[
            {
                "title": "Grußwort der Landesregierung",
                "kind": "welcome",
                "starts_at": in_days(40, 10).isoformat(),
                "ends_at": in_days(40, 10, 20).isoformat(),
                "speakers": [{"name": "Stefan Kulozik", "affiliation": "MAGS NRW"}],
            }
        ],
    )
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    for text in (
        "Integration von Geflüchteten",
        "Fachtagung",
        "Lohnhalle",
        "46238 Bottrop",
        "openstreetmap.org",
        "Mitveranstalter",
        "Gefördert von",
        "Europäischer Sozialfonds",
        "Stefan Kulozik",
        "MAGS NRW",
        "Gefördert aus Mitteln des Landes NRW und des ESF.",
        "170 Plätze frei",
        "Jetzt anmelden",
        "erika@example.org",
        "10:00",
        f"/events/{event.slug}.ics",
    ):
        assert text in html, text


def test_event_page_in_english(client, make_event):
    event = make_event(capacity=1)
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "1 seat left" in html
    assert 'lang="en"' in html
    # the choice sticks through the cookie
    html = client.get("/events/").get_data(as_text=True)
    assert "Upcoming events" in html


def test_unknown_event_is_404(client):
    response = client.get("/events/gibt-es-nicht")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.get_data(as_text=True)


def test_draft_event_is_not_public(client, make_event):
    event = make_event(status="draft")
    assert client.get(f"/events/{event.slug}").status_code == 404
    assert client.get(f"/events/{event.slug}.ics").status_code == 404


def test_description_markdown_is_sanitised(client, make_event):
    event = make_event(
        description="**fett** <script>alert(1)</script> [x](javascript:alert(2)) "
        '<img src=x onerror="alert(3)">'
    )
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<strong>fett</strong>" in html
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


def test_pages_run_a_fixed_number_of_queries(
    app, client, make_event, make_registration, bulk_registrations, query_counter
):
    events = [make_event(capacity=None, topics=["A", "B"]) for _ in range(3)]

    def measure(path: str) -> int:
        with query_counter() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    catalogue_small = measure("/events/")
    page_small = measure(f"/events/{events[0].slug}")
    api_small = measure("/api/v1/events")
    for event in events:
        make_event(capacity=None, topics=["C"])
        make_registration(event)  # one through the service, the rest in bulk
        bulk_registrations(event, 99)
    assert measure("/events/") == catalogue_small
    assert measure(f"/events/{events[0].slug}") == page_small
    assert measure("/api/v1/events") == api_small
    assert catalogue_small <= 10
    assert page_small <= 6


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_filter_options_follow_event_changes_in_other_workers(app_factory):
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.extensions import db
    from tests.conftest import event_record

    writer, reader = app_factory(), app_factory()  # two processes' apps, one database
    with writer.app_context():
        upsert_event(EventRecord.model_validate(event_record()))
        db.session.commit()
    client = reader.test_client()
    assert '<option value="Sachsen"' not in client.get("/events/").get_data(as_text=True)
    saxony = event_record(venue={"name": "Messe", "city": "Leipzig", "region": "Sachsen"})
    with writer.app_context():
        upsert_event(EventRecord.model_validate(saxony))
        db.session.commit()
    assert '<option value="Sachsen"' in client.get("/events/").get_data(as_text=True)


def test_page_after_the_last_is_404(client, make_event):
    make_event()
    assert client.get("/events/?page=2").status_code == 404
    assert client.get("/api/v1/events?page=2").status_code == 404
    assert client.get("/events/?page=1&format=info").status_code == 200  # empty page 1


def test_running_event_is_not_shown_as_past(client, make_event):
    make_event(
        title="Läuft gerade",
        starts=dt.datetime.now(ZoneInfo("Europe/Berlin")) - dt.timedelta(hours=1),
    )
    html = client.get("/events/").get_data(as_text=True)
    assert "Läuft gerade" in html and "Findet gerade statt" in html


def test_event_listing_unchanged_by_registration_rows(
    client, make_event, make_registration, bulk_registrations, query_counter, monkeypatch
):
    """Registrations are no part of the listings: many rows change neither what the
    catalogue and the API list (a search for an attendee's name finds no event) nor how
    many queries that takes."""
    from eventhub import changes

    # Without a capacity no seat count is shown: the one thing registrations may change.
    events = [make_event(starts=in_days(5 + n), capacity=None) for n in range(3)]
    paths = ("/events/", "/events/?q=anna", "/api/v1/events", "/api/v1/events?q=anna")
    clock = [changes.time.monotonic()]
    monkeypatch.setattr(changes.time, "monotonic", lambda: clock[0])

    def listings() -> dict[str, tuple[str, int]]:
        seen = {}
        for path in paths:
            clock[0] += 3600  # every memo has expired: each listing does its whole work
            with query_counter() as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            seen[path] = (response.get_data(as_text=True), len(statements))
        return seen

    without = listings()
    make_registration(events[0])
    assert db.session.scalar(select(Registration.search_text)).startswith("anna")
    for event in events:
        bulk_registrations(event, 500)
    with_rows = listings()
    for path in paths:
        assert with_rows[path][1] == without[path][1], f"{path}: number of queries"
        assert with_rows[path][0] == without[path][0], f"{path}: output"
