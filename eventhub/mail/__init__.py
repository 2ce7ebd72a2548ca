"""Mail: outbox, message builders, delivery worker and the development mailbox."""

from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/dev/mailbox")
