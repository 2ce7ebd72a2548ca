"""Organisers cancel many registrations at once: filter, preview, confirm exactly that set."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import icalendar
import pytest
from sqlalchemy import select, update

from eventhub.events.registration import cancel_registrations
from eventhub.extensions import db
from eventhub.models import Event, Registration
from tests.conftest import run_together
from tests.manage.conftest import hosted_by, log_in


@pytest.fixture
def event(make_event):
    return make_event(capacity=10, hosts=hosted_by("ihk-nrw"))


def url(event) -> str:
    return f"/manage/events/{event.slug}/registrations/bulk-cancel"


def preview(client, event, **filters):
    response = client.get(url(event), query_string=filters)
    return response, response.get_data(as_text=True)


def matched(html: str) -> int:
    return int(re.search(r'id="match-count">(\d+)', html).group(1))


def shown_addresses(html: str) -> set[str]:
    return {unescape(a) for a in re.findall(r'<td class="address">([^<]*)</td>', html)}


def confirmation(html: str) -> dict[str, str]:
    """The hidden fields of the confirmation form on a preview page."""
    form = html.split('aria-labelledby="confirm-heading"', 1)[1].split("</form>", 1)[0]
    return {
        name: unescape(value)
        for name, value in re.findall(
            r'<input[^>]*name="([a-z_]+)"[^>]*type="hidden" value="([^"]*)"', form
        )
    } | {
        name: unescape(value)
        for name, value in re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form
        )
    }


def confirm(client, event, html: str, *, notify: bool, **extra):
    data = {**confirmation(html), "confirm": "y", **extra}
    if notify:
        data["notify"] = "y"
    return client.post(url(event), data=data)


def statuses(event) -> dict[str, str]:
    db.session.rollback()
    return dict(
        db.session.execute(
            select(Registration.email, Registration.status).where(Registration.event_id == event.id)
        ).all()
    )


def seats_left(client, event) -> int:
    html = client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    return int(re.search(r"<dt>Freie Plätze</dt><dd>(\d+)</dd>", html).group(1))


def registered_at(email: str, moment: dt.datetime) -> None:
    db.session.execute(
        update(Registration).where(Registration.email == email).values(created_at=moment)
    )
    db.session.commit()


def test_domain_filter_previews_and_cancels_exactly_those(
    organiser_client, event, make_registration, outbox
):
    bots = ["bot1@bots.example", "Bot2@BOTS.Example", "bot3@mail.bots.example"]
    humans = ["anna@example.org", "eve@notbots.example", "bots.example@example.org"]
    for email in bots + humans:
        make_registration(event, email=email)
    assert seats_left(organiser_client, event) == 4

    response, html = preview(organiser_client, event, domain="@Bots.Example")
    assert response.status_code == 200
    assert matched(html) == 3
    assert shown_addresses(html) == set(bots)

    before = len(outbox())
    response = confirm(organiser_client, event, html, notify=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/events/{event.slug}"
    page = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 Anmeldungen wurden storniert." in page
    assert statuses(event) == {
        **dict.fromkeys(bots, "cancelled"),
        **dict.fromkeys(humans, "confirmed"),
    }
    assert seats_left(organiser_client, event) == 7
    assert len(outbox()) == before  # without "tell them", no mail at all


def test_notify_sends_each_person_a_cancel(organiser_client, event, make_registration, outbox):
    for n in range(3):
        make_registration(event, email=f"bot{n}@bots.example")
    make_registration(event, email="anna@example.org")
    _, html = preview(organiser_client, event, domain="bots.example")
    before = outbox.count_by("kind")
    assert confirm(organiser_client, event, html, notify=True).status_code == 303

    assert outbox.count_by("kind") - before == {"cancellation": 3}
    rows = outbox(kind="cancellation")
    assert sorted(row.recipient for row in rows) == [f"bot{n}@bots.example" for n in range(3)]
    for row in rows:
        message = outbox.parse(row)
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert parts
        for part in parts:
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            assert calendar["METHOD"] == "CANCEL"
            [vevent] = calendar.walk("VEVENT")
            assert vevent["UID"].startswith("registration-")
            assert int(vevent["SEQUENCE"]) >= 1
        assert parts[0].get_param("method") == "CANCEL"
    assert outbox(recipient="anna@example.org", kind="cancellation") == []


def test_organisation_filter_folds_case_and_umlauts(organiser_client, event, make_registration):
    make_registration(event, email="a@one.example", organisation="Bäckerei MÜLLER GmbH")
    make_registration(event, email="b@two.example", organisation="müller & söhne")
    make_registration(event, email="c@three.example", organisation="Mueller AG")
    # The name matches, the organisation does not: not selected.
    make_registration(event, email="d@four.example", last_name="Müller", organisation="Acme")

    _, html = preview(organiser_client, event, organisation="  Müller ")
    assert matched(html) == 2
    assert shown_addresses(html) == {"a@one.example", "b@two.example"}


def test_time_window_is_local_and_includes_the_last_minute(
    organiser_client, event, make_registration
):
    utc = dt.UTC
    for email, moment in [
        ("early@x.example", dt.datetime(2026, 1, 15, 8, 59, 59, tzinfo=utc)),  # 09:59:59 Berlin
        ("start@x.example", dt.datetime(2026, 1, 15, 9, 0, tzinfo=utc)),  # 10:00 Berlin
        ("end@x.example", dt.datetime(2026, 1, 15, 9, 30, 59, tzinfo=utc)),  # 10:30:59 Berlin
        ("late@x.example", dt.datetime(2026, 1, 15, 9, 31, tzinfo=utc)),  # 10:31 Berlin
        ("other@y.example", dt.datetime(2026, 1, 15, 9, 15, tzinfo=utc)),
    ]:
        make_registration(event, email=email)
        registered_at(email, moment)

    window = {"registered_from": "2026-01-15T10:00", "registered_until": "2026-01-15T10:30"}
    _, html = preview(organiser_client, event, **window)
    assert shown_addresses(html) == {"start@x.example", "end@x.example", "other@y.example"}
    _, html = preview(organiser_client, event, domain="x.example", **window)
    assert shown_addresses(html) == {"start@x.example", "end@x.example"}
    _, html = preview(organiser_client, event, registered_from="2026-01-15T10:31")
    assert shown_addresses(html) == {"late@x.example"}
    # Times are shown in the event's zone.
    assert "10:31" in html

    assert confirm(organiser_client, event, html, notify=False).status_code == 303
    assert statuses(event)["late@x.example"] == "cancelled"
    assert sum(s == "cancelled" for s in statuses(event).values()) == 1


def test_preview_shows_fifty_and_counts_all(organiser_client, make_event, bulk_registrations):
    big = make_event(capacity=500, hosts=hosted_by("ihk-nrw"))
    bulk_registrations(big, 120)
    _, html = preview(organiser_client, big, domain="example.org")
    assert matched(html) == 120
    assert len(shown_addresses(html)) == 50
    response = confirm(organiser_client, big, html, notify=False)
    assert response.status_code == 303
    assert seats_left(organiser_client, big) == 500


def test_set_changed_since_preview_cancels_nothing(
    organiser_client, event, make_registration, outbox
):
    make_registration(event, email="bot1@bots.example")
    _, html = preview(organiser_client, event, domain="bots.example")
    make_registration(event, email="bot2@bots.example")  # the bot goes on after the preview

    response = confirm(organiser_client, event, html, notify=True)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="changed"' in page
    assert matched(page) == 2
    assert set(statuses(event).values()) == {"confirmed"}
    assert outbox(kind="cancellation") == []

    # The page shows the new set with a new fingerprint: confirming it works.
    assert confirm(organiser_client, event, page, notify=False).status_code == 303
    assert set(statuses(event).values()) == {"cancelled"}


def test_already_cancelled_between_preview_and_post_is_not_counted_twice(
    organiser_client, event, make_registration
):
    first, _ = make_registration(event, email="bot1@bots.example")
    make_registration(event, email="bot2@bots.example")
    _, html = preview(organiser_client, event, domain="bots.example")
    organiser_client.post(f"/manage/events/{event.slug}/registrations/{first.id}/cancel")
    # One of the two left the set: the fingerprint no longer matches.
    assert confirm(organiser_client, event, html, notify=False).status_code == 409
    assert seats_left(organiser_client, event) == 9


def test_confirmation_checkbox_is_required(organiser_client, event, make_registration):
    make_registration(event, email="bot1@bots.example")
    _, html = preview(organiser_client, event, domain="bots.example")
    data = confirmation(html)
    response = organiser_client.post(url(event), data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bitte bestätigen Sie die Stornierung." in page
    assert 'aria-invalid="true"' in page
    assert matched(page) == 1
    assert statuses(event) == {"bot1@bots.example": "confirmed"}


def test_page_is_linked_labelled_and_translated(organiser_client, event):
    workspace = organiser_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert f'href="{url(event)}"' in workspace
    html = organiser_client.get(url(event)).get_data(as_text=True)
    assert "<h1>Anmeldungen gesammelt stornieren</h1>" in html
    for field in ("domain", "organisation", "registered_from", "registered_until"):
        assert f'<label for="{field}">' in html
    assert 'id="match-count"' not in html  # nothing filtered yet
    english = organiser_client.get(url(event) + "?lang=en").get_data(as_text=True)
    assert "Cancel registrations in bulk" in english


def test_no_filter_is_refused(organiser_client, event, make_registration):
    make_registration(event)
    response, html = preview(organiser_client, event, domain="", organisation="")
    assert response.status_code == 422
    assert "Bitte füllen Sie mindestens einen Filter aus." in html
    assert 'id="match-count"' not in html


@pytest.mark.parametrize(
    "filters",
    [
        {"registered_from": "gestern"},
        {"registered_from": "2026-13-45T99:99"},
        {"registered_until": "99999-01-01T00:00"},
        {"registered_from": "0001-01-01T00:00"},
        {"registered_until": "9999-12-31T23:59"},
        {"registered_from": "2026-03-29T02:30"},  # the hour the clocks skip in Berlin
        {"registered_from": "2026-02-02T10:00", "registered_until": "2026-02-01T10:00"},
        {"domain": "bots\x00.example"},
        {"domain": "bots\x1b.example"},
        {"organisation": "Muster\x07"},
        {"domain": "x" * 10_000},
        {"organisation": "y" * 10_000},
        {"domain": "not a domain"},
        {"domain": "a@b@c"},
        {"domain": "-.-"},
    ],
)
def test_bad_filters_answer_4xx(organiser_client, event, make_registration, filters):
    make_registration(event)
    # Control characters are refused for every parameter of the site in one place (400);
    # the rest is the form's own validation (422).
    controls = any(ord(ch) < 32 for value in filters.values() for ch in value)
    expected = 400 if controls else 422
    response = organiser_client.get(url(event), query_string=filters)
    assert response.status_code == expected, response.status_code
    if not controls:
        assert 'role="alert"' in response.get_data(as_text=True)
    response = organiser_client.post(
        url(event), data={**filters, "fingerprint": "0" * 64, "confirm": "y"}
    )
    assert response.status_code == expected
    assert set(statuses(event).values()) == {"confirmed"}


@pytest.mark.parametrize(
    "data",
    [
        {"domain": "example.org", "confirm": "y"},
        {"domain": "example.org", "confirm": "y", "fingerprint": "zz"},
        {"domain": "example.org", "confirm": "y", "fingerprint": "0" * 10_000},
        {"domain": "example.org", "confirm": "y", "fingerprint": "\x00" * 64},
    ],
)
def test_post_without_a_previewed_fingerprint_is_400(
    organiser_client, event, make_registration, data
):
    make_registration(event)
    assert organiser_client.post(url(event), data=data).status_code == 400
    assert set(statuses(event).values()) == {"confirmed"}


def test_other_organisations_get_404(client, make_organiser, event, make_registration):
    make_registration(event, email="bot@bots.example")
    make_organiser("b@hwk.example", "hwk-leipzig")
    assert log_in(client, "b@hwk.example").status_code == 303
    assert client.get(url(event), query_string={"domain": "bots.example"}).status_code == 404
    response = client.post(
        url(event), data={"domain": "bots.example", "fingerprint": "0" * 64, "confirm": "y"}
    )
    assert response.status_code == 404
    assert statuses(event) == {"bot@bots.example": "confirmed"}


def test_service_skips_other_events_and_cancelled(make_event, make_registration, outbox):
    mine = make_event(capacity=5)
    other = make_event(capacity=5)
    a, _ = make_registration(mine)
    b, _ = make_registration(mine)
    foreign, _ = make_registration(other)
    assert cancel_registrations(mine.id, [a.id, a.id, foreign.id], notify=True) == 1
    assert cancel_registrations(mine.id, [a.id, b.id], notify=False) == 1
    db.session.rollback()
    assert db.session.get(Event, mine.id).confirmed_count == 0
    assert db.session.get(Event, other.id).confirmed_count == 1
    assert [row.recipient for row in outbox(kind="cancellation")] == [a.email]


@pytest.mark.slow
def test_bulk_cancels_at_once_free_each_seat_once(app_factory):
    """Overlapping bulk cancels (and single ones) running together free every seat once."""
    from eventhub.events.registration import Attendee, cancel_registration, register
    from tests.events.test_concurrency import build_event

    app = app_factory()
    build_event(app, "bot-befall", 40)
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.slug == "bot-befall"))
        ids = [
            register(event_id, Attendee("Bot", str(n), f"bot{n}@bots.example"))[0].id
            for n in range(30)
        ]
    results: list[int] = []

    def job():
        results.append(cancel_registrations(event_id, ids, notify=True))

    def single():
        cancel_registration(ids[0])

    assert run_together(app, job, 6) == []
    assert run_together(app, single, 2) == []
    with app.app_context():
        assert sorted(results) == [0] * 5 + [30]
        event = db.session.get(Event, event_id)
        assert event.confirmed_count == 0
        cancelled = db.session.scalars(
            select(Registration.status).where(Registration.event_id == event_id)
        ).all()
        assert set(cancelled) == {"cancelled"}
        from eventhub.models import OutboxMessage

        mails = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "cancellation")
        ).all()
        assert len(mails) == 30 and len(set(mails)) == 30


@pytest.mark.slow
def test_control_without_the_guard_seats_are_freed_twice(app_factory, monkeypatch):
    """The control: read the confirmed ids first, then update them unconditionally in a
    deferred transaction. Concurrent bulk cancels then fail ("database is locked" on
    SQLite) or free the same seats twice (PostgreSQL)."""
    import functools
    import time

    from eventhub.database import write_transaction
    from eventhub.events import registration
    from eventhub.events.registration import Attendee, register
    from tests.events.test_concurrency import build_event

    def cancel_unguarded(registration_ids, *, event_id=None, notify=True):
        confirmed = db.session.scalars(
            select(Registration.id).where(
                Registration.id.in_(registration_ids), Registration.status == "confirmed"
            )
        ).all()
        time.sleep(0.05)  # widen the window between check and write, as a slow request would
        db.session.execute(
            update(Registration)
            .where(Registration.id.in_(confirmed))
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(confirmed_count=Event.confirmed_count - len(confirmed))
            .execution_options(synchronize_session=False)
        )
        return list(confirmed)

    app = app_factory()
    build_event(app, "ohne-schutz", 40)
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.slug == "ohne-schutz"))
        ids = [
            register(event_id, Attendee("Bot", str(n), f"bot{n}@bots.example"))[0].id
            for n in range(30)
        ]
        register(event_id, Attendee("Anna", "Echt", "anna@example.org"))
    monkeypatch.setattr(registration, "_cancel_active", cancel_unguarded)
    # ... and without taking the event's row lock first (which orders them on PostgreSQL).
    monkeypatch.setattr(
        registration,
        "_locked_event",
        lambda event_id: db.session.get(Event, event_id, populate_existing=True),
    )
    monkeypatch.setattr(
        registration, "write_transaction", functools.partial(write_transaction, immediate=False)
    )

    def job():
        cancel_registrations(event_id, ids, notify=False)

    errors = run_together(app, job, 6)
    with app.app_context():
        count = db.session.get(Event, event_id).confirmed_count
    assert errors or count != 1, "the race did not show: the control proves nothing"


def test_unconfirmed_holds_are_cancelled_without_a_cancellation_mail(
    organiser_client, make_event, register_by_form, outbox
):
    """A bot filling an event that asks to confirm the address leaves held seats; they
    are cancelled with the rest, but nobody is sent a CANCEL for an invite never sent."""
    from tests.manage.conftest import hosted_by

    event = make_event(capacity=10, confirm_email=True, hosts=hosted_by("ihk-nrw"))
    for n in range(3):
        register_by_form(event, email=f"bot{n}@bots.example")
    page = organiser_client.get(url(event), query_string={"domain": "bots.example"})
    assert "3 Anmeldungen passen" in page.get_data(as_text=True)
    fingerprint = re.search(
        r'name="fingerprint" type="hidden" value="(\w+)"', page.get_data(as_text=True)
    ).group(1)
    response = organiser_client.post(
        url(event),
        data={"domain": "bots.example", "fingerprint": fingerprint, "confirm": "y", "notify": "y"},
    )
    assert response.status_code == 303
    assert set(statuses(event).values()) == {"cancelled"}
    assert outbox(kind="cancellation") == []
