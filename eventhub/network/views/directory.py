"""PLACEHOLDER (net-base only, replaced by the participant-directory work)."""

from flask import abort

from eventhub.network import bp


@bp.route("/r/<token:token>/network", methods=["GET", "POST"])
def my_network(token: str):
    abort(404)
