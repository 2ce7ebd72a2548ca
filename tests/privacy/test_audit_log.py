"""The audit log as the organisation's owners read it, the mailed lists it records, and
its expiry (issue 16)."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.manage.api_keys import create_token
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import AuditEntry, Organisation
from eventhub.privacy.audit import purge_audit_log, record_access
from tests.manage.conftest import hosted_by, log_in

UTC = dt.UTC
KAMMER = hosted_by("audit-kammer", "Audit-Kammer")


def org_id(slug: str) -> int:
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))


def entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[1:]
    ]


def test_owners_read_who_looked_at_what_newest_first(
    app, client, make_organiser, make_event, make_registration
):
    owner = make_organiser("owner@kammer.example", "audit-kammer")
    colleague = make_organiser("kollegin@kammer.example", "audit-kammer")
    event = make_event(title="Fachtagung Pflege", hosts=KAMMER)
    for _ in range(3):
        make_registration(event)
    key, raw = create_token(
        org_id("audit-kammer"), "Unser CRM", can_write=False, created_by_id=None
    )
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        log_in(client, "kollegin@kammer.example")
        assert client.get(f"/manage/events/{event.slug}/attendees.csv").status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        response = client.get(
            f"/api/v1/organiser/events/{event.slug}/registrations",
            headers={"Authorization": f"Bearer {raw}"},
        )
        assert response.status_code == 200
    client.get("/manage/logout")
    log_in(client, "owner@kammer.example")
    page = client.get("/manage/organisations/audit-kammer/audit")
    assert page.status_code == 200
    rows = table_rows(page.get_data(as_text=True))
    assert rows == [
        "01.12.2026, 11:00:00 API-Schlüssel „Unser CRM“ Fachtagung Pflege "
        "Anmeldungen über die API gelesen 3",
        "01.12.2026, 10:00:00 kollegin@kammer.example Fachtagung Pflege Teilnahmeliste (CSV) 3",
    ]
    (csv_entry, api_entry) = [e for e in entries()]
    assert (csv_entry.user_id, csv_entry.api_token_id) == (colleague.id, None)
    assert (api_entry.user_id, api_entry.api_token_id) == (None, key.id)
    english = client.get("/manage/organisations/audit-kammer/audit?lang=en")
    assert "Registrations read through the API" in english.get_data(as_text=True)
    assert owner.id not in {e.user_id for e in entries()}  # reading the log is not logged


def test_colleagues_get_403_and_outsiders_404(client, make_organiser, make_event):
    make_organiser("owner@kammer.example", "audit-kammer")
    make_organiser("kollegin@kammer.example", "audit-kammer")
    make_organiser("fremd@hwk.example", "hwk")
    assert client.get("/manage/organisations/audit-kammer/audit").status_code == 302
    log_in(client, "kollegin@kammer.example")
    assert client.get("/manage/organisations/audit-kammer/audit").status_code == 403
    client.get("/manage/logout")
    log_in(client, "fremd@hwk.example")
    assert client.get("/manage/organisations/audit-kammer/audit").status_code == 404
    client.get("/manage/logout")
    log_in(client, "owner@kammer.example")
    assert client.get("/manage/organisations/audit-kammer/audit").status_code == 200
    assert client.get("/manage/organisations/audit-kammer/audit?page=2").status_code == 404
    assert client.get("/manage/organisations/audit-kammer/audit?page=x").status_code == 404


def test_other_organisations_entries_stay_theirs(
    client, make_organiser, make_event, make_registration
):
    make_organiser("owner@kammer.example", "audit-kammer")
    make_organiser("owner@hwk.example", "hwk")
    ours = make_event(title="Unsere Veranstaltung", hosts=KAMMER)
    theirs = make_event(title="Geheime HWK-Veranstaltung", hosts=hosted_by("hwk", "HWK"))
    make_registration(ours)
    make_registration(theirs)
    log_in(client, "owner@hwk.example")
    assert client.get(f"/manage/events/{theirs.slug}/attendees.csv").status_code == 200
    client.get("/manage/logout")
    log_in(client, "owner@kammer.example")
    assert client.get(f"/manage/events/{ours.slug}/attendees.xlsx").status_code == 200
    html = client.get("/manage/organisations/audit-kammer/audit").get_data(as_text=True)
    assert "Unsere Veranstaltung" in html
    assert "Geheime HWK-Veranstaltung" not in html and "owner@hwk.example" not in html
    assert len(table_rows(html)) == 1
    # Their event is no filter of ours, not even by its id.
    url = f"/manage/organisations/audit-kammer/audit?event={theirs.id}"
    assert client.get(url).status_code == 404


def test_a_co_host_sees_access_to_the_shared_event(
    client, make_organiser, make_event, make_registration
):
    """The host's owners see who of a co-host read their event's attendees; the co-host's
    owners see their own people's access, not what the host did elsewhere."""
    make_organiser("owner@kammer.example", "audit-kammer")
    make_organiser("owner@hwk.example", "hwk")
    shared = make_event(
        title="Gemeinsame Tagung",
        hosts=KAMMER + [{"name": "HWK", "slug": "hwk", "role": "cohost"}],
    )
    only_ours = make_event(title="Nur Kammer", hosts=KAMMER)
    make_registration(shared)
    make_registration(only_ours)
    log_in(client, "owner@hwk.example")
    assert client.get(f"/manage/events/{shared.slug}/attendees.csv").status_code == 200
    client.get("/manage/logout")
    log_in(client, "owner@kammer.example")
    assert client.get(f"/manage/events/{only_ours.slug}/attendees.csv").status_code == 200
    html = client.get("/manage/organisations/audit-kammer/audit").get_data(as_text=True)
    assert "owner@hwk.example" in html and "Nur Kammer" in html
    client.get("/manage/logout")
    log_in(client, "owner@hwk.example")
    html = client.get("/manage/organisations/hwk/audit").get_data(as_text=True)
    assert "Gemeinsame Tagung" in html and "Nur Kammer" not in html


