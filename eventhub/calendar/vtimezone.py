"""VTIMEZONE components with yearly RRULEs, built from the zone's POSIX TZ rule.

icalendar's own generator lists every transition as RDATE; several clients
(and vobject/dateutil) only honour the first one and show summer events an
hour off. The compact RRULE form below is what Outlook and Google emit.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import re
import zoneinfo
from importlib import resources
from pathlib import Path

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"([+-]?\d{1,2}(?::\d{2}){0,2})"
_POSIX = re.compile(rf"^{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,([^,]+),([^,]+))?$")
_RULE = re.compile(r"^M(\d{1,2})\.([1-5])\.([0-6])(?:/([+-]?\d{1,3}(?::\d{2}){0,2}))?$")
_BYDAY = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")


def _tzif_bytes(tzid: str) -> bytes:
    for root in zoneinfo.TZPATH:
        path = Path(root) / tzid
        if path.is_file():
            return path.read_bytes()
    return resources.files("tzdata.zoneinfo").joinpath(*tzid.split("/")).read_bytes()


def posix_rule(tzid: str) -> str:
    """The TZ string at the end of a TZif v2+ file, e.g. 'CET-1CEST,M3.5.0,M10.5.0/3'."""
    data = _tzif_bytes(tzid)
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _onset(rule: str, year: int = 1970) -> tuple[dt.datetime, str]:
    """Local wall-clock time of a transition in `year` and its RRULE BYDAY/BYMONTH."""
    match = _RULE.match(rule)
    if not match:
        raise ValueError(f"unsupported transition rule {rule!r}")
    month, week, weekday = int(match[1]), int(match[2]), int(match[3])
    at = dt.timedelta(seconds=_seconds(match[4]) if match[4] else 7200)
    days = [
        d
        for d in range(1, pycalendar.monthrange(year, month)[1] + 1)
        if (dt.date(year, month, d).weekday() + 1) % 7 == weekday
    ]
    day = days[-1] if week == 5 else days[week - 1]
    byday = f"{-1 if week == 5 else week}{_BYDAY[weekday]}"
    return dt.datetime(year, month, day) + at, byday


def build_vtimezone(tzid: str) -> Timezone | None:
    """A VTIMEZONE for tzid, or None when its rule is not in the supported form."""
    match = _POSIX.match(posix_rule(tzid))
    if not match:
        return None
    std_name, std_off, dst_name, dst_off, start, end = match.groups()
    standard_offset = dt.timedelta(seconds=-_seconds(std_off))
    tz = Timezone()
    tz.add("tzid", tzid)
    if dst_name is None:
        component = TimezoneStandard()
        component.add("dtstart", dt.datetime(1970, 1, 1))
        component.add("tzoffsetfrom", standard_offset)
        component.add("tzoffsetto", standard_offset)
        component.add("tzname", std_name.strip("<>"))
        tz.add_component(component)
        return tz
    daylight_offset = (
        dt.timedelta(seconds=-_seconds(dst_off))
        if dst_off
        else standard_offset + dt.timedelta(hours=1)
    )
    try:
        begins, begins_day = _onset(start)
        ends, ends_day = _onset(end)
    except ValueError:
        return None
    for cls, name, when, byday, before, after in (
        (TimezoneDaylight, dst_name, begins, begins_day, standard_offset, daylight_offset),
        (TimezoneStandard, std_name, ends, ends_day, daylight_offset, standard_offset),
    ):
        component = cls()
        component.add("dtstart", when)
        component.add("rrule", {"freq": "yearly", "bymonth": when.month, "byday": byday})
        component.add("tzoffsetfrom", before)
        component.add("tzoffsetto", after)
        component.add("tzname", name.strip("<>"))
        tz.add_component(component)
    return tz
