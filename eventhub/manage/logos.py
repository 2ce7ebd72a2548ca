"""An organisation's logo for the certificates of attendance: PNG or JPEG, small, checked
by decoding it (Pillow) before it is stored."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from eventhub.database import write_transaction
from eventhub.models import Organisation

LOGO_MAX_BYTES = 200 * 1024
LOGO_MAX_SIDE = 3000  # pixels: more is never needed for 5 cm on paper
LOGO_FORMATS = ("PNG", "JPEG")


class LogoRefused(ValueError):
    """Not a usable logo (reason: size, format, dimensions)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_logo(data: bytes) -> None:
    if not data or len(data) > LOGO_MAX_BYTES:
        raise LogoRefused("size")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in LOGO_FORMATS:
                raise LogoRefused("format")
            # The header only: a huge canvas is refused before any pixel is decoded.
            if max(image.size) > LOGO_MAX_SIDE:
                raise LogoRefused("dimensions")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, LogoRefused):
            raise
        raise LogoRefused("format") from exc


def set_logo(organisation_id: int, data: bytes | None) -> None:
    """Store the logo (checked first), or remove it with None."""
    if data is not None:
        check_logo(data)
    with write_transaction() as session:
        session.get(Organisation, organisation_id).logo = data
