"""Query helpers every area uses: LIKE escaping, case-insensitive comparison and the eager
loads of event listings."""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from eventhub.models import Event, EventHost


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# SQLite's own lower() folds ASCII letters only ("Ü" stays "Ü"); eventhub.database registers
# this Python function on every SQLite connection so both databases fold umlauts alike.
SQLITE_LOWER_FUNCTION = "eventhub_lower"


def sqlite_lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


class lowered(FunctionElement):  # lower case like the SQL functions it stands for
    """A column in lower case, umlauts included: lower() on PostgreSQL, Python's str.lower
    on SQLite. Compare it with `value.lower()`."""

    type = String()
    inherit_cache = True


@compiles(lowered)
def _lowered_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "sqlite")
def _lowered_sqlite(element, compiler, **kw):
    return f"{SQLITE_LOWER_FUNCTION}({compiler.process(element.clauses, **kw)})"


def event_load_options(*, agenda: bool = True):
    """Eager loads that keep every event listing at a fixed number of queries."""
    options = [
        selectinload(Event.hosts).joinedload(EventHost.organisation),
        selectinload(Event.topics),
        selectinload(Event.series),
    ]
    if agenda:
        options.append(selectinload(Event.agenda))
    return options
