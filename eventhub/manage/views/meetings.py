"""PLACEHOLDER (helper H1 replaces this file): organiser meeting pages."""

from flask import abort

from eventhub.manage import bp


@bp.get("/events/<slug:slug>/meetings")
def meetings(slug: str):
    abort(404)


@bp.route("/events/<slug:slug>/meetings/setup", methods=["GET", "POST"])
def meeting_setup(slug: str):
    abort(404)
