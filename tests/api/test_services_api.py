"""/api/v1/services: the directory as JSON, same filters and visibility as the page."""

from __future__ import annotations

from eventhub.extensions import db
from eventhub.models import Organisation
from eventhub.network.services import ServiceValues, create_service, set_hidden


def _service(organisation, **values):
    defaults = {"title": "Beratung", "category": "counselling"}
    return create_service(organisation.id, ServiceValues(**{**defaults, **values}))


def test_list_filter_page_and_detail(client, app):
    organisation = Organisation(slug="welcome-office-bochum", name="Welcome Office Bochum")
    db.session.add(organisation)
    db.session.commit()
    for n in range(5):
        _service(organisation, title=f"Kurs {n}", category="german_courses", regions=["Bochum"])
    entry = _service(
        organisation,
        title="Arbeitgeberservice",
        category="recruiting",
        audiences=["employers"],
        languages=["de", "en"],
        regions=["Bochum", "Ruhrgebiet"],
        website="https://bochum.example.org",
        by_appointment=True,
    )
    data = client.get("/api/v1/services?category=German+courses&limit=2&page=2").get_json()
    assert data["total"] == 5 and data["pages"] == 3 and data["page"] == 2
    assert [item["title"] for item in data["items"]] == ["Kurs 2", "Kurs 3"]
    assert client.get("/api/v1/services?category=german_courses&limit=2&page=4").status_code == 404

    found = client.get("/api/v1/services?audience=Arbeitgeber&region=ruhrgebiet").get_json()
    assert [item["slug"] for item in found["items"]] == [entry.slug]
    detail = client.get(f"/api/v1/services/{entry.slug}").get_json()
    assert detail["organisation"] == {
        "slug": "welcome-office-bochum",
        "name": "Welcome Office Bochum",
    }
    assert detail["audiences"] == ["employers"] and detail["languages"] == ["de", "en"]
    assert detail["contact"]["website"] == "https://bochum.example.org"
    assert detail["contact"]["by_appointment"] is True
    assert detail["url"].endswith(f"/services/{entry.slug}")
    assert "hidden" not in detail

    set_hidden(entry.id, True)
    assert client.get(f"/api/v1/services/{entry.slug}").status_code == 404
    assert client.get("/api/v1/services?audience=employers").get_json()["total"] == 0


def test_services_are_in_the_openapi_document(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/services", "/services/{slug}"} <= set(document["paths"])
    names = [p["name"] for p in document["paths"]["/services"]["get"]["parameters"]]
    assert names == ["q", "category", "audience", "region", "language", "page", "limit"]
    assert "url" in document["components"]["schemas"]["Service"]["required"]
