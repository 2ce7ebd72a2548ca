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


def _onset(rule: str, year: int = 1970) -> tuple[dt.datetime, dict]:
    """First local wall-clock time of a transition and its yearly RRULE.

    POSIX allows transition hours outside 0-24 ("M3.4.4/26": the Thursday rule at
    02:00 on the Friday after). Those become the shifted weekday limited to the
    shifted month days (BYDAY=FR;BYMONTHDAY=23..29), which every client reads.
    """
    match = _RULE.match(rule)
    if not match:
        raise ValueError(f"unsupported transition rule {rule!r}")
    month, week, weekday = int(match[1]), int(match[2]), int(match[3])
    seconds = _seconds(match[4]) if match[4] else 7200
    shift, time_of_day = divmod(seconds, 86_400)
    length = pycalendar.monthrange(year, month)[1]
    days = [
        d for d in range(1, length + 1) if (dt.date(year, month, d).weekday() + 1) % 7 == weekday
    ]
    day = (days[-1] if week == 5 else days[week - 1]) + shift
    if not 1 <= day <= length:
        raise ValueError(f"transition crosses the month in {rule!r}")
    first = dt.datetime(year, month, day) + dt.timedelta(seconds=time_of_day)
    rrule: dict = {"freq": "yearly", "bymonth": month}
    if shift == 0:
        rrule["byday"] = f"{-1 if week == 5 else week}{_BYDAY[weekday]}"
        return first, rrule
    window = (
        range(-7 + shift, shift)
        if week == 5
        else range(7 * (week - 1) + 1 + shift, 7 * week + 1 + shift)
    )
    if week == 5 and shift > 0 or week < 5 and not all(1 <= d <= length for d in window):
        raise ValueError(f"transition crosses the month in {rule!r}")
    rrule["byday"] = _BYDAY[(weekday + shift) % 7]
    rrule["bymonthday"] = list(window)
    return first, rrule


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
        begins, begins_rule = _onset(start)
        ends, ends_rule = _onset(end)
    except ValueError:
        return None
    for cls, name, when, rrule, before, after in (
        (TimezoneDaylight, dst_name, begins, begins_rule, standard_offset, daylight_offset),
        (TimezoneStandard, std_name, ends, ends_rule, daylight_offset, standard_offset),
    ):
        component = cls()
        component.add("dtstart", when)
        component.add("rrule", rrule)
        component.add("tzoffsetfrom", before)
        component.add("tzoffsetto", after)
        component.add("tzname", name.strip("<>"))
        tz.add_component(component)
    return tz
