"""The support-services directory: filters, hiding, fixed query counts, Markdown, writes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, select

from eventhub.extensions import db
from eventhub.models import Organisation
from eventhub.models.base import utcnow
from eventhub.models.network import ServiceEntry, ServiceTag
from eventhub.network.services import (
    ServiceError,
    ServiceValues,
    delete_service,
    set_hidden,
    update_service,
)
from tests.conftest import run_together


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<h2 class="card-title"><a href="/services/[^"]+">([^<]+)</a>', html)


@pytest.fixture
def directory(make_service, make_organisation):
    """Three entries of two organisations with different categories, groups and places."""
    leipzig = make_organisation("iq-netzwerk-sachsen", "IQ Netzwerk Sachsen")
    make_service(
        title="Anerkennungsberatung",
        category="recognition",
        audiences=["skilled_workers", "refugees"],
        languages=["de", "ar"],
        regions=["Leipzig", "Sachsen"],
        organisation=leipzig,
    )
    make_service(
        title="Service für Unternehmen",
        category="recruiting",
        audiences=["employers"],
        languages=["de", "en"],
        regions=["Düsseldorf"],
        description="Wir beraten Betriebe zur Einstellung.",
    )
    make_service(
        title="Ankommen im Alltag",
        category="everyday_integration",
        audiences=["families"],
        languages=["uk"],
        regions=["Münster"],
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["Anerkennungsberatung", "Ankommen im Alltag", "Service für Unternehmen"]),
        ("category=recognition", ["Anerkennungsberatung"]),
        ("category=Anerkennung+ausländischer+Abschlüsse", ["Anerkennungsberatung"]),
        ("category=RECOGNITION+OF+FOREIGN+QUALIFICATIONS", ["Anerkennungsberatung"]),
        ("audience=employers", ["Service für Unternehmen"]),
        ("audience=arbeitgeber", ["Service für Unternehmen"]),
        ("audience=Families", ["Ankommen im Alltag"]),
        ("language=ar", ["Anerkennungsberatung"]),
        ("language=Arabisch", ["Anerkennungsberatung"]),
        ("language=ukrainian", ["Ankommen im Alltag"]),
        ("region=sachsen", ["Anerkennungsberatung"]),
        ("region=MÜNSTER", ["Ankommen im Alltag"]),
        ("region=düsseldorf", ["Service für Unternehmen"]),
        ("q=betriebe", ["Service für Unternehmen"]),
        ("q=IQ+netzwerk", ["Anerkennungsberatung"]),  # the organisation's name
        ("q=fachkräfte+beratung", ["Anerkennungsberatung"]),
        ("q=100%25", []),
        ("language=de&audience=skilled_workers&region=Leipzig", ["Anerkennungsberatung"]),
        ("language=de&audience=families", []),
    ],
)
def test_filters(client, directory, query, expected):
    response = client.get(f"/services?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


def test_empty_state_and_the_filter_form_keeps_values(client, directory):
    html = client.get("/services?region=Nirgendwo&category=housing").get_data(as_text=True)
    assert "Zu diesen Filtern wurden keine Angebote gefunden." in html
    assert 'value="Nirgendwo"' in html
    assert '<option value="housing" selected>' in html


@pytest.mark.parametrize(
    "query, german, english",
    [
        ("category=astrologie", "Unbekannte Kategorie", "Unknown category"),
        ("audience=aliens", "Unbekannte Zielgruppe", "Unknown target group"),
        ("language=klingonisch", "Unbekannte Sprache", "Unknown language"),
        ("page=0", "Seitenzahl", "page number"),
        ("q=" + "x" * 201, "zu lang", "too long"),
        ("region=a%00b", "nicht erlaubt", "not allowed"),
    ],
)
def test_bad_filter_is_400_with_a_message(client, query, german, english):
    response = client.get(f"/services?{query}")
    assert response.status_code == 400
    assert german in response.get_data(as_text=True)
    response = client.get(f"/services?{query}&lang=en")
    assert response.status_code == 400
    assert english in response.get_data(as_text=True)
    api = client.get(f"/api/v1/services?{query}", headers={"Accept-Language": "en"})
    assert api.status_code == 400
    assert english in api.get_json()["error"]["message"]


def test_card_shows_what_a_visitor_needs(client, make_service):
    entry = make_service(
        title="Sprechstunde",
        audiences=["employers"],
        languages=["de", "tr"],
        regions=["Bochum", "Ruhrgebiet"],
        by_appointment=True,
        is_demo=True,
    )
    html = client.get("/services").get_data(as_text=True)
    assert 'href="/organisations/welcome-office-bochum"' in html
    assert "Arbeitgeber" in html and "Türkisch" in html and "Bochum, Ruhrgebiet" in html
    assert "nach Vereinbarung" in html or "by appointment" in html
    assert "Demodaten" in html
    detail = client.get(f"/services/{entry.slug}?lang=en").get_data(as_text=True)
    assert "Turkish" in detail and "demo data" in detail and "Mo–Fr 9–12 Uhr" in detail


def test_paging_keeps_the_filters(client, make_service):
    for n in range(23):
        make_service(title=f"Kurs {n:02d}", category="german_courses")
    make_service(title="Anderes", category="housing")
    first = client.get("/services?category=german_courses")
    html = first.get_data(as_text=True)
    assert len(titles(first)) == 20
    assert "/services?page=2&amp;category=german_courses" in html or (
        "/services?category=german_courses&amp;page=2" in html
    )
    second = client.get("/services?category=german_courses&page=2")
    assert titles(second) == ["Kurs 20", "Kurs 21", "Kurs 22"]
    assert client.get("/services?category=german_courses&page=3").status_code == 404


def test_hidden_entries_are_nowhere_public(client, make_service, make_organisation, runner):
    shown = make_service(title="Sichtbar")
    hidden = make_service(title="Versteckt")
    other = make_organisation("versteckte-org", "Versteckte Organisation")
    of_hidden_profile = make_service(title="Profil versteckt", organisation=other)
    set_hidden(hidden.id, True)
    db.session.get(Organisation, other.id).profile_hidden_at = utcnow()
    db.session.commit()

    assert titles(client.get("/services")) == ["Sichtbar"]
    assert client.get(f"/services/{hidden.slug}").status_code == 404
    assert client.get(f"/services/{of_hidden_profile.slug}").status_code == 404
    api = client.get("/api/v1/services").get_json()
    assert [item["slug"] for item in api["items"]] == [shown.slug]
    assert client.get(f"/api/v1/services/{hidden.slug}").status_code == 404
    assert titles(client.get("/services?q=versteckt")) == []

    # The export is a complete backup: hidden entries are in it, marked.
    result = runner.invoke(args=["services", "export"])
    assert '"hidden": true' in result.output and "Versteckt" in result.output

    set_hidden(hidden.id, False)
    assert client.get(f"/services/{hidden.slug}").status_code == 200


def test_query_count_is_fixed(client, app, make_service, make_organisation, query_counter):
    make_service(title="Erstes")
    with query_counter() as few:
        assert client.get("/services").status_code == 200
    with query_counter() as few_api:
        assert client.get("/api/v1/services?limit=100").status_code == 200
    # Hundreds of entries of many organisations, with tags, inserted in bulk.
    organisations = [make_organisation(f"org-{n}", f"Organisation {n}") for n in range(30)]
    now = utcnow()
    db.session.execute(
        insert(ServiceEntry),
        [
            {
                "slug": f"bulk-{n}",
                "organisation_id": organisations[n % 30].id,
                "title": f"Angebot {n:03d}",
                "category": "counselling",
                "description": "",
                "search_text": f"angebot {n}",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(300)
        ],
    )
    ids = db.session.scalars(select(ServiceEntry.id).where(ServiceEntry.slug.like("bulk-%")))
    db.session.execute(
        insert(ServiceTag),
        [
            {"service_id": i, "kind": kind, "value": value, "value_folded": value.lower()}
            for i in ids
            for kind, value in (("audience", "employers"), ("language", "de"), ("region", "Hamm"))
        ],
    )
    db.session.commit()
    with query_counter() as many:
        response = client.get("/services?region=hamm")
    assert response.status_code == 200 and len(titles(response)) == 20
    with query_counter() as many_api:
        response = client.get("/api/v1/services?limit=100")
    assert len(response.get_json()["items"]) == 100
    assert len(many) == len(few)
    assert len(many_api) == len(few_api)


def test_markdown_is_sanitised(client, make_service):
    entry = make_service(
        description=(
            "<script>alert(1)</script>\n\n[klick](javascript:alert(2))\n\n"
            '<img src=x onerror="alert(3)">\n\n**fett**'
        ),
        title="<b>Titel</b>",
    )
    html = client.get(f"/services/{entry.slug}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "<strong>fett</strong>" in html
    assert "&lt;b&gt;Titel&lt;/b&gt;" in html


def test_writes_keep_search_text_tags_and_slugs(app, make_service, client):
    first = make_service(title="Beratung für Betriebe")
    second = make_service(title="Beratung für Betriebe")
    assert first.slug == "beratung-fuer-betriebe"
    assert second.slug == "beratung-fuer-betriebe-2"
    update_service(
        second.id,
        second.organisation_id,
        ServiceValues(
            title="Sprachkurse",
            category="german_courses",
            regions=["Essen", "essen", "Bottrop"],
            languages=["de"],
        ),
    )
    assert titles(client.get("/services?q=sprachkurse")) == ["Sprachkurse"]
    assert titles(client.get("/services?q=betriebe")) == ["Beratung für Betriebe"]
    assert titles(client.get("/services?region=ESSEN")) == ["Sprachkurse"]
    entry = db.session.get(ServiceEntry, second.id)
    assert entry.slug == "beratung-fuer-betriebe-2"  # links keep working
    assert entry.regions == ["Essen", "Bottrop"]
    with pytest.raises(ServiceError):
        update_service(
            second.id, second.organisation_id, ServiceValues(title="x", category="astrologie")
        )
    with pytest.raises(ServiceError):
        update_service(
            second.id,
            second.organisation_id,
            ServiceValues(title="x", category="housing", website="javascript:alert(1)"),
        )
    # Another organisation cannot change or delete it.
    assert not delete_service(second.id, second.organisation_id + 999)
    assert delete_service(second.id, second.organisation_id)
    assert client.get(f"/services/{entry.slug}").status_code == 404


def test_two_entries_with_the_same_title_at_once_get_two_slugs(app, make_organisation):
    from eventhub.network.services import create_service

    organisation_id = make_organisation().id  # read here: threads must not share objects
    errors = run_together(
        app,
        lambda: create_service(
            organisation_id, ServiceValues(title="Gleicher Titel", category="housing")
        ),
        count=4,
    )
    assert errors == []
    db.session.rollback()
    slugs = sorted(db.session.scalars(select(ServiceEntry.slug)))
    assert slugs == [
        "gleicher-titel",
        "gleicher-titel-2",
        "gleicher-titel-3",
        "gleicher-titel-4",
    ]
