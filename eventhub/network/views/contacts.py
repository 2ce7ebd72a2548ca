"""PLACEHOLDER (net-base only, replaced by the contact-request work)."""

from flask import abort

from eventhub.network import bp


@bp.route("/r/<token:token>/network/contact/<id:person>", methods=["GET", "POST"])
def new_contact_request(token: str, person: int):
    abort(404)


@bp.get("/r/<token:token>/network/requests")
def my_contacts(token: str):
    abort(404)
