"""JSON API for events."""

from __future__ import annotations

from tests.conftest import in_days


def test_list_events_with_seats(client, make_event, make_registration):
    event = make_event(title="Leipzig gewinnt ausländische Fachkräfte", capacity=70)
    make_registration(event)
    make_event(title="Ohne Grenze", capacity=None)
    make_event(title="Entwurf", status="draft")
    data = client.get("/api/v1/events").get_json()
    assert data["total"] == 2
    by_slug = {item["slug"]: item for item in data["items"]}
    item = by_slug[event.slug]
    assert item["title"] == "Leipzig gewinnt ausländische Fachkräfte"
    assert item["capacity"] == 70
    assert item["seats_left"] == 69
    assert item["registrations_open"] is True
    assert item["status"] == "published"
    assert item["hosts"] == [{"name": "G.I.B. NRW", "slug": "gib", "role": "host"}]
    assert item["starts_at"].endswith(("+01:00", "+02:00"))
    unlimited = next(i for i in data["items"] if i["title"] == "Ohne Grenze")
    assert unlimited["seats_left"] is None


def test_filters_and_past(client, make_event):
    make_event(title="Fachtagung", format="fachtagung")
    make_event(title="Vorbei", starts=in_days(-5))
    assert [
        i["title"] for i in client.get("/api/v1/events?format=fachtagung").get_json()["items"]
    ] == ["Fachtagung"]
    assert [i["title"] for i in client.get("/api/v1/events?when=past").get_json()["items"]] == [
        "Vorbei"
    ]


def test_single_event_and_404_as_json(client, make_event):
    event = make_event(capacity=2)
    data = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert data["slug"] == event.slug
    assert data["seats_left"] == 2
    missing = client.get("/api/v1/events/nope")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["status"] == 404


def test_bad_filter_is_json_400(client):
    response = client.get("/api/v1/events?format=gala")
    assert response.status_code == 400
    assert response.is_json
    assert response.get_json()["error"]["message"]


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/events/{slug}" in document["paths"]


def test_api_responses_match_the_schema(client, make_event):
    import jsonschema

    make_event(capacity=5)
    document = client.get("/api/v1/openapi.json").get_json()
    page_schema = {
        **document["components"]["schemas"]["EventPage"],
        "components": document["components"],
    }
    # Resolve "#/components/schemas/..." against the document itself.
    resolver_doc = {**document, **page_schema}
    jsonschema.validate(client.get("/api/v1/events").get_json(), resolver_doc)


def test_series_and_organisations(client, make_event):
    make_event(
        series="fachkraefte-reihe",
        hosts=[{"name": "Regionalverband Ruhr", "slug": "rvr", "role": "host"}],
    )
    make_event(
        status="draft",
        series="geheim",
        hosts=[{"name": "Nur Entwurf", "slug": "entwurf", "role": "host"}],
    )
    series = client.get("/api/v1/series").get_json()
    assert [s["slug"] for s in series["items"]] == ["fachkraefte-reihe"]
    assert series["items"][0]["feed_url"].endswith("/calendar.ics?series=fachkraefte-reihe")
    assert client.get("/api/v1/series/fachkraefte-reihe").get_json()["slug"] == "fachkraefte-reihe"
    assert client.get("/api/v1/series/geheim").status_code == 404
    organisations = client.get("/api/v1/organisations?limit=1").get_json()
    assert organisations["per_page"] == 1 and organisations["total"] == 1
    assert organisations["items"][0]["name"] == "Regionalverband Ruhr"
    assert client.get("/api/v1/organisations/entwurf").status_code == 404
    assert client.get("/api/v1/organisations?limit=500").status_code == 400
    assert client.get("/api/v1/organisations?page=2&limit=1").status_code == 404
