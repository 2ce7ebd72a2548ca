"""Public catalogue, event pages and registration."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from eventhub.events import views  # noqa: E402,F401  (routes register on import)
