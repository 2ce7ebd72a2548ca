"""Calendar files as HTTP responses: content type, caching and conditional GET."""

from __future__ import annotations

from flask import Response, request

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


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
    response = Response(body, content_type=ICS_CONTENT_TYPE)
    response.set_etag(etag)
    response.last_modified = last_modified
    if private:
        response.cache_control.private = True
        response.cache_control.no_store = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = 300
    if by_language:
        response.vary.update(("Accept-Language", "Cookie"))
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)
