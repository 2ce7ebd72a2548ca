"""Organiser workspace: login, organisations, events, registrations, exports, check-in."""

from flask import Blueprint, current_app
from flask_login import current_user

# The workspace: every page needs an account.
bp = Blueprint("manage", __name__, url_prefix="/manage")
# Logging in, password resets and accepting invitations: open to anyone.
auth_bp = Blueprint("auth", __name__, url_prefix="/manage")


@bp.before_request
def require_login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.after_request
@auth_bp.after_request
def never_cache(response):
    """Workspace pages show personal data: no shared or browser cache keeps them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response
