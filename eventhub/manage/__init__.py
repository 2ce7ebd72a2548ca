"""Organiser workspace: login, organisations, events, registrations, exports, check-in."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
