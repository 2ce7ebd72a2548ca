"""Public catalogue, event pages and registration."""

from flask import Blueprint

bp = Blueprint("events", __name__)


@bp.record_once
def _let_the_worker_compose_registration_mails(state) -> None:
    from eventhub.events import notifications

    notifications.init_app(state.app)
