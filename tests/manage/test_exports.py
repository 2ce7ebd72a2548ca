"""Attendee exports opened the way organisers open them: csv reader, openpyxl, a PDF reader."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import replace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from eventhub.manage.exports import (
    AttendeeRow,
    SheetInfo,
    attendee_csv,
    attendee_xlsx,
    excel_sheet_name,
    sign_in_sheet_pdf,
)

BERLIN = ZoneInfo("Europe/Berlin")
HEADERS = [
    "Nr.",
    "Nachname",
    "Vorname",
    "E-Mail-Adresse",
    "Organisation",
    "Funktion",
    "Status",
    "Angemeldet am",
    "Eingecheckt",
]
PEOPLE = [
    ("Müller-Lüdenscheidt", "Jürgen", "Stadtwerke Bottrop GmbH"),
    ("Hélène", "François", "Chambre de Métiers d'Alsace"),
    ("الكيلاني", "محمد", "مركز الترحيب"),
]
FORMULA_LIKE = ["=1+1", "+49 201", "-2", "@SUM(A1)", "\tx", "\rx", "＝1+1"]
HARMLESS = ["Jean-Luc", "info@ihk-nrw.de", "1+1", "O'Brien", " =1+1", "x=1"]


def make_row(number: int = 1, **changes) -> AttendeeRow:
    last, first, organisation = PEOPLE[(number - 1) % len(PEOPLE)]
    row = AttendeeRow(
        number=number,
        last_name=last,
        first_name=first,
        email=f"person{number}@example.org",
        organisation=organisation,
        job_title="Ausbildungsleiterin",
        status="Bestätigt",
        registered_at=dt.datetime(2027, 1, 13, 9, 30, tzinfo=BERLIN),
        checked_in=number % 2 == 1,
    )
    return replace(row, **changes)


def make_rows(count: int) -> list[AttendeeRow]:
    return [make_row(n) for n in range(1, count + 1)]


def sheet_info(**changes) -> SheetInfo:
    info = SheetInfo(
        title="Fachtagung Fachkräftesicherung im Ruhrgebiet",
        period="Mittwoch, 13. Januar 2027, 10:00–16:00 MEZ",
        venue="Saalbau Bottrop, Gladbecker Straße 9, 46236 Bottrop",
        hosts="IHK Nord Westfalen, Handwerkskammer Münster",
        funding_note="Gefördert durch das Land NRW und den Europäischen Sozialfonds Plus.",
        language="de",
    )
    return replace(info, **changes)


# --- CSV --------------------------------------------------------------------


def csv_bytes(rows, headers=HEADERS) -> bytes:
    return b"".join(attendee_csv(rows, headers))


def csv_records(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_is_what_german_excel_expects():
    chunks = list(attendee_csv(make_rows(2), HEADERS))
    data = b"".join(chunks)

    assert chunks[0].startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert data.startswith(b"\xef\xbb\xbfNr.;Nachname;Vorname;")
    lines = data.split(b"\r\n")
    assert lines[-1] == b""  # every record ends with CRLF
    assert len(lines) == 4
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_csv_keeps_umlauts_accents_and_arabic():
    records = csv_records(csv_bytes(make_rows(3)))

    assert records[0] == HEADERS
    assert records[1][:5] == [
        "1",
        "Müller-Lüdenscheidt",
        "Jürgen",
        "person1@example.org",
        "Stadtwerke Bottrop GmbH",
    ]
    assert records[2][1:3] == ["Hélène", "François"]
    assert records[3][1:3] == ["الكيلاني", "محمد"]
    assert records[3][4] == "مركز الترحيب"


def test_csv_formats_time_and_check_in_language_neutrally():
    records = csv_records(csv_bytes([make_row(1), make_row(2)]))

    assert records[1][7:] == ["2027-01-13 09:30", "x"]
    assert records[2][7:] == ["2027-01-13 09:30", ""]


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_csv_cells_never_start_a_formula(value):
    row = make_row(
        last_name=value,
        first_name=value,
        email=value,
        organisation=value,
        job_title=value,
        status=value,
    )
    record = csv_records(csv_bytes([row]))[1]

    assert record[1:7] == ["'" + value] * 6


@pytest.mark.parametrize("value", HARMLESS)
def test_csv_leaves_other_values_alone(value):
    row = make_row(last_name=value, organisation=value)
    record = csv_records(csv_bytes([row]))[1]

    assert record[1] == value
    assert record[4] == value


def test_csv_quotes_delimiters_quotes_and_line_breaks():
    row = make_row(organisation='Müller; Söhne "Bau"\r\nGmbH', job_title="a\nb")
    record = csv_records(csv_bytes([row]))[1]

    assert record[4] == 'Müller; Söhne "Bau"\r\nGmbH'
    assert record[5] == "a\nb"


def test_csv_streams_in_chunks_without_reading_ahead():
    consumed = 0

    def rows():
        nonlocal consumed
        for row in make_rows(1200):
            consumed += 1
            yield row

    chunks = attendee_csv(rows(), HEADERS)
    first = next(chunks)
    assert consumed < 1200
    rest = list(chunks)

    assert len(rest) >= 2
    assert len(csv_records(first + b"".join(rest))) == 1201


def test_csv_without_rows_has_the_header_only():
    assert csv_records(csv_bytes([])) == [HEADERS]


def test_exports_need_one_header_per_column():
    with pytest.raises(ValueError):
        attendee_csv([], HEADERS[:-1])
    with pytest.raises(ValueError):
        attendee_xlsx([], HEADERS + ["extra"], "Teilnehmende")


# --- XLSX -------------------------------------------------------------------


def xlsx_bytes(rows, sheet_name="Teilnehmende") -> bytes:
    return b"".join(attendee_xlsx(rows, HEADERS, sheet_name))


def ooxml_unescape(text: str) -> str:
    """Decode _xHHHH_ escapes: XlsxWriter writes CR as _x000D_; Excel decodes it, openpyxl not."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), text)


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_has_a_bold_frozen_filtered_header_and_column_widths():
    sheet = open_xlsx(xlsx_bytes(make_rows(3)))

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["A1"].border.bottom.style == "thin"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I4"
    assert sheet.column_dimensions["D"].width >= 30
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["B"].width


