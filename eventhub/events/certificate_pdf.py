"""The certificate of attendance as a one-page PDF (A4 portrait). Pure: takes what the
certificate states, returns bytes; labels are written in the language active when it is
called (the person's, see events.certificates)."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from eventhub.qr import make_qr

# The DejaVu fonts the workspace's PDFs use (Latin, Greek, Cyrillic, Arabic, Hebrew ...);
# shared by path, not by import (manage sits above events).
FONT_DIR = Path(__file__).resolve().parent.parent / "manage" / "fonts"
FONT = "DejaVu"
MARGIN = 20.0
QR_SIZE = 32.0  # mm: scannable from paper at arm's length


@dataclass(frozen=True)
class CertificateSheet:
    """What one certificate says, already formatted for its language."""

    holder_name: str
    event_title: str
    dates: str  # e.g. "13. Januar 2027"
    hours: str  # e.g. "4,5"
    hosts: str  # e.g. "IHK NRW, Stadt Bottrop"
    code: str  # grouped for reading, e.g. "7K3M-9QXD-2HPT-A4RW"
    verify_url: str
    signatory: str = ""
    signatory_role: str = ""
    logo: bytes | None = None  # PNG or JPEG of the host organisation


def _line(text: str) -> str:
    """One printable line: NFC (so ü is one glyph), controls and newlines as spaces."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        # HarfBuzz shaping and the bidi algorithm for every line: names in Arabic join
        # their letters and run right to left; a one-page document costs nothing extra.
        self.set_text_shaping(True)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_creator("eventhub")

    def centred(self, text: str, size: float, style: str = "", gap: float = 2.0) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.5, _line(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)


def certificate_pdf(sheet: CertificateSheet) -> bytes:
    pdf = _Certificate()
    pdf.set_title(_line(_("Certificate of attendance") + " – " + sheet.event_title))
    pdf.add_page()
    top = MARGIN + 10
    if sheet.logo:
        # At most 50 x 25 mm in the top right corner, in its own proportions.
        pdf.image(
            io.BytesIO(sheet.logo),
            x=pdf.w - MARGIN - 50,
            y=MARGIN,
            w=50,
            h=25,
            keep_aspect_ratio=True,
        )
        top = MARGIN + 35
    pdf.set_y(top)
    pdf.centred(_("Certificate of attendance"), 26, "B", gap=14)
    pdf.centred(_("This is to certify that"), 12, gap=6)
    pdf.centred(sheet.holder_name, 22, "B", gap=6)
    pdf.centred(_("attended the event"), 12, gap=6)
    pdf.centred(sheet.event_title, 16, "B", gap=6)
    pdf.centred(_("on %(dates)s.", dates=sheet.dates), 12, gap=10)
    pdf.centred(_("Duration: %(hours)s hours", hours=sheet.hours), 12, gap=4)
    if sheet.hosts:
        pdf.centred(_("Hosted by: %(hosts)s", hosts=sheet.hosts), 11, gap=4)
    if sheet.signatory:
        pdf.set_y(200)
        pdf.set_draw_color(80, 80, 80)
        pdf.line(pdf.w / 2 - 40, 215, pdf.w / 2 + 40, 215)
        pdf.set_y(217)
        pdf.centred(sheet.signatory, 11, gap=1)
        if sheet.signatory_role:
            pdf.centred(sheet.signatory_role, 10)
    _verification(pdf, sheet)
    return bytes(pdf.output())


def _verification(pdf: _Certificate, sheet: CertificateSheet) -> None:
    """The code, the address to check it at, and a QR code of that address."""
    y = pdf.h - MARGIN - QR_SIZE
    qr = io.BytesIO()
    make_qr(sheet.verify_url).save(qr, kind="png", scale=6, border=1)
    pdf.image(qr, x=MARGIN, y=y, w=QR_SIZE, h=QR_SIZE)
    pdf.set_xy(MARGIN + QR_SIZE + 6, y + 6)
    width = pdf.w - 2 * MARGIN - QR_SIZE - 6
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(width, 5, _("Verification code:"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(width, 6, sheet.code, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        width,
        5,
        _("Check this certificate at %(url)s", url=sheet.verify_url),
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
