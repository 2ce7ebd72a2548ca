"""Independent checks of the iCalendar we emit (vobject and icalendar parse it)."""

from __future__ import annotations

import icalendar
import vobject


def parse_ics(body: bytes):
    """Check wire format and parse with both libraries; returns the icalendar Calendar."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF line ending"
    for line in lines:
        assert len(line) <= 75, f"line not folded: {line!r}"
    text = body.decode("utf-8")
    vcal = vobject.readOne(text, validate=True)
    assert vcal.name == "VCALENDAR"
    cal = icalendar.Calendar.from_ical(body)
    return cal


def vevents(cal) -> list:
    return [c for c in cal.walk("VEVENT")]
