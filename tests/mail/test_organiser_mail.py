"""Organisers hear of registrations and get their attendee lists by mail."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import update

from eventhub.extensions import db
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import Registration
from tests.conftest import in_days
from tests.mail.conftest import send_mail

BERLIN = ZoneInfo("Europe/Berlin")


def test_each_registration_is_reported_when_chosen(make_event, make_registration, outbox):
    event = make_event(notify_mode="each")
    make_registration(event)
    make_registration(event)
    assert outbox.count_by("kind") == Counter({"confirmation": 2, "organiser_new": 2})
    row = outbox(kind="organiser_new")[0]
    assert row.recipient == "erika@example.org"


def test_the_notice_counts_the_seat_it_reports(make_event, make_registration, outbox):
    event = make_event(notify_mode="each", capacity=3)
    make_registration(event)
    [first] = outbox(kind="organiser_new")
    assert "Freie Plätze: 2" in outbox.text(first)
    assert "Freie Plätze: 2" in outbox.parse(first).get_body(("html",)).get_content()
    make_registration(event)
    make_registration(event)
    assert ["Freie Plätze: 1" in outbox.text(r) for r in outbox(kind="organiser_new")[1:]] == [
        True,
        False,
    ]
    assert "Freie Plätze: 0" in outbox.text(outbox.last(kind="organiser_new"))


def test_daily_digest_once_a_day_with_only_new_people(make_event, make_registration, outbox):
    event = make_event(notify_mode="digest")
    make_registration(event, last_name="Erste")
    morning = dt.datetime.now(BERLIN).replace(hour=8, minute=0) + dt.timedelta(days=1)
    assert run_scheduled(morning).digests == 1
    assert run_scheduled(morning + dt.timedelta(hours=3)).digests == 0  # same day
    later, _ = make_registration(event, last_name="Zweite")
    # it came in later that (simulated) day
    db.session.execute(
        update(Registration)
        .where(Registration.id == later.id)
        .values(created_at=morning + dt.timedelta(hours=5))
    )
    db.session.commit()
    next_day = morning + dt.timedelta(days=1)
    assert run_scheduled(next_day - dt.timedelta(hours=2)).digests == 0  # before 7:00
    assert run_scheduled(next_day).digests == 1
    assert run_scheduled(next_day + dt.timedelta(days=1)).digests == 0  # nothing new
    rows = outbox(kind="organiser_digest")
    assert b"Erste" in rows[0].message and b"Zweite" not in rows[0].message
    assert b"Zweite" in rows[1].message and b"Erste" not in rows[1].message


def test_attendee_list_the_day_before(mail_app, runner, smtp_server, make_event, make_registration):
    event = make_event(starts=in_days(1, 10), notify_mode="none")
    make_registration(event, first_name="Jürgen", last_name="Müller")
    result = runner.invoke(args=["mail", "scheduled"])
    assert "1 attendee lists" in result.output
    again = runner.invoke(args=["mail", "scheduled"])
    assert "0 attendee lists" in again.output
    send_mail(runner)
    [message] = [m for m in smtp_server.messages if m["Subject"].startswith("Teilnahmeliste")]
    assert message["To"].addresses[0].addr_spec == "erika@example.org"
    files = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    csv_name, xlsx_name = sorted(files)
    assert csv_name.endswith(".csv") and xlsx_name.endswith(".xlsx")
    assert "Müller".encode() in files[csv_name]
    sheet = openpyxl.load_workbook(io.BytesIO(files[xlsx_name])).active
    assert sheet["B2"].value == "Müller"
