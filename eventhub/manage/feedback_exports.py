"""An event's feedback as CSV and XLSX: pure functions from the report's rows to bytes,
formula-safe like the attendee lists."""

from __future__ import annotations

import csv
import io

import xlsxwriter

from eventhub.manage.exports import FORMULA_TRIGGERS, excel_sheet_name, formula_safe


def feedback_filename(event, extension: str) -> str:
    return f"{event.slug}-feedback.{extension}"


def feedback_table(details, headers: dict[str, str], named: bool) -> list[list]:
    """The answers as rows under one header row: rating, most useful, comment, the
    organisers' questions, and the name when the survey was not anonymous."""
    head = [headers["rating"], headers["most_useful"], headers["comment"]]
    head += [question.label for question in details.questions]
    if named:
        head.append(headers["name"])
    rows = [head]
    for row in details.rows:
        line = [row.rating, ", ".join(row.most_useful), row.comment, *row.answers]
        rows.append([*line, row.name] if named else line)
    return rows


def feedback_csv(table: list[list]) -> bytes:
    """BOM, ';' and CRLF, as German Excel opens it; texts formula-safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in table:
        writer.writerow([v if isinstance(v, int) else formula_safe(v) for v in line])
    return buffer.getvalue().encode()


def feedback_xlsx(
    table: list[list], summary: list[tuple[str, object]], names: tuple[str, str]
) -> bytes:
    """Two sheets: the summary (label, value) and the answers; texts written as texts
    (a formula-looking one with a quote prefix), numbers as numbers."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True, "bottom": 1})
    guarded = workbook.add_format({"quote_prefix": True, "text_wrap": True, "valign": "top"})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})

    def write(sheet, r: int, c: int, value, head: bool = False) -> None:
        if value is None:
            return
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(r, c, value)
        elif head:
            sheet.write_string(r, c, str(value), bold)
        else:
            text = str(value)
            sheet.write_string(
                r, c, text, guarded if text.startswith(FORMULA_TRIGGERS) else wrapped
            )

    overview = workbook.add_worksheet(excel_sheet_name(names[0]))
    overview.set_column(0, 0, 40)
    overview.set_column(1, 1, 14)
    for r, (label, value) in enumerate(summary):
        write(overview, r, 0, label)
        write(overview, r, 1, value)
    answers = workbook.add_worksheet(excel_sheet_name(names[1]))
    answers.set_column(0, 0, 10)
    answers.set_column(1, len(table[0]) - 1, 32)
    answers.freeze_panes(1, 0)
    for r, line in enumerate(table):
        for c, value in enumerate(line):
            write(answers, r, c, value, head=r == 0)
    workbook.close()
    return out.getvalue()
