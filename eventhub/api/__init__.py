"""JSON API, version 1."""

from flask import Blueprint

from eventhub.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)
