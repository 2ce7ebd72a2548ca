"""Attendee lists as CSV, XLSX and PDF; pure functions from rows to bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import xlsxwriter
from fpdf import FPDF
from fpdf.enums import XPos, YPos


def attendee_list_filename(event, extension: str, status: str = "") -> str:
    """The attendee list's file name, the same for downloads and mail attachments; a list
    of one state (the waiting list, say) is named after it."""
    names = {"": "teilnehmende", "waiting": "warteliste", "pending": "freigabe"}
    return f"{event.slug}-{names.get(status, status)}.{extension}"


def sign_in_sheet_filename(event) -> str:
    return f"{event.slug}-unterschriftenliste.pdf"


@dataclass(frozen=True)
class AttendeeRow:
    """One registration as it appears in an export."""

    number: int
    last_name: str
    first_name: str
    email: str
    organisation: str
    job_title: str
    status: str  # confirmed / cancelled, already translated for display
    registered_at: dt.datetime  # aware, in the event's time zone
    checked_in: bool
    # On site or online, translated; only in the lists of hybrid events (ATTENDANCE_COLUMN).
    attendance: str = ""
    # Answers to the event's questions as text, one per extra header (statistical last).
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetInfo:
    """What the PDF sign-in sheet prints above the table."""

    title: str
    period: str  # already formatted, e.g. "Mittwoch, 13. Januar 2027, 10:00–16:00 MEZ"
    venue: str
    hosts: str
    funding_note: str
    language: str  # "de" or "en": headings of the sheet


COLUMN_COUNT = 9  # the fields of AttendeeRow before `attendance` and the answers, in order
# A hybrid event's lists have one column more after those: on site or online.
ATTENDANCE_COLUMN = COLUMN_COUNT
ANSWER_COLUMN_WIDTH = 24

# A cell starting with one of these is read as a formula by Excel or LibreOffice (OWASP
# "CSV injection"); the fullwidth forms because some imports fold them to ASCII.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

CHECKED_IN_MARK = "x"  # language neutral, unlike "ja"/"yes"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M"

CSV_ROWS_PER_CHUNK = 500
XLSX_CHUNK_BYTES = 64 * 1024


def formula_safe(value: str) -> str:
    """The value with a leading apostrophe if a spreadsheet would take it for a formula."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _check_headers(headers: list[str], attendance: bool = False) -> None:
    expected = COLUMN_COUNT + (1 if attendance else 0)
    if len(headers) != expected:
        raise ValueError(f"expected {expected} headers, got {len(headers)}")


def _check_answers(row: AttendeeRow, answer_headers: list[str]) -> None:
    if len(row.answers) != len(answer_headers):
        raise ValueError(f"expected {len(answer_headers)} answers, got {len(row.answers)}")


# --- CSV --------------------------------------------------------------------


def attendee_csv(
    rows: Iterable[AttendeeRow],
    headers: list[str],
    answer_headers: list[str] | None = None,
    *,
    attendance: bool = False,
) -> Iterator[bytes]:
    """Stream the list as a CSV that German Excel opens as it is: BOM, ';' and CRLF.
    `attendance`: with a column on site or online (hybrid events), part of `headers`;
    `answer_headers` name the columns of the rows' answers, after the fixed ones."""
    _check_headers(headers, attendance)
    return _csv_chunks(rows, headers, answer_headers or [], attendance)


