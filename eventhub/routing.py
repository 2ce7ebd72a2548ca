"""URL converters: slugs and tokens are matched by pattern, so junk never reaches a query."""

from __future__ import annotations

from werkzeug.routing import BaseConverter


class SlugConverter(BaseConverter):
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class TokenConverter(BaseConverter):
    regex = r"[A-Za-z0-9_-]{1,100}"


# Row ids fit a 32-bit signed integer, and PostgreSQL refuses larger parameters for an
# INTEGER column ("integer out of range", a 500). Larger numbers in a URL become 0, an id
# no row has, so the view answers 404 as for any other missing row. (Refusing them in the
# converter instead makes werkzeug answer 405 for the path's other methods.)
MAX_ID = 2**31 - 1
NO_ROW = 0


class IdConverter(BaseConverter):
    regex = r"[1-9][0-9]{0,18}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else NO_ROW

    def to_url(self, value: int) -> str:
        return str(int(value))
