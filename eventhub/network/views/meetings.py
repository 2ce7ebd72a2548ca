"""PLACEHOLDER (helper H3 replaces this file): participant meeting pages and agenda."""

from flask import abort

from eventhub.network import bp


@bp.route("/r/<token:token>/meetings", methods=["GET", "POST"])
def my_meetings(token: str):
    abort(404)


@bp.route("/r/<token:token>/meetings/request/<id:person>", methods=["GET", "POST"])
def request_meeting_page(token: str, person: int):
    abort(404)


@bp.get("/r/<token:token>/agenda")
def my_agenda(token: str):
    abort(404)
