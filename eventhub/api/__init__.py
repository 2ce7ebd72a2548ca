"""JSON API, version 1."""

from flask import Blueprint

from eventhub.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from eventhub.api import views  # noqa: E402,F401  (routes register on import)
