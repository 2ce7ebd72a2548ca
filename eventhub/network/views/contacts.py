"""Contact requests: writing to a participant from the directory, the participant's page of
requests and contacts, and the page behind the link in a request's mail."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from eventhub.errors import abort_with
from eventhub.network import bp
from eventhub.network.contact_forms import ContactActionForm, ContactRequestForm
from eventhub.network.contacts import (
    ANSWERS,
    ContactRefused,
    answer_by_token,
    answer_contact_request,
    block_sender,
    contact_card,
    contact_overview,
    effective_status,
    request_by_token,
    send_contact_request,
    unblock,
)
from eventhub.network.views.personal import limit_posts_per_link, participant, personal
from eventhub.network.visibility import NETWORKING_STATUSES

_limit_posts = limit_posts_per_link("contact")


@bp.route("/r/<token:token>/network/contact/<id:person>", methods=["GET", "POST"])
@_limit_posts
def new_contact_request(token: str, person: int):
    """The card of someone in the directory (name, organisation, role) and a message to
    them; sending goes to the requests page."""
    viewer = participant(token)
    if viewer.id == person:
        abort_with(400, _("You cannot send a contact request to yourself."))
    if viewer.status not in NETWORKING_STATUSES:
        abort_with(
            409,
            _(
                "Only participants with a confirmed registration can send and answer "
                "contact requests."
            ),
        )
    recipient = contact_card(viewer, person)
    if recipient is None:
        abort_with(404, ContactRefused("not_visible").message)
    form = ContactRequestForm()
    refusal = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                send_contact_request(viewer.id, recipient.id, form.message.data)
            except ContactRefused as exc:
                refusal, status = exc.message, exc.status
            else:
                flash(
                    _("Your request to %(name)s has been sent.", name=recipient.full_name),
                    "success",
                )
                return redirect(url_for("network.my_contacts", token=token), 303)
        else:
            status = 422
    return personal(
        render_template(
            "network/contact_request.html",
            viewer=viewer,
            person=recipient,
            event=viewer.event,
            form=form,
            refusal=refusal,
            token=token,
        ),
        status,
    )


@bp.get("/r/<token:token>/network/requests")
def my_contacts(token: str):
    """Requests to me (to answer), mine (with their status), my contacts with their
    addresses, and the people I blocked."""
    viewer = participant(token)
    return personal(
        render_template(
            "network/my_contacts.html",
            viewer=viewer,
            event=viewer.event,
            overview=contact_overview(viewer),
            action_form=ContactActionForm(),
            token=token,
            active=viewer.status in NETWORKING_STATUSES,
        )
    )


ANSWERED = {
    "accept": lambda: _("Accepted: you both receive each other's email address by mail."),
    "decline": lambda: _("Declined. The sender is told politely, without a reason."),
    "block": lambda: _(
        "Declined and blocked: this person's requests no longer reach you. You can undo "
        "the block on your requests page."
    ),
}


def _chosen_answer() -> str:
    answer = request.form.get("answer", "")
    if answer not in ANSWERS:
        abort_with(400, _("Please choose accept, decline or block."))
    return answer


@bp.post("/r/<token:token>/network/requests/<id:request_id>")
@_limit_posts
def answer_my_request(token: str, request_id: int):
    """Accept, decline or block from the requests page."""
    viewer = participant(token)
    if not ContactActionForm().validate_on_submit():
        abort(400)
    answer = _chosen_answer()
    try:
        if answer == "block":
            block_sender(request_id, viewer.id)
        else:
            answer_contact_request(request_id, viewer.id, accept=answer == "accept")
    except ContactRefused as exc:
        abort_with(exc.status, exc.message)
    flash(ANSWERED[answer](), "success")
    return redirect(url_for("network.my_contacts", token=token), 303)


@bp.post("/r/<token:token>/network/blocked/<id:person>")
@_limit_posts
def unblock_person(token: str, person: int):
    viewer = participant(token)
    if not ContactActionForm().validate_on_submit():
        abort(400)
    if unblock(viewer.id, person):
        flash(_("The block is lifted: this person can send you requests again."), "success")
    return redirect(url_for("network.my_contacts", token=token), 303)


@bp.route("/network/requests/<token:token>", methods=["GET", "POST"])
@_limit_posts
def answer_request(token: str):
    """The page the request's mail links to. GET only shows the request and the buttons
    (mail scanners open links); the POST of a button answers."""
    contact = request_by_token(token)
    if contact is None:
        abort_with(
            404,
            _("This contact request does not exist (any more). Please check the link."),
        )
    if request.method == "POST":
        if not ContactActionForm().validate_on_submit():
            abort(400)
        answer = _chosen_answer()
        try:
            answer_by_token(token, answer)
        except ContactRefused as exc:
            abort_with(exc.status, exc.message)
        flash(ANSWERED[answer](), "success")
        return redirect(url_for("network.answer_request", token=token), 303)
    suggested = request.args.get("answer")
    return personal(
        render_template(
            "network/answer_request.html",
            contact=contact,
            sender=contact.sender,
            event=contact.sender.event,
            status=effective_status(contact),
            suggested=suggested if suggested in ANSWERS else None,
            action_form=ContactActionForm(),
        )
    )