def test_filter_by_event_and_pages_of_fifty(app, client, make_organiser, make_event):
    make_organiser("owner@kammer.example", "audit-kammer")
    first = make_event(title="Erste Veranstaltung", hosts=KAMMER)
    second = make_event(title="Zweite Veranstaltung", hosts=KAMMER)
    kammer = org_id("audit-kammer")
    for n in range(55):
        record_access("attendees.csv", organisation_id=kammer, event_id=first.id, rows=n + 1)
    record_access("attendees.pdf", organisation_id=kammer, event_id=second.id, rows=7)
    log_in(client, "owner@kammer.example")
    base = "/manage/organisations/audit-kammer/audit"
    one = client.get(base).get_data(as_text=True)
    assert len(table_rows(one)) == 50 and "56 Einträge" in one
    assert "Zweite Veranstaltung" in table_rows(one)[0]  # the newest
    assert 'rel="next"' in one
    two = client.get(base + "?page=2").get_data(as_text=True)
    assert len(table_rows(two)) == 6 and 'rel="prev"' in two
    filtered = client.get(f"{base}?event={second.id}").get_data(as_text=True)
    assert len(table_rows(filtered)) == 1 and "Unterschriftenliste (PDF)" in filtered
    assert client.get(f"{base}?event=abc").status_code == 404


def test_the_scheduled_list_mail_is_recorded_as_the_system(
    client, make_organiser, make_event, make_registration
):
    make_organiser("owner@kammer.example", "audit-kammer")
    event = make_event(title="Morgen", hosts=KAMMER)
    for _ in range(2):
        make_registration(event)
    run_scheduled(event.starts_at - dt.timedelta(hours=12))
    (entry,) = entries()
    assert (entry.action, entry.rows, entry.event_id) == ("attendees.mail", 2, event.id)
    assert entry.user_id is None and entry.api_token_id is None
    assert entry.organisation_id == org_id("audit-kammer")
    run_scheduled(event.starts_at - dt.timedelta(hours=11))  # sent once, recorded once
    assert len(entries()) == 1
    log_in(client, "owner@kammer.example")
    html = client.get("/manage/organisations/audit-kammer/audit").get_data(as_text=True)
    assert "Das System (geplante Mail)" in html


def test_a_list_mailed_on_request_is_recorded_for_the_account(
    client, make_organiser, make_event, make_registration
):
    owner = make_organiser("owner@kammer.example", "audit-kammer")
    event = make_event(hosts=KAMMER)
    make_registration(event)
    log_in(client, "owner@kammer.example")
    response = client.post(f"/manage/events/{event.slug}/send-list")
    assert response.status_code == 303
    (entry,) = entries()
    assert (entry.action, entry.user_id, entry.rows) == ("attendees.mail", owner.id, 1)


def test_entries_expire_after_the_configured_days(app, make_organiser, make_event):
    make_organiser("owner@kammer.example", "audit-kammer")
    event = make_event(hosts=KAMMER)
    kammer = org_id("audit-kammer")
    app.config["AUDIT_LOG_DAYS"] = 30
    start = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for days in (0, 10, 29):
        with time_machine.travel(start + dt.timedelta(days=days), tick=False):
            record_access("attendees.csv", organisation_id=kammer, event_id=event.id, rows=1)
    # 30 days after the first entry, to the second: that one is exactly 30 days old.
    assert purge_audit_log(start + dt.timedelta(days=30)) == 0
    assert purge_audit_log(start + dt.timedelta(days=30, seconds=1)) == 1
    assert purge_audit_log(start + dt.timedelta(days=45)) == 1
    assert purge_audit_log(start + dt.timedelta(days=45)) == 0  # idempotent
    (left,) = entries()
    assert left.created_at == start + dt.timedelta(days=29)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
