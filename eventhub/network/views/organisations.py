"""PLACEHOLDER (net-base only, replaced by the organisation-profile work)."""

from flask import abort

from eventhub.network import bp


@bp.get("/organisations/<slug:slug>")
def organisation(slug: str):
    abort(404)
