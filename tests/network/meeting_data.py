"""Building blocks for meeting tests: two event days (winter and summer time) and the
set-up values most tests start from."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
# An event day in winter and one in summer (CET / CEST), both in the future.
WINTER = dt.date(2027, 1, 20)
SUMMER = dt.date(2027, 7, 14)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def setup_values(day: dt.date, **overrides) -> dict:
    values = {
        "enabled": True,
        "slot_minutes": 15,
        "break_minutes": 5,
        "max_per_person": 6,
        "needs_acceptance": True,
        "requests_close_at": None,
        # 11:00–12:00: slots 11:00, 11:20, 11:40.
        "blocks": [(at(day, 11), at(day, 12))],
        "tables": ["1", "2", "3"],
    }
    values.update(overrides)
    return values
