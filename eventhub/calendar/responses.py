"""Calendar files as HTTP responses: content type, caching and conditional GET."""

from __future__ import annotations

from flask import Response, request
from werkzeug.http import http_date, quote_etag

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
PUBLIC = "public, max-age=300"
PRIVATE = "private, no-store"
BY_LANGUAGE = "Accept-Language, Cookie"


def ics_response(
    body: bytes,
    *,
    etag: str,
    last_modified,
    filename: str | None = None,
    private: bool = False,
    by_language: bool = False,
):
    """`by_language`: the body depends on the reader's language (a feed's name), which
    comes from ?lang=, the `lang` cookie or Accept-Language: shared caches must key on
    the latter two (the query is part of the URL)."""
    # The headers as plain strings: werkzeug's cache_control and vary objects parse and
    # rewrite their header on every change (~40 us of a feed's 304).
    headers = [("ETag", quote_etag(etag)), ("Cache-Control", PRIVATE if private else PUBLIC)]
    if last_modified is not None:  # None: only the ETag can tell what changed
        headers.append(("Last-Modified", http_date(last_modified)))
    if by_language:
        headers.append(("Vary", BY_LANGUAGE))
    if filename:
        headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
    response = Response(body, content_type=ICS_CONTENT_TYPE, headers=headers)
    return response.make_conditional(request)
