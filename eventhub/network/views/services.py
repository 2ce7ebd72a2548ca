"""PLACEHOLDER (net-base only, replaced by the services work): the endpoints other pages link to."""

from flask import abort

from eventhub.network import bp


@bp.get("/services")
def services():
    abort(404)


@bp.get("/services/<slug:slug>")
def service(slug: str):
    abort(404)
