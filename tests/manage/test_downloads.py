"""Attendee lists downloaded from the workspace: safe in Excel, umlauts and Arabic intact."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
from pypdf import PdfReader

from tests.manage.conftest import hosted_by

NAMES = [
    ("Jürgen", "Müller-Lüdenscheidt", "Bäckerei Größe & Söhne"),
    ("François", "Hélène", "Société Générale"),
    ("محمد", "الكيلاني", "مخبز دمشق"),
    ('=HYPERLINK("http://evil.example")', "+49 201", "@SUM(A1:A9)"),
]


def event_with_people(make_event, make_registration):
    event = make_event(
        hosts=hosted_by("ihk-nrw"),
        title="Fachtagung Integration",
        funding_note="Gefördert aus Mitteln des ESF.",
    )
    for n, (first, last, organisation) in enumerate(NAMES):
        make_registration(
            event,
            first_name=first,
            last_name=last,
            organisation=organisation,
            email=f"person{n}@example.org",
        )
    return event


def test_csv_download(organiser_client, make_event, make_registration):
    event = event_with_people(make_event, make_registration)
    response = organiser_client.get(f"/manage/events/{event.slug}/attendees.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nr.", "Nachname", "Vorname"]
    cells = {cell for row in rows[1:] for cell in row}
    assert {"Müller-Lüdenscheidt", "Bäckerei Größe & Söhne", "الكيلاني", "Hélène"} <= cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert '\'=HYPERLINK("http://evil.example")' in cells


def test_xlsx_download(organiser_client, make_event, make_registration):
    event = event_with_people(make_event, make_registration)
    response = organiser_client.get(f"/manage/events/{event.slug}/attendees.xlsx")
    assert response.status_code == 200
    data = response.data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2"
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    names = {row[1] for row in values}
    assert {"Müller-Lüdenscheidt", "الكيلاني", "Hélène", "+49 201"} <= names
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_pdf_sign_in_sheet(organiser_client, make_event, make_registration):
    event = event_with_people(make_event, make_registration)
    response = organiser_client.get(f"/manage/events/{event.slug}/attendees.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in (
        "Fachtagung Integration",
        "Müller-Lüdenscheidt",
        "Unterschrift",
        "Gefördert aus Mitteln des ESF.",
        "Seite 1 von 1",
        "Hélène",
    ):
        assert expected in text, expected


def test_pdf_lists_only_confirmed_people(organiser_client, make_event, make_registration):
    from eventhub.events.registration import cancel_registration

    event = make_event(hosts=hosted_by("ihk-nrw"))
    make_registration(event, last_name="Bleibt")
    gone, _ = make_registration(event, last_name="Storniert")
    cancel_registration(gone.id)
    response = organiser_client.get(f"/manage/events/{event.slug}/attendees.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Bleibt" in text and "Storniert" not in text
