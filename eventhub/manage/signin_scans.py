"""The scan of an event's signed sign-in sheet: checked by its content, kept in the
database (one per event, a new upload replaces it), appended to the funder report."""

from __future__ import annotations

import io
import unicodedata
import warnings

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import delete, select

from eventhub.database import write_transaction
from eventhub.manage.funder_report import SIGNIN_SCAN
from eventhub.models import Event, EventFile
from eventhub.models.base import utcnow

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# A 600 dpi scan of an A4 page has 35 million pixels; more is no scan but a trap.
MAX_PIXELS = 60_000_000
MAX_PAGES = 300
FILENAME_MAX = 200


class ScanError(Exception):
    """The upload is refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _unreadable_pdf() -> ScanError:
    return ScanError(
        422, _("The PDF file could not be read. Please save or scan it again and upload it.")
    )


def _pdf_pages(data: bytes) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about files it can still read
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise ScanError(
                    422, _("The PDF file is password-protected. Please upload it without.")
                )
            pages = len(reader.pages)
    except ScanError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _unreadable_pdf() from None
    if not pages:
        raise _unreadable_pdf()
    if pages > MAX_PAGES:
        raise ScanError(422, _("The PDF file may have at most %(num)d pages.", num=MAX_PAGES))
    return pages


def _image_type(data: bytes) -> str:
    expected = "PNG" if data.startswith(PNG_MAGIC) else "JPEG"
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format != expected:
                raise OSError(image.format)
            if width * height > MAX_PIXELS:
                raise ScanError(
                    422,
                    _("The image is too large (at most %(num)d megapixels).", num=60),
                )
            image.verify()
    except ScanError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ScanError(
            422, _("The image could not be read. Please scan it again and upload it.")
        ) from None
    return "image/png" if expected == "PNG" else "image/jpeg"


def inspect_scan(data: bytes, max_bytes: int) -> tuple[str, int]:
    """(content type, pages) of an upload, judged by its content, not its name; ScanError
    when it is empty, too large, of another type or unreadable."""
    if not data:
        raise ScanError(400, _("Please choose the file to upload."))
    if len(data) > max_bytes:
        megabytes = format_decimal(round(max_bytes / 1024 / 1024, 1), locale=get_locale())
        raise ScanError(
            413,
            _(
                "The file is larger than %(mb)s MB. Please scan at a lower resolution "
                "or in black and white.",
                mb=megabytes,
            ),
        )
    if data.startswith(PDF_MAGIC):
        return "application/pdf", _pdf_pages(data)
    if data.startswith((PNG_MAGIC, JPEG_MAGIC)):
        return _image_type(data), 1
    raise ScanError(415, _("Please upload a PDF, PNG or JPEG file."))


def clean_filename(name: str, content_type: str) -> str:
    """The uploaded name as shown in the report: one line, no path, at most 200 characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())
    fallback = {"application/pdf": "scan.pdf", "image/png": "scan.png"}.get(
        content_type, "scan.jpg"
    )
    return name[-FILENAME_MAX:] or fallback


def save_scan(
    event_id: int, filename: str, data: bytes, *, user_id: int | None, max_bytes: int
) -> EventFile:
    """Check the upload and keep it as the event's scan, replacing an earlier one."""
    content_type, pages = inspect_scan(data, max_bytes)
    with write_transaction() as session:
        _lock_event(session, event_id)
        scan = session.scalar(
            select(EventFile)
            .where(EventFile.event_id == event_id, EventFile.kind == SIGNIN_SCAN)
            .execution_options(populate_existing=True)
        )
        if scan is None:
            scan = EventFile(event_id=event_id, kind=SIGNIN_SCAN)
            session.add(scan)
        scan.filename = clean_filename(filename, content_type)
        scan.content_type = content_type
        scan.size = len(data)
        scan.pages = pages
        scan.data = data
        scan.uploaded_by_id = user_id
        scan.uploaded_at = utcnow()
    return scan


def _lock_event(session, event_id: int) -> None:
    """The event's row lock orders uploads at once: the second replaces the first (on
    SQLite, BEGIN IMMEDIATE already does)."""
    session.get(Event, event_id, with_for_update=True, populate_existing=True)


def delete_scan(event_id: int) -> bool:
    with write_transaction() as session:
        result = session.execute(
            delete(EventFile).where(EventFile.event_id == event_id, EventFile.kind == SIGNIN_SCAN)
        )
    return bool(result.rowcount)
