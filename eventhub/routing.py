"""URL converters: slugs and tokens are matched by pattern, so junk never reaches a query."""

from __future__ import annotations

from werkzeug.routing import BaseConverter


class SlugConverter(BaseConverter):
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class TokenConverter(BaseConverter):
    regex = r"[A-Za-z0-9_-]{1,100}"
