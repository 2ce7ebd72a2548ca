"""The funder report as PDF (with the signed sign-in sheet's scan appended) and as XLSX;
pure functions from a FunderReport to bytes."""

from __future__ import annotations

import io

import xlsxwriter
from babel.numbers import format_decimal, format_percent
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image
from pypdf import PdfReader, PdfWriter

from eventhub.manage.exports import (
    FONT,
    FONT_DIR,
    XLSX_SAFE_OPTIONS,
    _needs_shaping,
    excel_sheet_name,
    write_text,
)
from eventhub.manage.funder_report import PERCENT, Figure, FunderReport

PDF_MARGIN = 15.0
PDF_LINE = 6.0


def _number(value: int | float | str, language: str) -> str:
    return format_decimal(value, locale=language) if isinstance(value, int | float) else value


def figure_text(figure: Figure, language: str) -> str:
    if figure.value is None:
        return f"— ({figure.note})" if figure.note else "—"
    if figure.share:
        return format_percent(figure.value, PERCENT, locale=language)
    return _number(figure.value, language)


# --- PDF --------------------------------------------------------------------


def _texts(report: FunderReport):
    yield report.title
    yield from report.headings.values()
    for label, text in report.facts:
        yield label
        yield text
    yield from (f.label for f in report.figures)
    yield from (f.note for f in report.figures)
    yield from (t.label for t in report.organisation_types)
    for table in report.esf:
        yield table.question
        yield from (r.label for r in table.rows)
    yield from (f.label for f in report.feedback)
    yield from (f.value for f in report.feedback if isinstance(f.value, str))
    if report.scan is not None:
        yield report.scan.filename


class _ReportPdf(FPDF):
    def __init__(self, report: FunderReport) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report = report
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(PDF_MARGIN, PDF_MARGIN, PDF_MARGIN)
        self.set_auto_page_break(True, 20)
        # HarfBuzz shaping made the report six times slower; only scripts that need it
        # (Arabic, Indic ... in a title or a host's name) switch it on, for the whole file.
        if any(_needs_shaping(text) for text in _texts(report)):
            self.set_text_shaping(True)
        self.set_title(report.title)
        self.set_creator("eventhub")
        self.set_lang("de-DE" if report.language == "de" else "en")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        page = self.report.headings["page"].replace("{page}", str(self.page_no()))
        self.cell(0, 5, page, align="R")

    def heading(self, text: str, size: float = 13) -> None:
        if self.get_y() > self.h - 50:  # no heading alone at the foot of a page
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, "", 10)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(FONT, "", size)
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)

    def rows(
        self, head: tuple[str, ...] | None, rows: list[tuple[str, ...]], widths: tuple
    ) -> None:
        align = ("LEFT", *["RIGHT"] * (len(widths) - 1)) if head and len(widths) > 2 else None
        with self.table(
            col_widths=widths,
            text_align=align or "LEFT",
            first_row_as_headings=head is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
            line_height=PDF_LINE,
            borders_layout="HORIZONTAL_LINES",
            width=self.epw,
        ) as table:
            for row in [head, *rows] if head else rows:
                cells = table.row()
                for text in row:
                    cells.cell(text)