def _csv_chunks(
    rows: Iterable[AttendeeRow],
    headers: list[str],
    answer_headers: list[str],
    with_attendance: bool,
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")  # Excel guesses the ANSI code page without it
    writer.writerow([formula_safe(h) for h in [*headers, *answer_headers]])
    pending = 0
    for row in rows:
        _check_answers(row, answer_headers)
        writer.writerow(
            [
                row.number,
                formula_safe(row.last_name),
                formula_safe(row.first_name),
                formula_safe(row.email),
                formula_safe(row.organisation),
                formula_safe(row.job_title),
                formula_safe(row.status),
                row.registered_at.strftime(TIMESTAMP_FORMAT),
                CHECKED_IN_MARK if row.checked_in else "",
                *([formula_safe(row.attendance)] if with_attendance else []),
                *(formula_safe(answer) for answer in row.answers),
            ]
        )
        pending += 1
        if pending == CSV_ROWS_PER_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode()


# --- XLSX -------------------------------------------------------------------

# Column widths in characters; constant_memory writes row by row, so they are set up front.
XLSX_COLUMN_WIDTHS = (6, 22, 18, 32, 32, 24, 16, 17, 10, 12)
XLSX_DEFAULT_SHEET_NAME = "Sheet1"
_SHEET_NAME_SLASHES = re.compile(r"[/\\]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?]")
_SHEET_NAME_MAX = 31  # Excel counts UTF-16 code units


# Every text cell goes through write_text anyway; these guard later edits.
XLSX_SAFE_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def write_text(sheet, row: int, col: int, value: str, guarded, cell_format=None) -> None:
    """A text cell that stays text: one that Excel would read as a formula gets the
    `guarded` format (quote prefix), which keeps it a text even after the cell is edited."""
    if value.startswith(FORMULA_TRIGGERS):
        sheet.write_string(row, col, value, guarded)
    else:
        sheet.write_string(row, col, value, cell_format)


def excel_sheet_name(name: str) -> str:
    """The name made acceptable to Excel: 31 characters, none of []:*?/\\, no edge quotes."""
    name = _SHEET_NAME_SLASHES.sub("-", name)
    name = _SHEET_NAME_FORBIDDEN.sub(" ", name)
    name = "".join(ch if ch.isprintable() else " " for ch in name)
    name = " ".join(name.split()).strip("'").strip()
    while len(name.encode("utf-16-le")) > 2 * _SHEET_NAME_MAX:
        name = name[:-1]
    name = name.rstrip("' ")
    if not name or name.casefold() == "history":  # "History" is reserved by Excel
        return XLSX_DEFAULT_SHEET_NAME
    return name


def attendee_xlsx(
    rows: Iterable[AttendeeRow],
    headers: list[str],
    sheet_name: str,
    answer_headers: list[str] | None = None,
    *,
    attendance: bool = False,
) -> Iterator[bytes]:
    """Stream the list as an .xlsx with typed cells, built in a temporary file.
    `attendance`: with a column on site or online (hybrid events), part of `headers`;
    `answer_headers` name the columns of the rows' answers, after the fixed ones."""
    _check_headers(headers, attendance)
    return _xlsx_chunks(
        rows, [*headers, *(answer_headers or [])], excel_sheet_name(sheet_name), attendance
    )


def _xlsx_chunks(
    rows: Iterable[AttendeeRow], headers: list[str], sheet_name: str, with_attendance: bool
) -> Iterator[bytes]:
    # The with-blocks also run when the consumer stops early (GeneratorExit at a yield),
    # so the temporary directory never outlives the download.
    with (
        tempfile.TemporaryDirectory(prefix="eventhub-xlsx-") as tmpdir,
        tempfile.NamedTemporaryFile(dir=tmpdir, suffix=".xlsx") as out,
    ):
        _write_workbook(out, tmpdir, rows, headers, sheet_name, with_attendance)
        out.seek(0)
        while chunk := out.read(XLSX_CHUNK_BYTES):
            yield chunk


def _write_workbook(
    out: IO[bytes],
    tmpdir: str,
    rows: Iterable[AttendeeRow],
    headers: list[str],
    sheet_name: str,
    with_attendance: bool,
) -> None:
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "in_memory": False,
            "tmpdir": tmpdir,
            **XLSX_SAFE_OPTIONS,
        },
    )
    try:
        sheet = workbook.add_worksheet(sheet_name)
        heading = workbook.add_format({"bold": True, "bottom": 1, "valign": "top"})
        # A quote prefix keeps a formula-looking text a text even after the cell is edited.
        guarded = workbook.add_format({"quote_prefix": True})
        stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        mark = workbook.add_format({"align": "center"})

        fixed = COLUMN_COUNT + (1 if with_attendance else 0)
        widths = (*XLSX_COLUMN_WIDTHS[:fixed], *[ANSWER_COLUMN_WIDTH] * (len(headers) - fixed))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, max(width, min(len(headers[col]), 40) + 2))
        sheet.freeze_panes(1, 0)
        for col, label in enumerate(headers):
            sheet.write_string(0, col, label, heading)

        def text(r: int, c: int, value: str) -> None:
            write_text(sheet, r, c, value, guarded)

        last = 0
        answer_headers = headers[fixed:]
        for last, row in enumerate(rows, start=1):
            _check_answers(row, answer_headers)
            sheet.write_number(last, 0, row.number)
            text(last, 1, row.last_name)
            text(last, 2, row.first_name)
            text(last, 3, row.email)
            text(last, 4, row.organisation)
            text(last, 5, row.job_title)
            text(last, 6, row.status)
            sheet.write_datetime(last, 7, row.registered_at.replace(tzinfo=None), stamp)
            sheet.write_string(last, 8, CHECKED_IN_MARK if row.checked_in else "", mark)
            if with_attendance:
                text(last, ATTENDANCE_COLUMN, row.attendance)
            for col, answer in enumerate(row.answers, start=fixed):
                text(last, col, answer)
        sheet.autofilter(0, 0, last, len(headers) - 1)
    finally:
        workbook.close()


