"""Retention: with the clock moved past each period, that data is gone from every table
(scanned for the seeded names and addresses), while the reports keep their figures."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events.feedback import feedback_summary
from eventhub.extensions import db
from eventhub.manage import reports
from eventhub.manage.funder_report import funder_report
from eventhub.models import Event, OutboxMessage, RetentionChange
from eventhub.models.base import utcnow
from eventhub.privacy.retention import RetentionRefused, change_period, purge, schedule
from tests.privacy.conftest import PEOPLE, find_markers, markers


def figures(event_id: int) -> dict:
    """What the workspace report and the funder report count."""
    db.session.rollback()
    event = db.session.get(Event, event_id)
    with force_locale("de"):
        funder = funder_report(event, "de")
        return {
            "stats": reports.event_stats(event),
            "meetings": reports.meeting_counts(event),
            "charts": reports.event_charts(event),
            "feedback": feedback_summary(event),
            "figures": funder.figures,
            "types": funder.organisation_types,
            "esf": funder.esf,
            "funder_feedback": funder.feedback,
        }


def run_purge(app) -> str:
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    return result.stdout  # the command's summary (log lines go to stderr)


def after_end(event, days: float):
    return time_machine.travel(event.ends_at + dt.timedelta(days=days), tick=False)


def test_after_every_period_nothing_identifies_anyone_and_the_figures_stay(app, world, caplog):
    event = world.event
    with after_end(event, 0.5):
        before = figures(event.id)
    # The scan sees the seeded data where it is stored (the control for the scan).
    seen = find_markers()
    for place in (
        "registrations.first_name",
        "registrations.email",
        "answers.value",
        "network_profiles.offers_text",
        "contact_requests.message",
        "meetings.note",
        "outbox_messages.message",
        "outbox_messages.recipient",
        "event_files.data",
        "certificates.holder_name",
        "participant_feeds.email_normalised",
    ):
        assert place in seen, (place, sorted(seen))

    caplog.set_level(logging.DEBUG)
    with after_end(event, 366):
        output = run_purge(app)
        assert "1 events: 2 registrations anonymised" in output
        assert find_markers() == {}
        assert figures(event.id) == before
        again = run_purge(app)
    assert again.startswith("0 events: 0 registrations anonymised")
    logged = caplog.text.casefold()
    assert "privacy purge" in logged
    assert not [m for m in markers() if m.casefold() in logged]


def test_each_kind_goes_when_its_period_is_over(app, world):
    event = world.event
    with after_end(event, 0.5):
        before = figures(event.id)
    wiebke = PEOPLE[0]
    with after_end(event, 1):
        run_purge(app)
        left = find_markers()
        assert not any(wiebke["answer"].casefold() in v for v in left.values())  # sensitive
        assert wiebke["free"].casefold() in left["answers.value"]  # not sensitive: later
        assert "network_profiles.offers_text" in left
    with after_end(event, 31):
        run_purge(app)
        left = find_markers()
        for place in ("network_profiles.offers_text", "contact_requests.message", "meetings.note"):
            assert place not in left
        assert "registrations.last_name" in left and "event_files.data" in left
        assert figures(event.id)["meetings"] == before["meetings"]  # kept when they went
    with after_end(event, 91):
        run_purge(app)
        left = find_markers()
        assert set(left) == {"certificates.holder_name"}, left  # kept as proof for a year
        assert figures(event.id) == before
    with after_end(event, 366):
        run_purge(app)
        assert find_markers() == {}


def test_mails_are_emptied_after_delivery_or_failure_and_waiting_ones_are_kept(app, outbox):
    now = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    with write_transaction() as session:
        for n, (status, age) in enumerate(
            [("sent", 31), ("sent", 29), ("failed", 91), ("failed", 89), ("queued", 200)]
        ):
            created = now - dt.timedelta(days=age)
            session.add(
                OutboxMessage(
                    kind="test",
                    recipient=f"person{n}@example.org",
                    mailbox=f"person{n}@example.org",
                    subject=f"Hallo {n}",
                    message=b"Hallo",
                    message_id=f"<m{n}@test>",
                    status=status,
                    created_at=created,
                    sent_at=created if status == "sent" else None,
                )
            )
    with time_machine.travel(now, tick=False):
        run_purge(app)
    assert {row.subject: row.recipient != "" for row in outbox()} == {
        "": False,
        "Hallo 1": True,
        "Hallo 3": True,
        "Hallo 4": True,
    }
    assert len(outbox()) == 5  # emptied, not deleted: counts per status stay


def test_organisers_set_their_own_period_longer_only_with_a_reason(app, world, make_organiser):
    event, user = world.event, make_organiser()
    with app.test_request_context(), pytest.raises(RetentionRefused, match="Begründung"):
        change_period(event, "signin_scan", 400, reason="", user_id=user.id)
    with app.test_request_context(), pytest.raises(RetentionRefused):
        change_period(event, "signin_scan", 4000, reason="ESF: zehn Jahre", user_id=user.id)
    with app.test_request_context(), pytest.raises(RetentionRefused):
        change_period(event, "sensitive", 5, reason="", user_id=user.id)
    change_period(event, "signin_scan", 1200, reason="ESF-Förderung: Belege", user_id=user.id)
    change_period(event, "registrations", 7, reason="", user_id=user.id)
    rows = db.session.scalars(select(RetentionChange).order_by(RetentionChange.id)).all()
    assert [(r.kind, r.days, r.reason, r.user_id) for r in rows] == [
        ("signin_scan", 1200, "ESF-Förderung: Belege", user.id),
        ("registrations", 7, "", user.id),
    ]
    plan = {due.kind: due for due in schedule(db.session.get(Event, event.id))}
    assert plan["registrations"].days == 7 and plan["network"].days == 7
    assert plan["signin_scan"].days == 1200 and plan["signin_scan"].own_period
    with after_end(event, 8):
        run_purge(app)
        left = find_markers()
        assert set(left) == {"event_files.data", "certificates.holder_name"}, left
    with after_end(event, 1201):
        run_purge(app)
        assert find_markers() == {}
    with (
        app.test_request_context(),
        pytest.raises(RetentionRefused),
    ):  # gone: nothing left to keep longer
        change_period(event, "signin_scan", 2000, reason="ESF-Förderung: Belege", user_id=user.id)


def test_purge_does_not_touch_events_that_are_not_over(app, world):
    with time_machine.travel(world.event.starts_at - dt.timedelta(days=1), tick=False):
        assert run_purge(app).startswith("0 events")
    assert "registrations.first_name" in find_markers()
    db.session.execute(update(OutboxMessage).values(status="sent"))
    db.session.commit()
    assert purge(world.event.ends_at - dt.timedelta(hours=1)).registrations == 0


def test_spent_access_links_go_with_the_job(app):
    from eventhub.models import PrivacyRequest
    from eventhub.privacy.requests import request_access

    with app.test_request_context():
        request_access("someone@example.org", "de")
    assert db.session.scalar(select(func.count(PrivacyRequest.id))) == 1
    with time_machine.travel(utcnow() + dt.timedelta(minutes=80), tick=False):
        run_purge(app)  # link (60 min) over, but its access may still be open (30 min)
    assert db.session.scalar(select(func.count(PrivacyRequest.id))) == 1
    with time_machine.travel(utcnow() + dt.timedelta(minutes=100), tick=False):
        assert "1 access links" in run_purge(app)
    db.session.rollback()
    assert db.session.scalar(select(func.count(PrivacyRequest.id))) == 0


def test_the_job_expires_the_audit_log(app, world, make_organiser):
    from eventhub.models import AuditEntry
    from eventhub.privacy.audit import record_access

    user = make_organiser()
    with time_machine.travel(world.event.ends_at, tick=False):
        record_access(
            "attendees.csv", organisation_id=None, event_id=world.event.id, rows=2, user_id=user.id
        )
    with after_end(world.event, 364):
        run_purge(app)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
    with after_end(world.event, 366):
        assert "1 audit entries" in run_purge(app)
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_erasure_leaves_nothing_of_the_person_and_everything_of_the_other(app, world):
    """After the event (nothing to cancel, no new mail): every seeded string of Wiebke is
    gone from every table, in her mails and in the mails to others that named her."""
    from eventhub.privacy.erasure import erase_person

    wiebke, quirin = PEOPLE
    with after_end(world.event, 2):
        erase_person(wiebke["email"])
    hers = list(wiebke.values())
    # The signed sign-in sheet's scan holds everyone's signature; it goes with its own
    # period (a funder's requirement: Art. 17 (3) b GDPR), not one person at a time.
    assert find_markers(hers) == {"event_files.data": ["wiebke", "zylinska"]}
    left = find_markers([quirin["first_name"], quirin["offers"], quirin["answer"]])
    assert {"registrations.first_name", "network_profiles.offers_text", "answers.value"} <= set(
        left
    )


def test_a_period_that_is_over_cannot_be_lengthened_and_no_change_is_no_record(
    app, world, make_organiser
):
    event, user = world.event, make_organiser()
    reason = "ESF-Förderung: Belege aufbewahren"
    assert change_period(event, "signin_scan", 400, reason=reason, user_id=user.id)
    assert not change_period(event, "signin_scan", 400, reason=reason, user_id=user.id)
    assert db.session.scalar(select(func.count(RetentionChange.id))) == 1
    with after_end(event, 95), app.test_request_context(), pytest.raises(RetentionRefused):
        # 90 days are over, the job has not run yet: the data is due, not to be kept on
        change_period(event, "registrations", 200, reason=reason, user_id=user.id)
    with after_end(event, 95):  # shorter is fine
        assert change_period(event, "signin_scan", 60, reason="", user_id=user.id)
