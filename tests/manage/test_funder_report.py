"""The funder report: figures of a built event in the PDF and the XLSX as funders open them,
small-number suppression, the signed sign-in sheet's scan, query count and access."""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re

import openpyxl
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events.registration import cancel_registration, set_checked_in
from eventhub.extensions import db
from eventhub.manage import signin_scans
from eventhub.manage.funder_report import SMALL, WITHHELD, suppressed
from eventhub.manage.questions import add_esf_questions
from eventhub.manage.signin_scans import save_scan
from eventhub.models import Event, EventFile, Question
from eventhub.models.base import utcnow
from tests.conftest import run_together
from tests.manage.conftest import PASSWORD, log_in

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TITLE = "Fachtagung Übergänge für Fachkräfte"
HOSTS = [
    {"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"},
    {"name": "Europäischer Sozialfonds Plus", "slug": "esf-plus", "role": "funder"},
]
# (type of organisation, gender answer or None, checked in)
PEOPLE = [
    ("company", "female", True),
    ("company", "female", True),
    ("company", "female", True),
    ("chamber", "female", True),
    ("chamber", "female", False),
    ("", "female", False),
    ("company", "male", True),
    ("company", "male", True),
    ("education", "male", True),
    ("education", "male", False),
    ("company", "diverse", True),
    ("public_authority", None, False),
]


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def pdf_text(reader: PdfReader) -> str:
    return " ".join(page.extract_text() for page in reader.pages)


def workbook_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return openpyxl.load_workbook(io.BytesIO(response.data))


def rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(c is not None for c in row)]