# --- PDF sign-in sheet ------------------------------------------------------

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"

PDF_LABELS = {
    "de": {
        "heading": "Teilnahmeliste / Unterschriftenliste",
        "period": "Datum",
        "venue": "Ort",
        "hosts": "Veranstalter",
        "funding": "Förderung",
        "confirm": "Mit meiner Unterschrift bestätige ich meine Teilnahme an der Veranstaltung.",
        "number": "Nr.",
        "name": "Name, Vorname",
        "organisation": "Organisation",
        "signature": "Unterschrift",
        "page": "Seite {page} von {{nb}}",
    },
    "en": {
        "heading": "Attendance list / Sign-in sheet",
        "period": "Date",
        "venue": "Venue",
        "hosts": "Hosts",
        "funding": "Funding",
        "confirm": "By signing I confirm that I attended the event.",
        "number": "No.",
        "name": "Last name, first name",
        "organisation": "Organisation",
        "signature": "Signature",
        "page": "Page {page} of {{nb}}",
    },
}

# A4 landscape in mm (297 x 210).
PDF_MARGIN = 12.0
PDF_FOOTER_TOP = 210.0 - 12.0
PDF_TABLE_BOTTOM = PDF_FOOTER_TOP - 4.0
PDF_COLUMNS = (14.0, 82.0, 92.0, 85.0)  # No., Name, Organisation, Signature: 297 - 2 * 12
PDF_HEAD_HEIGHT = 8.0
PDF_ROW_HEIGHT = 10.0  # room to sign
PDF_FONT_SIZE = 10.0
ELLIPSIS = "…"

# Text made only of these needs neither HarfBuzz nor the bidi algorithm: Latin, Greek and
# Cyrillic letters, spacing modifiers, punctuation (minus the bidi controls and joiners),
# currency and letterlike symbols. Everything else (Arabic, Hebrew, Indic scripts, combining
# marks left after NFC ...) is shaped. Shaping every cell made 10,000 rows several times slower.
_UNSHAPED = re.compile(
    "[\u0000-\u02ff\u0370-\u052f\u1e00-\u1fff\u2010-\u2027\u2030-\u205e\u20a0-\u20cf\u2100-\u214f]*"
)


def _needs_shaping(text: str) -> bool:
    return _UNSHAPED.fullmatch(text) is None