def test_xlsx_cells_are_typed():
    sheet = open_xlsx(xlsx_bytes(make_rows(3)))
    first, second, third = (list(sheet.iter_rows(min_row=r, max_row=r))[0] for r in (2, 3, 4))

    assert first[0].value == 1 and first[0].data_type == "n"
    assert [c.value for c in first[1:7]] == [
        "Müller-Lüdenscheidt",
        "Jürgen",
        "person1@example.org",
        "Stadtwerke Bottrop GmbH",
        "Ausbildungsleiterin",
        "Bestätigt",
    ]
    assert [c.value for c in second[1:3]] == ["Hélène", "François"]
    assert [c.value for c in third[1:3]] == ["الكيلاني", "محمد"]
    assert third[4].value == "مركز الترحيب"
    assert first[7].value == dt.datetime(2027, 1, 13, 9, 30)  # wall time in the event's zone
    assert first[7].is_date
    assert first[8].value == "x"
    assert second[8].value in (None, "")


def test_xlsx_stores_formula_like_values_as_text():
    values = FORMULA_LIKE + HARMLESS + ["https://example.org", "0049 201 123", "1e5"]
    rows = [make_row(n, last_name=v, organisation=v) for n, v in enumerate(values, start=1)]
    data = xlsx_bytes(rows)
    sheet = open_xlsx(data)

    for row_index, value in enumerate(values, start=2):
        for column in ("B", "E"):
            cell = sheet[f"{column}{row_index}"]
            assert cell.data_type == "s", (value, cell.data_type)
            assert ooxml_unescape(cell.value) == value
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml
        assert not re.search(r"<f[\s>/]", sheet_xml)
        assert "<hyperlink" not in sheet_xml
        assert not any(name.startswith("xl/calcChain") for name in archive.namelist())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Teilnehmende", "Teilnehmende"),
        ("Workshop 1/2027: [Teil 2]*?", "Workshop 1-2027 Teil 2"),
        ("Fachtagung Fachkräftesicherung im Ruhrgebiet 2027", "Fachtagung Fachkräftesicherung"),
        ("'Zitat'", "Zitat"),
        ("", "Sheet1"),
        ("[]:*?", "Sheet1"),
        ("History", "Sheet1"),
    ],
)
def test_sheet_names_follow_excel_rules(given, expected):
    name = excel_sheet_name(given)

    assert name == expected
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")


def test_xlsx_uses_the_sanitised_sheet_name():
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(make_rows(1), "Teil 1/2: [Essen]")))

    assert workbook.sheetnames == ["Teil 1-2 Essen"]