def png(width: int = 40, height: int = 30, noise: bool = False) -> bytes:
    image = (
        Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        if noise
        else (Image.new("RGB", (width, height), "white"))
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf_scan(pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Scan page {n + 1}")
    return bytes(pdf.output())


def upload(client, slug: str, data: bytes, name: str = "unterschriften.pdf"):
    return client.post(
        f"/manage/events/{slug}/signin-scan",
        data={"scan": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def move_to_past(event) -> None:
    start = utcnow() - dt.timedelta(days=2)
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(starts_at=start, ends_at=start + dt.timedelta(hours=4))
    )
    db.session.commit()


@pytest.fixture
def built_event(make_event, make_registration):
    """12 confirmed participants (8 checked in) answering the ESF set, two cancelled."""
    event = make_event(
        title=TITLE,
        hosts=HOSTS,
        capacity=40,
        funding_note="Gefördert aus Mitteln des Landes NRW und der Europäischen Union.",
    )
    add_esf_questions(event.id)
    questions = {
        q.purpose: q.id
        for q in db.session.scalars(select(Question).where(Question.event_id == event.id))
    }
    for n, (kind, gender, came) in enumerate(PEOPLE):
        answers = {questions["employment"]: "employed", questions["age_band"]: "30_54"}
        if gender:
            answers[questions["gender"]] = gender
        registration, _token = make_registration(
            event,
            first_name="Jürgen",
            last_name=f"Geheimname {n}",
            email=f"geheim{n}@example.org",
            organisation="Verschwiegene GmbH",
            organisation_type=kind,
            answers=answers,
        )
        if came:
            set_checked_in(registration.id, True)
    for n in range(2):
        registration, _token = make_registration(event, email=f"weg{n}@example.org")
        cancel_registration(registration.id)
    move_to_past(event)
    return event


def test_pdf_report_shows_the_figures_in_german_without_personal_data(
    organiser_client, built_event
):
    response = organiser_client.get(f"/manage/events/{built_event.slug}/funder-report.pdf")
    assert response.headers["Content-Disposition"].endswith('-foerderbericht.pdf"')
    text = pdf_text(pdf_of(response))
    flat = " ".join(text.split())
    assert TITLE in flat  # umlauts as they are
    assert "Gefördert von Europäischer Sozialfonds Plus" in flat
    assert "Angemeldet (bestätigte Teilnehmende) 12" in flat
    assert "Teilgenommen (eingecheckt) 8" in flat
    assert "Nicht erschienen (angemeldet, nicht eingecheckt) 4" in flat
    assert "Nicht-Erscheinen-Quote 33,3 %" in flat
    assert "Abmeldungen 2" in flat
    assert "Unternehmen 6 6" in flat  # type of organisation: registered, attended
    assert "Keine Angabe 1 0" in flat
    # Attended 8 = 4 + 3 + 1 + 0: with only the 3 withheld, "x" + "<3" = 4 would give
    # away 3 and 1, so the 4 is withheld too; registered: the 4 protects the two "<3".
    assert "weiblich 6 x" in flat
    assert "männlich x x" in flat
    assert "divers <3 <3" in flat
    assert "Kein Feedback erhoben." in flat
    assert "Es wurde keine unterschriebene Teilnahmeliste hochgeladen." in flat
    for personal in ("Geheimname", "geheim0@", "Verschwiegene"):
        assert personal not in text


def test_xlsx_report_has_numbers_as_numbers_in_english(organiser_client, built_event):
    response = organiser_client.get(f"/manage/events/{built_event.slug}/funder-report.xlsx?lang=en")
    book = workbook_of(response)
    assert book.sheetnames == [
        "Overview",
        "Organisation types",
        "ESF indicators",
        "Feedback",
        "Appendix",
    ]
    overview = {row[0]: row[1] for row in rows(book["Overview"])}
    assert overview["Registered (confirmed participants)"] == 12
    assert overview["Attended (checked in)"] == 8
    assert overview["No-shows (registered, not checked in)"] == 4
    assert overview["No-show rate"] == pytest.approx(4 / 12)
    assert overview["Registrations cancelled"] == 2
    assert overview["Funded by"] == "Europäischer Sozialfonds Plus"
    types = {row[0]: row[1:] for row in rows(book["Organisation types"])[1:]}
    assert types["Company"] == (6, 6)
    assert types["Chamber (IHK, HWK)"] == (2, 1)
    assert types["Employment agency or job centre"] == (0, 0)
    assert types["Not specified"] == (1, 0)
    esf = {(row[0], row[1]): row[2:] for row in rows(book["ESF indicators"])[1:] if row[1]}
    assert esf[("Gender", "female")] == (6, WITHHELD)
    assert esf[("Gender", "male")] == (WITHHELD, WITHHELD)
    assert esf[("Gender", "diverse / non-binary")] == (SMALL, SMALL)
    assert esf[("Gender", "prefer not to say")] == (0, 0)
    assert esf[("Gender", "not answered")] == (SMALL, 0)
    assert esf[("Employment status", "employed (including self-employed)")] == (12, 8)
    assert all(isinstance(v, int) for v in types["Company"])
    assert rows(book["Feedback"])[1][0] == "No feedback collected."
    assert rows(book["Appendix"])[1][0] == "No signed sign-in sheet has been uploaded."
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(c, str) and "Geheimname" in c for c in row)


def test_no_show_rate_waits_for_the_end_of_the_event(organiser_client, make_event):
    event = make_event(hosts=HOSTS)
    book = workbook_of(
        organiser_client.get(f"/manage/events/{event.slug}/funder-report.xlsx?lang=en")
    )
    overview = {row[0]: row[1] for row in rows(book["Overview"])}
    assert overview["No-show rate"] == "— (after the event)"
    assert overview["Registered (confirmed participants)"] == 0
    # Without the ESF set the section says so.
    assert "asked no statistical (ESF) questions" in rows(book["ESF indicators"])[1][0]


@pytest.mark.parametrize(
    "counts, shown",
    [
        # Two hidden cells summing to 2 would both be 1: the 4 is withheld too.
        ([6, 4, 1, 0, 1], [6, WITHHELD, SMALL, 0, SMALL]),
        # A hidden 1 and a withheld 3 (sum 4) would be recoverable: the 4 goes as well.
        ([4, 3, 1, 0, 0], [WITHHELD, WITHHELD, SMALL, 0, 0]),
        ([3, 1, 0], [WITHHELD] * 3),  # nothing else to withhold: the whole column
        ([9, 1, 2, 0], [9, SMALL, SMALL, 0]),  # 3 in two cells: 1+2 or 2+1
        ([5, 5, 2], [WITHHELD, 5, SMALL]),  # the first of equal counts
        ([2, 0, 0], [SMALL, SMALL, SMALL]),  # zeros would tell all share one answer
        ([0, 0], [0, 0]),
        ([3, 3, 4], [3, 3, 4]),
        ([1, 2, 9], [SMALL, SMALL, 9]),
    ],
)
def test_small_numbers_are_suppressed(counts, shown):
    assert suppressed(counts) == shown


def test_query_count_does_not_grow_with_registrations(
    organiser_client, make_event, bulk_registrations, query_counter
):
    def statements(path: str) -> int:
        with query_counter() as seen:
            response = organiser_client.get(path)
            assert response.status_code == 200
        return len(seen)

    counts = []
    for total in (10, 100):
        event = make_event(hosts=HOSTS, capacity=None)
        add_esf_questions(event.id)
        bulk_registrations(event, total)
        counts.append(
            (
                statements(f"/manage/events/{event.slug}/funder-report.pdf"),
                statements(f"/manage/events/{event.slug}/funder-report.xlsx"),
            )
        )
    assert counts[0] == counts[1]


def test_scan_is_appended_replaced_and_deleted(organiser_client, built_event):
    slug = built_event.slug
    page = f"/manage/events/{slug}/funder-report.pdf"
    plain = len(pdf_of(organiser_client.get(page)).pages)

    response = upload(organiser_client, slug, pdf_scan(3), "Unterschriften März.pdf")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/events/{slug}#funder-report")
    workspace = organiser_client.get(f"/manage/events/{slug}").get_data(as_text=True)
    assert "Unterschriften März.pdf" in workspace and "3 Seiten" in workspace
    reader = pdf_of(organiser_client.get(page))
    assert len(reader.pages) == plain + 1 + 3  # a cover page, then the scan's pages
    assert "Scan page 3" in reader.pages[-1].extract_text()
    assert "Unterschriften März.pdf" in pdf_text(reader)
    book = workbook_of(organiser_client.get(f"/manage/events/{slug}/funder-report.xlsx"))
    appendix = {row[0]: row[1] for row in rows(book["Anhang"])}
    assert appendix["Datei"] == "Unterschriften März.pdf"
    assert appendix["Seiten"] == 3

    assert upload(organiser_client, slug, png(60, 40), "liste.png").status_code == 303
    db.session.rollback()  # see what the requests committed
    assert db.session.scalar(select(func.count()).select_from(EventFile)) == 1
    assert len(pdf_of(organiser_client.get(page)).pages) == plain + 1 + 1
    scan = organiser_client.get(f"/manage/events/{slug}/signin-scan")
    assert scan.mimetype == "image/png" and scan.data.startswith(b"\x89PNG")

    assert organiser_client.post(f"/manage/events/{slug}/signin-scan/delete").status_code == 303
    assert len(pdf_of(organiser_client.get(page)).pages) == plain
    assert organiser_client.get(f"/manage/events/{slug}/signin-scan").status_code == 404


@pytest.mark.parametrize(
    "data, status, message",
    [
        (
            b"Name;Unterschrift\nJ\xc3\xbcrgen;x\n",
            415,
            "Bitte laden Sie eine PDF-, PNG- oder JPEG-Datei hoch.",
        ),
        (b"%PDF-1.7 kaputt", 422, "Die PDF-Datei konnte nicht gelesen werden."),
        (b"\x89PNG\r\n\x1a\nkaputt", 422, "Das Bild konnte nicht gelesen werden."),
        (b"", 400, "Bitte wählen Sie die Datei zum Hochladen aus."),
    ],
)
def test_bad_files_are_refused_with_a_message(organiser_client, make_event, data, status, message):
    event = make_event(hosts=HOSTS)
    response = upload(organiser_client, event.slug, data, "liste.pdf")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(EventFile)) == 0


def test_too_large_files_are_refused_with_a_message(app_factory, client_for, make_organiser):
    app = app_factory(SIGNIN_SCAN_MAX_BYTES=100_000)
    client = client_for(app)
    slug = client.event_slug
    response = upload(client, slug, pdf_scan(1) + b"\n%" + b"0" * 100_000)
    assert response.status_code == 413
    assert "größer als 0,1 MB" in response.get_data(as_text=True)
    # Beyond the route's limit the body is not even read.
    response = upload(client, slug, b"%PDF-" + b"0" * 300_000)
    assert response.status_code == 413


@pytest.fixture
def client_for(make_organiser):
    """A logged-in organiser's client on another app (other configuration) with an event."""
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from tests.conftest import event_record

    def factory(app):
        with app.app_context():
            make_organiser()
            record = event_record(hosts=HOSTS)
            upsert_event(EventRecord.model_validate(record))
            db.session.commit()
        client = app.test_client()
        login = client.get("/manage/login").get_data(as_text=True)
        token = CSRF.search(login)
        data = {"csrf_token": token.group(1)} if token else {}
        response = client.post(
            "/manage/login", data={"email": "orga@ihk.example", "password": PASSWORD, **data}
        )
        assert response.status_code == 303
        client.event_slug = record["slug"]
        return client

    return factory


def test_a_scan_larger_than_the_form_limit_goes_through_with_csrf(app_factory, client_for):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = client_for(app)
    slug = client.event_slug
    page = client.get(f"/manage/events/{slug}").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    image = png(400, 300, noise=True)
    assert len(image) > app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"/manage/events/{slug}/signin-scan",
        data={"scan": (io.BytesIO(image), "liste.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    # Other routes keep the small limit.
    response = client.post(
        f"/manage/events/{slug}/signin-scan/delete",
        data={"csrf_token": token, "x": "y" * 300_000},
    )
    assert response.status_code == 413


def test_uploads_at_once_leave_one_scan(app, organiser_client, make_event):
    event = make_event(hosts=HOSTS)
    errors = run_together(
        app,
        lambda: save_scan(event.id, "liste.png", png(), user_id=None, max_bytes=10**6),
        count=3,
    )
    assert errors == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(EventFile)) == 1


def test_control_without_the_lock_uploads_at_once_collide(app, make_event, monkeypatch):
    """Shows the test above can fail: without the lock (and BEGIN IMMEDIATE on SQLite)
    two uploads both find no scan and both insert one."""
    monkeypatch.setattr(
        signin_scans, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(signin_scans, "_lock_event", lambda session, event_id: None)
    clean = signin_scans.clean_filename

    def slowly(*args):  # widen the window between "no scan yet" and the insert
        import time

        time.sleep(0.05)
        return clean(*args)

    monkeypatch.setattr(signin_scans, "clean_filename", slowly)
    errors = []
    for _round in range(5):
        event = make_event(hosts=HOSTS)
        errors += run_together(
            app,
            lambda event=event: save_scan(
                event.id, "liste.png", png(), user_id=None, max_bytes=10**6
            ),
            count=6,
        )
        if errors:
            break
    assert errors, "the race did not show"


def test_other_organisers_get_404_on_every_funder_report_route(client, make_organiser, make_event):
    event = make_event(hosts=HOSTS)
    save_scan(event.id, "liste.png", png(), user_id=None, max_bytes=10**6)
    make_organiser("b@hwk.example", "hwk-leipzig")
    assert log_in(client, "b@hwk.example").status_code == 303
    base = f"/manage/events/{event.slug}"
    for path in ("/funder-report.pdf", "/funder-report.xlsx", "/signin-scan"):
        assert client.get(base + path).status_code == 404, path
    assert upload(client, event.slug, png(), "liste.png").status_code == 404
    assert client.post(base + "/signin-scan/delete").status_code == 404
    db.session.rollback()
    scan = db.session.scalar(select(EventFile))
    assert scan.filename == "liste.png"  # neither replaced nor deleted


def test_a_title_in_arabic_script_is_shaped(organiser_client, make_event):
    event = make_event(hosts=HOSTS, title="ملتقى المهنيين – Fachkräftetag")
    reader = pdf_of(organiser_client.get(f"/manage/events/{event.slug}/funder-report.pdf"))
    assert "Fachkräftetag" in pdf_text(reader)


def test_hybrid_events_split_on_site_and_online(organiser_client, make_event, make_registration):
    event = make_event(
        hosts=HOSTS,
        capacity=5,
        hybrid=True,
        online_capacity=5,
        online_url="https://meet.example.org/x",
    )
    people = [
        ("onsite", True),
        ("onsite", False),
        ("online", True),
        ("online", True),
        ("online", False),
    ]
    for n, (attendance, came) in enumerate(people):
        registration, _token = make_registration(
            event, email=f"h{n}@example.org", attendance=attendance
        )
        if came:
            set_checked_in(registration.id, True)
    move_to_past(event)
    book = workbook_of(
        organiser_client.get(f"/manage/events/{event.slug}/funder-report.xlsx?lang=en")
    )
    figures = [row[:2] for row in rows(book["Overview"])]
    start = figures.index(("Registered (confirmed participants)", 5))
    assert figures[start : start + 6] == [
        ("Registered (confirmed participants)", 5),
        ("of whom on site", 2),
        ("of whom online", 3),
        ("Attended (checked in)", 3),
        ("of whom on site", 1),
        ("of whom online", 2),
    ]
    overview = dict(figures)
    assert overview["Seats"] == "5 on site, 5 online"
    assert overview["No-show rate"] == pytest.approx(2 / 5)


def feedback_event(make_event, ratings: list[int]):
    """An event whose survey asked everyone checked in; one answer per rating given."""
    from eventhub.events.feedback import SurveyAnswer, submit_feedback
    from eventhub.manage.scheduled import run_scheduled
    from eventhub.models import FeedbackInvite
    from tests.events.test_feedback import ENDS, ended_event
    from tests.manage.conftest import hosted_by

    tags = tuple(f"p{n}" for n in range(len(ratings) + 1))
    event = ended_event(make_event, checked_in=tags, others=(), hosts=hosted_by("ihk-nrw"))
    run_scheduled(ENDS + dt.timedelta(hours=2))
    db.session.rollback()
    invites = db.session.scalars(select(FeedbackInvite.id).order_by(FeedbackInvite.id)).all()
    for invite, rating in zip(invites, ratings, strict=False):
        useful = ["contacts"] if rating > 3 else ["talks"]
        submit_feedback(invite, SurveyAnswer(rating, useful, "", []), ENDS + dt.timedelta(days=1))
    return event


def test_the_feedback_summary_is_aggregated_and_suppressed(organiser_client, make_event):
    event = feedback_event(make_event, [5] * 5 + [4] * 4 + [2])
    text = " ".join(
        pdf_text(
            pdf_of(organiser_client.get(f"/manage/events/{event.slug}/funder-report.pdf"))
        ).split()
    )
    assert "Um Feedback gebeten 11" in text
    assert "Antworten 10" in text and "Rücklaufquote 90,9 %" in text
    assert "Durchschnittliche Bewertung (1 = schlecht, 5 = sehr gut) 4,3" in text
    # One "2" (hidden): the 4s (the smallest larger count) are withheld as well, or the
    # hidden one could be worked out from the ten answers.
    assert "Bewertet mit 5 5" in text and "Bewertet mit 4 x" in text
    assert "Bewertet mit 2 <3" in text and "Bewertet mit 1 0" in text
    assert "Am nützlichsten: Neue Kontakte x" in text
    assert "Am nützlichsten: Vorträge und Präsentationen <3" in text
    book = openpyxl.load_workbook(
        io.BytesIO(
            organiser_client.get(f"/manage/events/{event.slug}/funder-report.xlsx?lang=en").data
        )
    )
    sheet = dict(rows(book["Feedback"])[1:])
    assert sheet["People asked for feedback"] == 11 and sheet["Answers"] == 10
    assert sheet["Average rating (1 = poor, 5 = excellent)"] == 4.3
    assert sheet["Rated 5"] == 5 and sheet["Rated 2"] == "<3"


def test_fewer_than_three_answers_show_no_results(organiser_client, make_event):
    event = feedback_event(make_event, [1, 5])
    text = " ".join(
        pdf_text(
            pdf_of(organiser_client.get(f"/manage/events/{event.slug}/funder-report.pdf"))
        ).split()
    )
    assert "Um Feedback gebeten 3" in text and "Antworten <3" in text
    assert "Durchschnittliche Bewertung" not in text and "Bewertet mit" not in text