def _clean(text: str) -> str:
    """One printable line: NFC (so ü is one glyph), control characters and newlines as spaces."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


class _SignInSheet(FPDF):
    """The sheet; table rows are drawn with the low-level text() unless they need shaping."""

    def __init__(self, info: SheetInfo, labels: dict[str, str]) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.info = info
        self.labels = labels
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(PDF_MARGIN, PDF_MARGIN, PDF_MARGIN)
        # Rows break pages themselves so that the table head can be repeated.
        self.set_auto_page_break(False)
        self.set_title(_clean(info.title))
        self.set_creator("eventhub")
        self.set_lang("de-DE" if labels is PDF_LABELS["de"] else "en")
        self.table_top = 0.0
        self.fitted: dict[tuple[str, float, float, str], str] = {}  # organisations repeat a lot

    def shaping_for(self, text: str) -> bool:
        """Switch shaping on or off for the text about to be measured or printed."""
        wanted = _needs_shaping(text)
        if wanted != bool(self.text_shaping):
            self.set_text_shaping(wanted)
        return wanted

    def shaped(self, text: str) -> str:
        self.shaping_for(text)
        return text

    def footer(self) -> None:
        self.set_y(PDF_FOOTER_TOP)
        self.set_font(FONT, "", 8)
        page = self.labels["page"].format(page=self.page_no())
        title_width = self.epw - self.get_string_width(page) - 10
        self.cell(title_width, 5, self.fit(_clean(self.info.title), title_width))
        self.cell(0, 5, self.shaped(page), align="R")

    def fit(self, text: str, width: float) -> str:
        """The text, cut with an ellipsis to fit a cell of the width; shaping set to match."""
        key = (text, width, self.font_size_pt, self.font_style)
        if key in self.fitted:
            return self.shaped(self.fitted[key])
        room = width - 2 * self.c_margin
        self.shaping_for(text)
        if self.get_string_width(text) > room:
            self.shaping_for(text + ELLIPSIS)
            low, high = 0, len(text)
            while low < high:  # longest prefix that fits, by bisection
                mid = (low + high + 1) // 2
                if self.get_string_width(text[:mid].rstrip() + ELLIPSIS) <= room:
                    low = mid
                else:
                    high = mid - 1
            text = text[:low].rstrip() + ELLIPSIS
        if len(self.fitted) < 10_000:
            self.fitted[key] = text
        return self.shaped(text)

    def info_block(self) -> None:
        labels = self.labels
        # Only an absurdly long title or funding note fills a page; let it flow onto the next.
        self.set_auto_page_break(True, 210.0 - PDF_TABLE_BOTTOM)
        self.set_font(FONT, "B", 16)
        self.cell(0, 9, self.shaped(labels["heading"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 13)
        self.multi_cell(0, 6.5, self.shaped(_clean(self.info.title)), new_x=XPos.LMARGIN)
        self.ln(2)
        lines = (
            ("period", self.info.period),
            ("venue", self.info.venue),
            ("hosts", self.info.hosts),
            ("funding", self.info.funding_note),
        )
        for key, value in lines:
            value = _clean(value)
            if not value:
                continue
            self.set_font(FONT, "B", PDF_FONT_SIZE)
            self.cell(30, 5.5, self.shaped(labels[key] + ":"))
            self.set_font(FONT, "", PDF_FONT_SIZE)
            self.multi_cell(0, 5.5, self.shaped(value), new_x=XPos.LMARGIN)
        self.ln(2)
        self.set_font(FONT, "", 9)
        self.cell(0, 5, self.shaped(labels["confirm"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_auto_page_break(False)

    def table_head(self) -> None:
        self.set_font(FONT, "B", PDF_FONT_SIZE)
        self.set_fill_color(225, 225, 225)
        heads = ("number", "name", "organisation", "signature")
        for width, key in zip(PDF_COLUMNS, heads, strict=True):
            self.cell(width, PDF_HEAD_HEIGHT, self.shaped(self.labels[key]), border=1, fill=True)
        self.ln(PDF_HEAD_HEIGHT)
        self.set_font(FONT, "", PDF_FONT_SIZE)
        self.table_top = self.get_y()

    def table_grid(self) -> None:
        """Rule the rows printed on this page: one line per edge instead of a box per cell."""
        top, bottom = self.table_top, self.get_y()
        if bottom <= top:
            return
        left = self.l_margin
        right = left + sum(PDF_COLUMNS)
        y = top
        while y < bottom - 0.01:
            y += PDF_ROW_HEIGHT
            self.line(left, y, right, y)
        x = left
        self.line(x, top, x, bottom)
        for width in PDF_COLUMNS:
            x += width
            self.line(x, top, x, bottom)

    def text_in_cell(self, x: float, width: float, text: str, align_right: bool = False) -> None:
        y = self.get_y()
        if self.text_shaping:
            # text() knows nothing of shaping or bidi; cell() does.
            self.set_xy(x, y)
            self.cell(width, PDF_ROW_HEIGHT, text, align="R" if align_right else "L")
            self.set_xy(self.l_margin, y)
            return
        baseline = y + 0.5 * PDF_ROW_HEIGHT + 0.3 * self.font_size
        if align_right:
            x += width - self.c_margin - self.get_string_width(text)
        else:
            x += self.c_margin
        self.text(x, baseline, text)

    def attendee(self, row: AttendeeRow) -> None:
        if self.get_y() + PDF_ROW_HEIGHT > PDF_TABLE_BOTTOM:
            self.table_grid()
            self.add_page()
            self.table_head()
        last, first = _clean(row.last_name), _clean(row.first_name)
        name = f"{last}, {first}" if last and first else last or first
        number_w, name_w, org_w, _signature_w = PDF_COLUMNS
        x = self.l_margin
        self.text_in_cell(x, number_w, self.shaped(str(row.number)), align_right=True)
        x += number_w
        self.text_in_cell(x, name_w, self.fit(name, name_w))
        x += name_w
        self.text_in_cell(x, org_w, self.fit(_clean(row.organisation), org_w))
        self.set_y(self.get_y() + PDF_ROW_HEIGHT)


def sign_in_sheet_pdf(info: SheetInfo, rows: Iterable[AttendeeRow]) -> bytes:
    """A printable sign-in sheet (A4 landscape) with one signature line per row given."""
    language = re.split(r"[-_]", info.language)[0].lower()  # "en", "en-GB", "en_GB"
    pdf = _SignInSheet(info, PDF_LABELS.get(language, PDF_LABELS["de"]))
    pdf.add_page()
    pdf.info_block()
    if pdf.get_y() + PDF_HEAD_HEIGHT + PDF_ROW_HEIGHT > PDF_TABLE_BOTTOM:
        pdf.add_page()  # no table head alone at the foot of the first page
    pdf.table_head()
    for row in rows:
        pdf.attendee(row)
    pdf.table_grid()
    return bytes(pdf.output())
