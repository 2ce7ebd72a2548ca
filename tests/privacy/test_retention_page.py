"""The workspace's data-protection page of an event: when which data goes, the event's
own periods (longer only with a reason, recorded with who), errors in the user's language."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.manage.conftest import hosted_by, log_in


def test_organiser_sees_the_schedule_and_sets_periods(app, client, make_event, make_organiser):
    make_organiser(email="lena@ihk.example", org="ihk-nrw")
    event = make_event(hosts=hosted_by("ihk-nrw"))
    assert log_in(client, "lena@ihk.example").status_code == 303
    page = client.get(f"/manage/events/{event.slug}/privacy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Datenschutz" in text and "90 Tage" in text and "365 Tage" in text
    ends = event.ends_at.astimezone(event.tz)
    removed = ends + dt.timedelta(days=90)
    assert f"{removed.day}. " in text and str(removed.year) in text

    # Longer than the site's period without a reason: refused, in German, nothing saved.
    url = f"/manage/events/{event.slug}/privacy/signin_scan"
    refused = client.post(url, data={"signin_scan-kind": "signin_scan", "signin_scan-days": "400"})
    assert refused.status_code == 400
    assert "braucht eine Begründung" in refused.get_data(as_text=True)
    assert "Keine: es gelten die Fristen der Website." in refused.get_data(as_text=True)

    saved = client.post(
        url,
        data={
            "signin_scan-kind": "signin_scan",
            "signin_scan-days": "1200",
            "signin_scan-reason": "ESF-Förderung: Belege zehn Jahre aufbewahren",
        },
    )
    assert saved.status_code == 303
    text = client.get(f"/manage/events/{event.slug}/privacy").get_data(as_text=True)
    assert "1200 Tage" in text and "ESF-Förderung: Belege zehn Jahre aufbewahren" in text
    assert "lena@ihk.example" in text

    # Shorter: no reason needed; English page.
    short = client.post(
        f"/manage/events/{event.slug}/privacy/registrations?lang=en",
        data={"registrations-kind": "registrations", "registrations-days": "14"},
    )
    assert short.status_code == 303
    text = client.get(f"/manage/events/{event.slug}/privacy?lang=en").get_data(as_text=True)
    assert "14 days" in text and "this event's own period; site: 90" in text

    # Beyond the site's maximum: refused in English.
    too_long = client.post(
        f"/manage/events/{event.slug}/privacy/registrations?lang=en",
        data={
            "registrations-kind": "registrations",
            "registrations-days": "5000",
            "registrations-reason": "Because we want to",
        },
    )
    assert too_long.status_code == 400
    assert "At most 3650 days" in too_long.get_data(as_text=True)


def test_removed_data_is_shown_as_removed(app, client, make_event, make_organiser):
    make_organiser(email="lena@ihk.example", org="ihk-nrw")
    event = make_event(hosts=hosted_by("ihk-nrw"))
    with time_machine.travel(event.ends_at + dt.timedelta(days=2), tick=False):
        result = app.test_cli_runner().invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert log_in(client, "lena@ihk.example").status_code == 303
        text = client.get(f"/manage/events/{event.slug}/privacy?lang=en").get_data(as_text=True)
    assert text.count("removed on") == 1  # the sensitive answers, right after the event
