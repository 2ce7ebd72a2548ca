"""Printed meeting plans: the table plan (one page per block, a grid of tables and slots
with big table names and the two people per cell) and personal schedules (one page per
person: their meetings in time order, table, partner and organisation; no addresses).
Builders take the set-up and the placed meetings and return bytes; labels are written in
the language of the request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from eventhub.i18n import event_date, event_period, event_time
from eventhub.manage.exports import ELLIPSIS, FONT, FONT_DIR, _clean, _needs_shaping
from eventhub.models import Event, Registration
from eventhub.models.network import Meeting

MARGIN = 12.0
# Table plan, A4 landscape: the table column, at most this many slots across a page, and
# rows between these heights (more tables than fit continue on the next page).
PLAN_TABLE_COLUMN = 40.0
PLAN_MAX_SLOTS = 8
PLAN_ROW_MIN, PLAN_ROW_MAX = 13.0, 20.0
PLAN_HEAD = 9.0
# Table names: wrapped in sizes down to this (a name of 50 characters fits a table cell),
# lines 1.15 times the font size; PT is one point in mm.
NAME_MIN_SIZE = 6.0
LINE_SPACING = 1.15
PT = 25.4 / 72
# Personal schedule, A4 portrait.
SCHEDULE_COLUMNS = (38.0, 40.0, 108.0)  # time, table, partner: 210 - 2 * 12
SCHEDULE_ROW = 15.0


def plan_filename(event: Event) -> str:
    name = _("table-plan")
    return f"{event.slug}-{name}.pdf"


def schedules_filename(event: Event, person: Registration | None = None) -> str:
    name = _("meeting-schedules")
    suffix = f"-{person.id}" if person is not None else ""
    return f"{event.slug}-{name}{suffix}.pdf"


class _Sheet(FPDF):
    """Unicode fonts, shaping only where a script needs it, text cut to fit its cell
    (table names wrapped or made smaller instead)."""

    def __init__(self, event: Event, orientation: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.event = event
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_title(_clean(event.title))
        self.set_creator("eventhub")
        self.alias_nb_pages()

    def shaped(self, text: str) -> str:
        wanted = _needs_shaping(text)
        if wanted != bool(self.text_shaping):
            self.set_text_shaping(wanted)
        return text

    def fit(self, text: str, width: float) -> str:
        """The text (one line) cut with an ellipsis to fit a cell of the width."""
        text = self.shaped(_clean(text))
        room = width - 2 * self.c_margin
        if self.get_string_width(text) <= room:
            return text
        while text and self.get_string_width(text + ELLIPSIS) > room:
            text = text[:-1]
        return self.shaped(text.rstrip() + ELLIPSIS)

    def name_box(
        self, text: str, x: float, y: float, width: float, height: float, size: float
    ) -> None:
        """A table's whole name, bold and centred in the box, never cut: on one line as
        large as `size` allows (down to 10 pt: readable from afar), else wrapped over
        lines in the largest size that fits, down to NAME_MIN_SIZE."""
        text = self.shaped(_clean(text))
        size = float(size)
        while True:
            self.set_font(FONT, "B", size)
            line = size * PT * LINE_SPACING
            lines = len(self._lines(text, width, line))
            on_one_line = lines == 1 and line <= height
            wrapped = size <= 10 and lines * line <= height
            if on_one_line or wrapped or size <= NAME_MIN_SIZE:
                break
            size = max(NAME_MIN_SIZE, size - 0.5)
        self.set_xy(x, y + max(0.0, (height - lines * line) / 2))
        self.multi_cell(width, line, text, align="C")
        self.rect(x, y, width, height)

    def _lines(self, text: str, width: float, line: float) -> list[str]:
        return self.multi_cell(width, line, text, dry_run=True, output=MethodReturnValue.LINES)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, "", 8)
        page = _("Page %(page)d of %(pages)s", page=self.page_no(), pages="{nb}")
        width = self.epw - self.get_string_width(page) - 10
        self.cell(width, 5, self.fit(self.event.title, width))
        self.cell(0, 5, self.shaped(page), align="R")

    def heading(self, title: str, lines: Sequence[str]) -> None:
        self.set_font(FONT, "B", 16)
        self.cell(0, 8, self.fit(title, self.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)
        for line in lines:
            if line:
                self.cell(0, 5.5, self.fit(line, self.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)


def _slot_label(event: Event, start: dt.datetime, end: dt.datetime) -> str:
    return f"{event_time(start, event.timezone)}–{event_time(end, event.timezone)}"


def table_plan_pdf(event: Event, blocks, slots, tables, meetings: Sequence[Meeting]) -> bytes:
    """One page per block (more when a block has more tables or slots than fit): tables
    down, slots across, the two names in each cell."""
    pdf = _Sheet(event, "L")
    at = {(m.slot_start, m.table_id): m for m in meetings}
    for block in blocks:
        block_slots = [s for s in slots if s.block_id == block.id]
        period = event_period(block.starts_at, block.ends_at, event.timezone)
        for first in range(0, max(len(block_slots), 1), PLAN_MAX_SLOTS):
            columns = block_slots[first : first + PLAN_MAX_SLOTS]
            rows = list(tables)
            while True:
                pdf.add_page()
                pdf.heading(event.title, [_("Table plan of the one-to-one meetings"), period])
                room = pdf.h - MARGIN - 8 - pdf.get_y() - PLAN_HEAD
                per_page = max(1, int(room // PLAN_ROW_MIN))
                page_rows, rows = rows[:per_page], rows[per_page:]
                height = min(PLAN_ROW_MAX, room / max(len(page_rows), 1))
                _plan_grid(pdf, event, columns, page_rows, at, height)
                if not rows:
                    break
    if not blocks:
        pdf.add_page()
        pdf.heading(event.title, [_("No meeting blocks are set up.")])
    return bytes(pdf.output())


def _plan_grid(pdf: _Sheet, event: Event, columns, tables, at, height: float) -> None:
    width = (pdf.epw - PLAN_TABLE_COLUMN) / max(len(columns), 1)
    pdf.set_fill_color(225, 225, 225)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(PLAN_TABLE_COLUMN, PLAN_HEAD, pdf.shaped(_("Table")), border=1, fill=True)
    for slot in columns:
        label = _slot_label(event, slot.start, slot.end)
        pdf.cell(width, PLAN_HEAD, pdf.fit(label, width), border=1, fill=True, align="C")
    pdf.ln(PLAN_HEAD)
    big = min(28.0, height * 1.6)
    names = 9.0 if height >= 15 else 7.5
    for table in tables:
        y = pdf.get_y()
        pdf.name_box(table.name, pdf.l_margin, y, PLAN_TABLE_COLUMN, height, big)
        for index, slot in enumerate(columns):
            x = pdf.l_margin + PLAN_TABLE_COLUMN + index * width
            pdf.rect(x, y, width, height)
            meeting = at.get((slot.start, table.id))
            if meeting is None:
                continue
            pdf.set_font(FONT, "", names)
            line = height / 2
            for n, person in enumerate((meeting.requester, meeting.partner)):
                pdf.set_xy(x, y + n * line)
                pdf.cell(width, line, pdf.fit(person.full_name, width), align="C")
        pdf.set_xy(pdf.l_margin, y + height)


@dataclass(frozen=True)
class PersonalSchedule:
    person: Registration
    meetings: list[Meeting]  # in time order


def personal_schedules(meetings: Sequence[Meeting]) -> list[PersonalSchedule]:
    """Everyone with a placed meeting, by last and first name, with their meetings."""
    mine: dict[int, PersonalSchedule] = {}
    for meeting in meetings:
        for person in (meeting.requester, meeting.partner):
            mine.setdefault(person.id, PersonalSchedule(person, [])).meetings.append(meeting)
    return sorted(
        mine.values(),
        key=lambda s: (s.person.last_name.casefold(), s.person.first_name.casefold(), s.person.id),
    )


def schedules_pdf(event: Event, schedules: Sequence[PersonalSchedule]) -> bytes:
    """One page per person (A4 portrait): their meetings in time order."""
    pdf = _Sheet(event, "P")
    venue = ", ".join(p for p in (event.venue_name, event.venue_city) if p)
    period = event_period(event.starts_at, event.ends_at, event.timezone)
    several_days = event.starts_at.astimezone(event.tz).date() != (
        event.ends_at.astimezone(event.tz).date()
    )
    for schedule in schedules:
        pdf.add_page()
        person = schedule.person
        pdf.heading(
            _("One-to-one meetings of %(name)s", name=_clean(person.full_name)),
            [person.organisation, event.title, period, venue],
        )
        if not schedule.meetings:
            pdf.set_font(FONT, "", 11)
            pdf.cell(0, 8, pdf.shaped(_("No meetings planned.")))
            continue
        _schedule_table(pdf, event, person, schedule.meetings, several_days)
    if not schedules:
        pdf.add_page()
        pdf.heading(event.title, [_("No meetings planned.")])
    return bytes(pdf.output())


def _schedule_table(pdf: _Sheet, event: Event, person, meetings, several_days: bool) -> None:
    heads = (_("Time"), _("Table"), _("Meeting partner"))
    pdf.set_fill_color(225, 225, 225)
    pdf.set_font(FONT, "B", 10)
    for width, head in zip(SCHEDULE_COLUMNS, heads, strict=True):
        pdf.cell(width, 8, pdf.shaped(head), border=1, fill=True)
    pdf.ln(8)
    time_w, table_w, partner_w = SCHEDULE_COLUMNS
    for meeting in meetings:
        if pdf.get_y() + SCHEDULE_ROW > pdf.h - MARGIN - 8:
            pdf.add_page()
        other = meeting.partner if meeting.requester_id == person.id else meeting.requester
        y = pdf.get_y()
        when = _slot_label(event, meeting.slot_start, meeting.slot_end)
        if several_days:
            when = f"{event_date(meeting.slot_start, event.timezone, 'short')} {when}"
        pdf.set_font(FONT, "", 10)
        pdf.cell(time_w, SCHEDULE_ROW, pdf.fit(when, time_w), border=1)
        pdf.name_box(meeting.table.name, pdf.l_margin + time_w, y, table_w, SCHEDULE_ROW, 18)
        x = pdf.l_margin + time_w + table_w
        pdf.rect(x, y, partner_w, SCHEDULE_ROW)
        pdf.set_font(FONT, "B", 10)
        pdf.set_xy(x, y + 1.5)
        pdf.cell(partner_w, 6, pdf.fit(other.full_name, partner_w))
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(x, y + 7.5)
        pdf.cell(partner_w, 6, pdf.fit(other.organisation or "", partner_w))
        pdf.set_xy(pdf.l_margin, y + SCHEDULE_ROW)