def _report_pages(report: FunderReport) -> _ReportPdf:
    h, lang = report.headings, report.language
    pdf = _ReportPdf(report)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, h["document"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, report.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.paragraph(h["privacy"], 9)

    pdf.heading(h["facts"])
    pdf.rows(None, report.facts, (45, 135))
    pdf.heading(h["figures"])
    figures = [(f.label, figure_text(f, lang)) for f in report.figures]
    pdf.rows((h["item"], h["count"]), figures, (130, 50))

    pdf.heading(h["types"])
    types = [
        (t.label, _number(t.registered, lang), _number(t.attended, lang))
        for t in report.organisation_types
    ]
    pdf.rows((h["type"], h["registered"], h["attended"]), types, (110, 35, 35))

    pdf.heading(h["esf"])
    if not report.esf:
        pdf.paragraph(h["no_esf"])
    for table in report.esf:
        pdf.heading(table.question, 11)
        rows = [
            (r.label, _number(r.registered, lang), _number(r.attended, lang)) for r in table.rows
        ]
        pdf.rows((h["option"], h["registered"], h["attended"]), rows, (110, 35, 35))
    if report.esf:
        pdf.ln(2)
        pdf.paragraph(h["suppression"], 8.5)

    pdf.heading(h["feedback"])
    if report.feedback:
        feedback = [(f.label, _number(f.value, lang)) for f in report.feedback]
        pdf.rows((h["item"], h["value"]), feedback, (130, 50))
    else:
        pdf.paragraph(h["no_feedback"])

    pdf.heading(h["appendix"])
    if report.scan is None:
        pdf.paragraph(h["no_scan"])
    else:
        scan = report.scan
        pdf.paragraph(f"{h['scan']}: {scan.filename} ({h['pages']}: {scan.pages})")
    return pdf


def _appendix_cover(pdf: _ReportPdf) -> None:
    h, scan = pdf.report.headings, pdf.report.scan
    pdf.add_page()
    pdf.heading(f"{h['appendix']}: {h['scan']}", 14)
    facts = [
        (h["file"], scan.filename),
        (h["pages"], _number(scan.pages, pdf.report.language)),
        (h["uploaded"], scan.uploaded_at),
    ]
    pdf.rows(None, facts, (45, 135))


def _image_page(pdf: _ReportPdf, image: bytes) -> None:
    with Image.open(io.BytesIO(image)) as opened:
        width, height = opened.size
    pdf.add_page(orientation="L" if width > height else "P")
    pdf.image(
        io.BytesIO(image),
        x=pdf.l_margin,
        y=pdf.t_margin,
        w=pdf.epw,
        h=pdf.h - pdf.t_margin - 20,
        keep_aspect_ratio=True,
    )


def funder_report_pdf(report: FunderReport, scan: bytes | None = None) -> bytes:
    """The report (A4); with `scan` (the upload of report.scan) an appendix: a cover page,
    then the scan's pages (a PDF's own pages, an image as one page)."""
    pdf = _report_pages(report)
    if report.scan is None or scan is None:
        return bytes(pdf.output())
    _appendix_cover(pdf)
    if report.scan.content_type != "application/pdf":
        _image_page(pdf, scan)
        return bytes(pdf.output())
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.append(PdfReader(io.BytesIO(scan)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- XLSX -------------------------------------------------------------------


def funder_report_xlsx(report: FunderReport) -> bytes:
    """One sheet per section: overview, organisation types, ESF, feedback, appendix;
    counts as numbers, shares as percentages, every text formula-safe."""
    h = report.headings
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, **XLSX_SAFE_OPTIONS})
    bold = workbook.add_format({"bold": True, "bottom": 1})
    title = workbook.add_format({"bold": True, "font_size": 13})
    guarded = workbook.add_format({"quote_prefix": True})
    share = workbook.add_format({"num_format": "0.0%"})
    right = workbook.add_format({"align": "right"})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})

    def sheet_with(name: str, head: tuple[str, ...], widths: tuple[int, ...]):
        sheet = workbook.add_worksheet(excel_sheet_name(name))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for col, text in enumerate(head):
            write_text(sheet, 0, col, text, guarded, bold)
        sheet.freeze_panes(1, 0)
        return sheet

    def cell(sheet, row: int, col: int, value) -> None:
        if isinstance(value, int | float):
            sheet.write_number(row, col, value)
        else:
            write_text(sheet, row, col, value, guarded, right)

    # Overview: the event's facts, then the figures.
    sheet = sheet_with(h["overview"], (h["item"], h["value"]), (42, 70))
    write_text(sheet, 1, 0, h["document"], guarded, title)
    row = 2
    write_text(sheet, row, 0, h["privacy"], guarded)
    row += 2
    write_text(sheet, row, 0, h["facts"], guarded, bold)
    for label, text in report.facts:
        row += 1
        write_text(sheet, row, 0, label, guarded)
        write_text(sheet, row, 1, text, guarded, wrapped)
    row += 2
    write_text(sheet, row, 0, h["figures"], guarded, bold)
    for figure in report.figures:
        row += 1
        write_text(sheet, row, 0, figure.label, guarded)
        if figure.value is None:
            write_text(sheet, row, 1, figure_text(figure, report.language), guarded)
        elif figure.share:
            sheet.write_number(row, 1, figure.value, share)
        else:
            sheet.write_number(row, 1, figure.value)

    sheet = sheet_with(h["types"], (h["type"], h["registered"], h["attended"]), (44, 14, 14))
    for row, t in enumerate(report.organisation_types, start=1):
        write_text(sheet, row, 0, t.label, guarded)
        sheet.write_number(row, 1, t.registered)
        sheet.write_number(row, 2, t.attended)

    sheet = sheet_with(
        h["esf"], (h["esf"], h["option"], h["registered"], h["attended"]), (30, 60, 14, 14)
    )
    row = 0
    for table in report.esf:
        for line in table.rows:
            row += 1
            write_text(sheet, row, 0, table.question, guarded)
            write_text(sheet, row, 1, line.label, guarded)
            cell(sheet, row, 2, line.registered)
            cell(sheet, row, 3, line.attended)
    write_text(sheet, row + 2, 0, h["suppression"] if report.esf else h["no_esf"], guarded)

    sheet = sheet_with(h["feedback"], (h["item"], h["value"]), (60, 20))
    for row, line in enumerate(report.feedback, start=1):
        write_text(sheet, row, 0, line.label, guarded)
        cell(sheet, row, 1, line.value)
    if not report.feedback:
        write_text(sheet, 1, 0, h["no_feedback"], guarded)

    sheet = sheet_with(h["appendix"], (h["item"], h["value"]), (30, 60))
    scan = report.scan
    if scan is None:
        write_text(sheet, 1, 0, h["no_scan"], guarded)
    else:
        write_text(sheet, 1, 0, h["scan"], guarded)
        write_text(sheet, 1, 1, h["pdf_appendix"], guarded)
        write_text(sheet, 2, 0, h["file"], guarded)
        write_text(sheet, 2, 1, scan.filename, guarded)
        write_text(sheet, 3, 0, h["pages"], guarded)
        sheet.write_number(3, 1, scan.pages)
        write_text(sheet, 4, 0, h["uploaded"], guarded)
        write_text(sheet, 4, 1, scan.uploaded_at, guarded)
    workbook.close()
    return out.getvalue()
