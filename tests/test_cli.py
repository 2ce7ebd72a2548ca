"""The flask commands of the public contract."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, inspect, select

from eventhub.extensions import db
from eventhub.models import Event, Membership, Organisation, User
from tests.conftest import event_record


def test_init_db_runs_migrations_and_matches_the_models(app_factory, backend):
    app = app_factory()
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    runner = app.test_cli_runner()
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
    with app.app_context():
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        tables = set(inspect(db.engine).get_table_names())
        assert {"events", "registrations", "organisations", "users"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"


def test_demo_loads_the_seed_events_idempotently(runner, app):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "6 events created" in result.output
    again = runner.invoke(args=["demo"])
    assert "0 events created, 0 updated, 6 unchanged" in again.output
    titles = set(db.session.scalars(select(Event.title)))
    assert "Integration von Geflüchteten in Arbeit und Ausbildung" in titles
    assert "Leipzig gewinnt ausländische Fachkräfte" in titles
    bottrop = db.session.scalar(select(Event).where(Event.title.like("Integration von Gefl%")))
    assert bottrop.capacity == 170
    roles = {(h.organisation.name, h.role) for h in bottrop.hosts}
    assert ("Europäischer Sozialfonds (ESF)", "funder") in roles
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.sequence > 0)) == 0


def test_users_create(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Orga@IHK.example",
            "--password",
            "lang-genug-1",
            "--org",
            "ihk-nrw",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "orga@ihk.example"))
    assert user is not None and not user.is_admin
    assert "lang-genug-1" not in user.password_hash
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.organisation.slug == "ihk-nrw"
    admin = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "admin@example.org",
            "--password",
            "lang-genug-2",
            "--admin",
        ]
    )
    assert admin.exit_code == 0
    assert db.session.scalar(select(User.is_admin).where(User.email == "admin@example.org"))


@pytest.mark.parametrize(
    "args",
    [
        ["--email", "kein-email", "--password", "lang-genug-1"],
        ["--email", "a@b.example", "--password", "kurz"],
        ["--email", "a@b.example", "--password", "lang-genug-1", "--org", "Böse Org!"],
    ],
)
def test_users_create_rejects_bad_input(runner, app, args):
    result = runner.invoke(args=["users", "create", *args])
    assert result.exit_code != 0
    assert "Error" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_export_import_round_trip(runner, app, make_event, tmp_path):
    make_event(
        title="Kooperationsgespräch Hamm",
        series="regionalagentur",
        topics=["Fachkräftesicherung"],
        capacity=30,
    )
    out = tmp_path / "events.json"
    result = runner.invoke(args=["events", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported[0]["title"] == "Kooperationsgespräch Hamm"
    assert "Kooperationsgespräch" in out.read_text(encoding="utf-8")  # not \\u-escaped

    exported[0]["slug"] = "kopie-hamm"
    (tmp_path / "more.json").write_text(json.dumps(exported), encoding="utf-8")
    first = runner.invoke(args=["events", "import", str(tmp_path / "more.json")])
    assert "1 created" in first.output
    second = runner.invoke(args=["events", "import", str(tmp_path / "more.json")])
    assert "0 created, 0 updated, 1 unchanged" in second.output
    copy = db.session.scalar(select(Event).where(Event.slug == "kopie-hamm"))
    assert copy.capacity == 30 and copy.series.slug == "regionalagentur"


def test_import_reports_bad_records_by_index(runner, app, tmp_path):
    records = [
        event_record(slug="gut"),
        event_record(slug="Böser Slug"),
        event_record(slug="ohne-zone", starts_at="2030-01-01T10:00:00"),
        {"slug": "fast-leer"},
        "kein objekt",
        event_record(slug="rueckwaerts", ends_at="2000-01-01T10:00:00+01:00"),
        event_record(slug="gut"),
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for index in (1, 2, 3, 4, 5, 6):
        assert f"record {index}:" in result.output
    assert "slug" in result.output and "starts_at" in result.output
    assert "appears twice" in result.output
    assert "1 created" in result.output
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1


def test_import_rejects_a_file_that_is_not_json(runner, app, tmp_path):
    path = tmp_path / "events.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code != 0
    assert "not valid UTF-8 JSON" in result.output


def test_api_keys_create_list_revoke(runner, app, make_event, client):
    event = make_event(hosts=[{"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"}])
    created = runner.invoke(
        args=["api-keys", "create", "--org", "ihk-nrw", "--name", "CRM", "--write"]
    )
    assert created.exit_code == 0, created.output
    raw = created.output.strip()
    headers = {"Authorization": f"Bearer {raw}"}
    path = f"/api/v1/organiser/events/{event.slug}/registrations"
    assert client.get(path, headers=headers).status_code == 200
    listed = runner.invoke(args=["api-keys", "list", "--org", "ihk-nrw"])
    key_id, prefix, rights, name, _used = listed.output.strip().split("\t")
    assert (prefix, rights, name) == (raw[:10] + "…", "read-write", "CRM")
    assert raw not in listed.output
    revoked = runner.invoke(args=["api-keys", "revoke", "--org", "ihk-nrw", key_id])
    assert revoked.exit_code == 0
    assert client.get(path, headers=headers).status_code == 401
    again = runner.invoke(args=["api-keys", "revoke", "--org", "ihk-nrw", key_id])
    assert again.exit_code == 1 and "no active key" in again.output
    missing = runner.invoke(args=["api-keys", "create", "--org", "nope", "--name", "X"])
    assert missing.exit_code == 1 and "no organisation 'nope'" in missing.output


def test_import_survives_topics_that_differ_in_case(runner, app, tmp_path):
    records = [
        event_record(slug="eins", topics=["Integration", "integration", "C++", "C#"]),
        event_record(slug="zwei"),
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    again = runner.invoke(args=["events", "import", str(path)])
    assert "2 unchanged" in again.output


def test_reimport_with_differently_named_shared_host_is_unchanged(runner, app, tmp_path):
    records = [
        event_record(slug="eins", hosts=[{"name": "IHK Essen", "slug": "ihk", "role": "host"}]),
        event_record(slug="zwei", hosts=[{"name": "IHK zu Essen", "slug": "ihk", "role": "host"}]),
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    runner.invoke(args=["events", "import", str(path)])
    again = runner.invoke(args=["events", "import", str(path)])
    assert "0 updated, 2 unchanged" in again.output


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Tag\x01ung"},
        {"summary": "Glocke\x07"},
        {"description": "NUL\x00"},
        {"starts_at": "0001-01-01T10:00:00+01:00", "ends_at": "0001-01-01T12:00:00+01:00"},
        {"venue": {"name": "x" * 250}},
        {"venue": {"city": "y" * 150}},
        {"contact": {"name": "z" * 250}},
        {"online_url": "https://example.org/" + "a" * 600},
    ],
)
def test_import_reports_what_the_database_would_refuse(runner, app, tmp_path, overrides):
    path = tmp_path / "events.json"
    path.write_text(json.dumps([event_record(**overrides)]), encoding="utf-8")
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code == 1
    assert "record 0:" in result.output and "Traceback" not in result.output


def test_host_consent_migration_counts_existing_links_as_accepted(app_factory, backend):
    """Links made before the consent rule (revision 4e0a757892bf) stay accepted."""
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.models import EventHost

    app = app_factory()
    runner = app.test_cli_runner()
    with app.app_context():
        upsert_event(EventRecord.model_validate(event_record(slug="alt")))
        db.session.commit()
    for args in (["db", "stamp", "head"], ["db", "downgrade", "13eee00eda8d"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("event_hosts")}
        assert "accepted_at" not in columns
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        links = db.session.scalars(select(EventHost)).all()
        assert links and all(link.accepted_at is not None for link in links)
