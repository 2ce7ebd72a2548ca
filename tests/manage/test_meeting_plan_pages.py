"""The organisers' meeting plan pages: preview and publish through the workspace, the
table plan and personal schedules as PDFs (opened with pypdf), the link on the
registration page, the report's meeting counts, and 404 for everyone else."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from eventhub.database import write_transaction
from eventhub.extensions import db
from eventhub.models.network import Meeting, MeetingTable
from eventhub.network.meeting_admin import arrange_meeting
from eventhub.network.meetings import (
    accept_meeting,
    cancel_meeting,
    configure_meetings,
    decline_meeting,
    request_meeting,
)
from tests.manage.conftest import hosted_by, log_in
from tests.network.meeting_data import WINTER, at, check_meetings_in_database, setup_values
from tests.network.test_meeting_plan import waiting


@pytest.fixture
def planned_event(make_event, make_registration):
    """An event of the organiser's organisation with two blocks (11:00–12:00, 13:00–13:40),
    two tables and three people: one meeting placed, two accepted and waiting."""

    def factory():
        event = make_event(starts=at(WINTER, 10), hosts=hosted_by("ihk-nrw"))
        configure_meetings(
            event.id,
            **setup_values(
                WINTER,
                blocks=[(at(WINTER, 11), at(WINTER, 12)), (at(WINTER, 13), at(WINTER, 13, 40))],
                tables=["Tisch Süd", "Tisch Nord"],
            ),
        )
        people = []
        for first, last, org in [
            ("Jürgen", "Müller", "Bäckerei Müller GmbH"),
            ("Änne", "Özdemir", "Öko Werk"),
            ("Carl", "Weiß", "Weiß & Söhne"),
        ]:
            registration, _token = make_registration(
                event, first_name=first, last_name=last, organisation=org
            )
            registration.directory_visibility = "participants"
            db.session.commit()
            people.append(registration)
        juergen, aenne, carl = people
        first, _ = request_meeting(juergen.id, aenne.id)
        accept_meeting(first.id, aenne.id, at(WINTER, 13, 20))
        waiting(juergen, carl)
        waiting(carl, aenne)
        return event, people

    return factory


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


def test_preview_then_publish(organiser_client, planned_event, outbox):
    event, (juergen, aenne, carl) = planned_event()
    page = organiser_client.get(f"/manage/events/{event.slug}/meetings/schedule")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Jürgen Müller" in html and "Carl Weiß" in html and "Tisch Süd" in html
    assert "Veröffentlichen und alle benachrichtigen" in html
    digest = re.search(r'value="([0-9a-f]{64})"', html).group(1)
    assert outbox(kind="meeting_scheduled") == []

    response = organiser_client.post(
        f"/manage/events/{event.slug}/meetings/schedule", data={"digest": digest}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/events/{event.slug}/meetings")
    assert len(check_meetings_in_database(event.id)) == 3
    assert len(outbox(kind="meeting_scheduled")) == 4
    # The same digest again: things changed (everything is placed), nothing happens.
    again = organiser_client.post(
        f"/manage/events/{event.slug}/meetings/schedule", data={"digest": digest}
    )
    assert again.status_code == 409
    assert "Seit der Vorschau" in again.get_data(as_text=True)
    assert len(outbox(kind="meeting_scheduled")) == 4


def test_a_stale_or_missing_digest_shows_the_new_plan(organiser_client, planned_event, outbox):
    event, _people = planned_event()
    for data in ({"digest": "0" * 64}, {}, {"digest": "<script>"}):
        response = organiser_client.post(
            f"/manage/events/{event.slug}/meetings/schedule", data=data
        )
        assert response.status_code == 409
        assert "Vorschau" in response.get_data(as_text=True)
    assert outbox(kind="meeting_scheduled") == []
    assert len(check_meetings_in_database(event.id)) == 1


def test_table_plan_has_one_page_per_block_with_tables_and_names(organiser_client, planned_event):
    event, _people = planned_event()
    page = organiser_client.get(f"/manage/events/{event.slug}/meetings/schedule")
    digest = re.search(r'value="([0-9a-f]{64})"', page.get_data(as_text=True)).group(1)
    organiser_client.post(f"/manage/events/{event.slug}/meetings/schedule", data={"digest": digest})
    pages = pdf_pages(organiser_client.get(f"/manage/events/{event.slug}/meetings/table-plan.pdf"))
    assert len(pages) == 2  # two blocks
    first, second = pages
    assert "Tischplan" in first and event.title in first
    assert "Tisch Süd" in first and "Tisch Nord" in first
    assert "11:00–11:15" in first and "13:20–13:35" in second
    assert "Jürgen Müller" in second and "Änne Özdemir" in second  # the placed one, 13:20
    placed = check_meetings_in_database(event.id)
    names = first + second
    for meeting in placed:
        assert meeting.requester.full_name in names and meeting.partner.full_name in names


def test_personal_schedules_one_page_per_person_without_addresses(organiser_client, planned_event):
    event, (juergen, aenne, carl) = planned_event()
    pages = pdf_pages(organiser_client.get(f"/manage/events/{event.slug}/meetings/schedules.pdf"))
    assert len(pages) == 2  # only Jürgen and Änne have a placed meeting so far
    assert "Änne Özdemir" in pages[0] and "Jürgen Müller" in pages[1]  # by last name
    assert "Bäckerei Müller GmbH" in pages[0] and "Tisch Süd" in pages[0]
    assert "13:20–13:35" in pages[0]
    assert not any("@" in text for text in pages)
    one = pdf_pages(
        organiser_client.get(f"/manage/events/{event.slug}/registrations/{juergen.id}/meetings.pdf")
    )
    assert len(one) == 1 and "Änne Özdemir" in one[0] and "Öko Werk" in one[0]
    nothing = pdf_pages(
        organiser_client.get(f"/manage/events/{event.slug}/registrations/{carl.id}/meetings.pdf")
    )
    assert "Keine Gespräche geplant" in nothing[0]


def test_registration_page_links_the_schedule_only_with_meetings(organiser_client, planned_event):
    event, (juergen, _aenne, carl) = planned_event()
    link = f"/manage/events/{event.slug}/registrations/{juergen.id}/meetings.pdf"
    with_meeting = organiser_client.get(f"/manage/events/{event.slug}/registrations/{juergen.id}")
    assert link in with_meeting.get_data(as_text=True)
    without = organiser_client.get(f"/manage/events/{event.slug}/registrations/{carl.id}")
    assert "meetings.pdf" not in without.get_data(as_text=True)


def test_other_organisations_and_other_events_get_404(
    client, make_organiser, planned_event, make_event
):
    event, (juergen, _aenne, _carl) = planned_event()
    other = make_event(hosts=hosted_by("hwk"))
    make_organiser(email="fremd@hwk.example", org="hwk")
    log_in(client, "fremd@hwk.example")
    for path in (
        f"/manage/events/{event.slug}/meetings/schedule",
        f"/manage/events/{event.slug}/meetings/table-plan.pdf",
        f"/manage/events/{event.slug}/meetings/schedules.pdf",
        f"/manage/events/{event.slug}/registrations/{juergen.id}/meetings.pdf",
        # another event's registration under the organiser's own event
        f"/manage/events/{other.slug}/registrations/{juergen.id}/meetings.pdf",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/manage/events/{event.slug}/meetings/schedule").status_code == 404
    assert len(check_meetings_in_database(event.id)) == 1


def test_without_meetings_the_pages_say_so(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    page = organiser_client.get(f"/manage/events/{event.slug}/meetings/schedule")
    assert page.status_code == 200
    assert "keine Einzelgespräche" in page.get_data(as_text=True)
    response = organiser_client.get(f"/manage/events/{event.slug}/meetings/table-plan.pdf")
    assert response.status_code == 404


def test_report_counts_meetings(organiser_client, planned_event, make_registration):
    event, (juergen, aenne, carl) = planned_event()
    dora, _ = make_registration(event, first_name="Dora")
    dora.directory_visibility = "participants"
    db.session.commit()
    open_one, _ = request_meeting(dora.id, juergen.id)
    declined, _ = request_meeting(dora.id, aenne.id)
    decline_meeting(declined.id, aenne.id)
    called_off, _ = request_meeting(dora.id, carl.id)
    cancel_meeting(called_off.id, dora.id)
    with write_transaction() as session:
        session.execute(
            update(Meeting)
            .where(Meeting.slot_start == at(WINTER, 13, 20))
            .values(held_at=at(WINTER, 13, 35))
        )
        session.execute(update(Meeting).where(Meeting.id == open_one.id).values(arranged=True))
    page = organiser_client.get(f"/manage/events/{event.slug}/report")
    html = " ".join(page.get_data(as_text=True).split())
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', html))
    assert counts["Angefragt (alle jemals gestellten Anfragen)"] == "5"
    assert counts["Von den Veranstaltern vereinbart"] == "1"
    assert counts["Angenommen"] == "3"
    assert counts["Eingeplant (mit Zeit und Tisch)"] == "1"
    assert counts["Stattgefunden"] == "1"
    assert counts["Noch nicht beantwortet"] == "1"
    assert counts["Abgelehnt"] == "1"
    assert counts["Abgesagt"] == "1"
    assert counts["Abgelaufen"] == "0"


def test_report_without_meetings_shows_no_meeting_counts(organiser_client, make_event):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    page = organiser_client.get(f"/manage/events/{event.slug}/report")
    assert page.status_code == 200
    assert "Einzelgespräche" not in page.get_data(as_text=True)


def test_a_big_block_continues_on_further_pages(organiser_client, make_event):
    event = make_event(starts=at(WINTER, 10), hosts=hosted_by("ihk-nrw"))
    tables = [f"Tisch {n}" for n in range(1, 25)] + ["Großer Saal im Erdgeschoss, hinten links"]
    configure_meetings(
        event.id,
        **setup_values(
            WINTER,
            slot_minutes=10,
            break_minutes=0,
            blocks=[(at(WINTER, 11), at(WINTER, 13))],
            tables=tables,
        ),
    )
    pages = pdf_pages(organiser_client.get(f"/manage/events/{event.slug}/meetings/table-plan.pdf"))
    assert len(pages) > 1
    text = "\n".join(pages)
    assert all(f"{name}\n" in text for name in tables[:24])
    assert "12:50–13:00" in text and "11:00–11:10" in text


# Fifty characters each, the most a table name may have; they differ only at the end.
LONG_NAMES = [
    "Raum Goethe – Erdgeschoss links, hinten (Halle B1)",
    "Raum Goethe – Erdgeschoss links, hinten (Halle B2)",
]


def joined(*pages: str) -> str:
    """The text of all pages with lines joined: wrapped names read as one."""
    return " ".join(" ".join(pages).split())


def test_long_table_names_are_printed_whole(organiser_client, make_event, make_registration):
    event = make_event(starts=at(WINTER, 10), hosts=hosted_by("ihk-nrw"))
    configure_meetings(event.id, **setup_values(WINTER, tables=[*LONG_NAMES, "7"]))
    anna, bernd, carla, dirk = (
        make_registration(event, first_name=name)[0] for name in ("Anna", "Bernd", "Carla", "Dirk")
    )
    tables = {
        t.name: t.id
        for t in db.session.scalars(select(MeetingTable).where(MeetingTable.event_id == event.id))
    }
    arrange_meeting(event.id, anna.id, bernd.id, at(WINTER, 11), tables[LONG_NAMES[0]])
    arrange_meeting(event.id, carla.id, dirk.id, at(WINTER, 11), tables[LONG_NAMES[1]])
    base = f"/manage/events/{event.slug}/meetings"
    plan = pdf_pages(organiser_client.get(f"{base}/table-plan.pdf"))
    assert all(name in joined(*plan) for name in LONG_NAMES)
    assert "\n7\n" in plan[0]  # a short name stays on one line
    schedules = pdf_pages(organiser_client.get(f"{base}/schedules.pdf"))
    assert len(schedules) == 4
    assert LONG_NAMES[0] in joined(schedules[0]) and LONG_NAMES[1] in joined(schedules[2])
