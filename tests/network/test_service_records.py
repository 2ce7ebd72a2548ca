"""`flask services import/export` and the demo entries of `flask demo`."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.models import Event, Organisation
from eventhub.models.network import ServiceEntry
from eventhub.network.meetings import configure_meetings, meeting_setup


def service_record(**overrides) -> dict:
    record = {
        "slug": "anerkennungsberatung-leipzig",
        "organisation": {"slug": "iq-netzwerk-sachsen", "name": "IQ Netzwerk Sachsen"},
        "title": "Anerkennungsberatung",
        "category": "recognition",
        "audiences": ["skilled_workers", "refugees"],
        "languages": ["de", "ar"],
        "regions": ["Leipzig", "Sachsen"],
        "description": "Beratung zur **Anerkennung**.",
        "contact": {
            "address": "Musterstraße 1, 04109 Leipzig",
            "phone": "+49 341 000000",
            "email": "beratung@iq.example.org",
            "website": "https://iq.example.org/beratung",
            "opening_hours": "Di 9–12 Uhr",
            "by_appointment": True,
        },
        "demo": False,
    }
    record.update(overrides)
    return record


def write(tmp_path, records) -> str:
    path = tmp_path / "services.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_import_export_round_trip(runner, app, tmp_path):
    first = runner.invoke(args=["services", "import", write(tmp_path, [service_record()])])
    assert first.exit_code == 0, first.output
    assert "1 created, 0 updated, 0 unchanged, 0 rejected" in first.output
    again = runner.invoke(args=["services", "import", write(tmp_path, [service_record()])])
    assert "0 created, 0 updated, 1 unchanged" in again.output

    out = tmp_path / "export.json"
    result = runner.invoke(args=["services", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Musterstraße" in text  # not \u-escaped
    exported = json.loads(text)
    assert exported[0]["organisation"] == {
        "slug": "iq-netzwerk-sachsen",
        "name": "IQ Netzwerk Sachsen",
    }
    assert exported[0]["contact"]["email"] == "beratung@iq.example.org"
    assert exported[0]["hidden"] is False
    back = runner.invoke(args=["services", "import", str(out)])
    assert "0 created, 0 updated, 1 unchanged" in back.output

    changed = [{**exported[0], "languages": ["uk"], "title": "Neue Beratung"}]
    updated = runner.invoke(args=["services", "import", write(tmp_path, changed)])
    assert "0 created, 1 updated" in updated.output
    db.session.rollback()
    entry = db.session.scalar(select(ServiceEntry))
    assert entry.languages == ["uk"] and entry.title == "Neue Beratung"
    assert "neue beratung" in entry.search_text


def test_import_never_renames_an_organisation(runner, app, tmp_path):
    db.session.add(Organisation(slug="iq-netzwerk-sachsen", name="IQ Sachsen (echt)"))
    db.session.commit()
    record = service_record(organisation={"slug": "iq-netzwerk-sachsen", "name": "Anders"})
    runner.invoke(args=["services", "import", write(tmp_path, [record])])
    db.session.rollback()
    names = list(db.session.scalars(select(Organisation.name)))
    assert names == ["IQ Sachsen (echt)"]
    neu = service_record(slug="neu", organisation={"slug": "neue-org", "name": "Neue Org"})
    runner.invoke(args=["services", "import", write(tmp_path, [neu])])
    db.session.rollback()
    assert db.session.scalar(select(Organisation.name).where(Organisation.slug == "neue-org")) == (
        "Neue Org"
    )


def test_import_reports_bad_records_by_index(runner, app, tmp_path):
    records = [
        service_record(slug="gut"),
        service_record(slug="Böser Slug"),
        service_record(slug="kategorie", category="astrologie"),
        service_record(slug="sprache", languages=["xx"]),
        {"slug": "fast-leer"},
        "kein objekt",
        service_record(slug="mail", contact={"email": "keine-adresse"}),
        service_record(slug="lang", title="x" * 201),
        service_record(slug="steuerzeichen", title="Titel\u0007"),
        service_record(slug="gut"),
    ]
    result = runner.invoke(args=["services", "import", write(tmp_path, records)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for index in range(1, 10):
        assert f"record {index}:" in result.output
    assert "category" in result.output and "languages" in result.output
    assert "appears twice" in result.output
    assert "1 created, 0 updated, 0 unchanged, 9 rejected" in result.output
    assert db.session.scalar(select(func.count()).select_from(ServiceEntry)) == 1


@pytest.mark.parametrize("content", ["{not json", '{"slug": "kein-array"}'])
def test_import_refuses_a_file_that_is_not_a_list(runner, app, tmp_path, content):
    path = tmp_path / "services.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["services", "import", str(path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_hidden_state_survives_the_round_trip(runner, app, tmp_path, client):
    hidden = service_record(hidden=True)
    runner.invoke(args=["services", "import", write(tmp_path, [hidden])])
    assert client.get("/services/anerkennungsberatung-leipzig").status_code == 404
    # A record without "hidden" leaves the admin's decision alone.
    runner.invoke(args=["services", "import", write(tmp_path, [service_record()])])
    assert client.get("/services/anerkennungsberatung-leipzig").status_code == 404
    exported = json.loads(runner.invoke(args=["services", "export"]).output)
    assert exported[0]["hidden"] is True


def test_demo_loads_services_idempotently(runner, app, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo services: 16 created" in result.output
    again = runner.invoke(args=["demo"])
    assert "Demo services: 0 created, 0 updated, 16 unchanged" in again.output
    assert db.session.scalar(select(func.count()).select_from(ServiceEntry)) == 16
    assert all(db.session.scalars(select(ServiceEntry.is_demo)))
    html = client.get("/services?region=wolfsburg").get_data(as_text=True)
    assert "Welcome Center der Region" in html and "Demodaten" in html
    listed = client.get("/api/v1/services?category=recognition").get_json()
    assert {item["organisation"]["slug"] for item in listed["items"]} == {
        "iq-netzwerk-sachsen",
        "ihk-nrw",
    }


def test_demo_sets_up_meetings_for_the_leipzig_evening_once(runner, app):
    result = runner.invoke(args=["demo"])
    assert "Demo meetings: set up for 1 events." in result.output, result.output
    event = db.session.scalar(
        select(Event).where(Event.slug == "leipzig-gewinnt-auslaendische-fachkraefte")
    )
    setup = meeting_setup(event.id)
    assert setup.enabled and [t.name for t in setup.tables] == ["1", "2", "3", "4", "5", "6"]
    local = [s.start.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M") for s in setup.slots]
    assert local == ["18:05", "18:25", "18:45"]
    # An organiser's later change is kept: the demo does not set it up again.
    configure_meetings(
        event.id,
        enabled=False,
        slot_minutes=20,
        max_per_person=2,
        blocks=[(setup.slots[0].start, setup.slots[-1].end)],
        tables=["A"],
    )
    again = runner.invoke(args=["demo"])
    assert "Demo meetings: set up for 0 events." in again.output
    assert [t.name for t in meeting_setup(event.id).tables] == ["A"]
