"""iCalendar downloads and feeds."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from eventhub.calendar import views  # noqa: E402,F401  (routes register on import)
