"""Page numbers from query strings, and the 404 past the last page."""

from __future__ import annotations

import re

from flask import abort

MAX_PAGE = 10_000


def parse_int(text: str, low: int, high: int) -> int | None:
    """A whole number in [low, high] from a query string (ASCII digits only), else None."""
    if not re.fullmatch(r"[0-9]{1,6}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_page(text: str) -> int | None:
    """A page number (1 to MAX_PAGE) from a query string, else None."""
    return parse_int(text, 1, MAX_PAGE)


def existing_page(page):
    """404 for a page number past the last page (page 1 of an empty list exists)."""
    if page.page > max(page.pages, 1):
        abort(404)
    return page
