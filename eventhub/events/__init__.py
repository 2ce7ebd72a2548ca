"""Public catalogue, event pages and registration."""

from flask import Blueprint

bp = Blueprint("events", __name__)