def test_xlsx_temporary_files_go_away_even_when_the_download_stops(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    chunks = attendee_xlsx(make_rows(3000), HEADERS, "Teilnehmende")
    assert next(chunks).startswith(b"PK")
    assert list(tmp_path.iterdir())  # the workbook is being sent from disk
    chunks.close()
    assert list(tmp_path.iterdir()) == []

    data = b"".join(attendee_xlsx(make_rows(3000), HEADERS, "Teilnehmende"))
    assert list(tmp_path.iterdir()) == []
    assert open_xlsx(data).max_row == 3001


def test_xlsx_without_rows_has_the_header_only():
    sheet = open_xlsx(xlsx_bytes([]))

    assert sheet.max_row == 1
    assert [cell.value for cell in sheet[1]] == HEADERS


# --- PDF --------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_sign_in_sheet_in_german():
    pages = pdf_pages(sign_in_sheet_pdf(sheet_info(), make_rows(3)))

    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "Teilnahmeliste / Unterschriftenliste",
        "Fachtagung Fachkräftesicherung im Ruhrgebiet",
        "Mittwoch, 13. Januar 2027, 10:00–16:00 MEZ",
        "Saalbau Bottrop",
        "IHK Nord Westfalen, Handwerkskammer Münster",
        "Europäischen Sozialfonds Plus",
        "Nr.",
        "Name, Vorname",
        "Unterschrift",
        "Müller-Lüdenscheidt, Jürgen",
        "Hélène, François",
        "Stadtwerke Bottrop GmbH",
        "Seite 1 von 1",
    ):
        assert expected in text, expected
    assert "person1@example.org" not in text  # a sheet passed round the room shows no emails


def test_pdf_keeps_arabic_names():
    text = pdf_pages(sign_in_sheet_pdf(sheet_info(), make_rows(3)))[0]

    assert "الكيلاني" in text
    assert "محمد" in text
    assert "مركز الترحيب" in text


def test_pdf_in_english_and_without_funding_note():
    info = sheet_info(language="en", funding_note="", title="Welcome Center: the first 100 days")
    text = pdf_pages(sign_in_sheet_pdf(info, make_rows(1)))[0]

    assert "Attendance list / Sign-in sheet" in text
    assert "Signature" in text
    assert "Page 1 of 1" in text
    assert "Welcome Center: the first 100 days" in text
    assert "Funding" not in text
    assert "Unterschrift" not in text


def test_pdf_cuts_long_values_to_their_cell():
    organisation = "Industrie- und Handelskammer " * 8 + "ENDE"
    row = make_row(last_name="Ä" * 300, organisation=organisation)
    text = pdf_pages(sign_in_sheet_pdf(sheet_info(), [row]))[0]

    assert "Industrie- und Handelskammer" in text
    assert "…" in text
    assert "ENDE" not in text
    assert "Ä" * 300 not in text


def test_pdf_survives_control_characters_and_formula_like_names():
    rows = [make_row(n, last_name=v, first_name="Anna") for n, v in enumerate(FORMULA_LIKE, 1)]
    text = "".join(pdf_pages(sign_in_sheet_pdf(sheet_info(), rows)))

    assert "=1+1, Anna" in text
    assert "x, Anna" in text


def test_pdf_repeats_the_table_head_and_numbers_every_page():
    count = 60
    rows = [make_row(n, last_name=f"Person{n:03d}") for n in range(1, count + 1)]
    pages = pdf_pages(sign_in_sheet_pdf(sheet_info(), rows))

    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "Unterschrift" in text
        assert f"Seite {number} von {len(pages)}" in text
        assert "Fachtagung Fachkräftesicherung im Ruhrgebiet" in text  # footer
    printed = [re.findall(r"Person(\d{3})", text) for text in pages]
    assert [int(n) for page in printed for n in page] == list(range(1, count + 1))

    first_page, full_page = len(printed[0]), len(printed[1])
    extra = count - first_page
    assert len(pages) == 1 + -(-extra // full_page)


# Slow by nature (fpdf lays out 10,000 rows, several seconds) and run once: it calls the
# pure builder, no app and no database, so it is not repeated per backend.
@pytest.mark.slow
def test_pdf_with_ten_thousand_rows():
    rows = make_rows(10_000)
    data = sign_in_sheet_pdf(sheet_info(), rows)

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 500
    last = reader.pages[-1].extract_text()
    assert "10000" in last
    assert f"Seite {len(reader.pages)} von {len(reader.pages)}" in last


def test_pdf_with_a_funding_note_longer_than_a_page():
    info = sheet_info(funding_note="Gefördert durch den ESF Plus. " * 400, language="en_GB")
    pages = pdf_pages(sign_in_sheet_pdf(info, make_rows(3)))

    assert len(pages) >= 2
    assert "Signature" in pages[-1]
    assert "Müller-Lüdenscheidt, Jürgen" in "".join(pages)
    assert all(f"of {len(pages)}" in text for text in pages)
