"""The feedback survey after an event, behind the private link of its invitation mail
(no account): answer once, see that you answered, or that the survey has closed."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for

from eventhub.events import bp
from eventhub.events.feedback import (
    MOST_USEFUL,
    RATING_LABELS,
    FeedbackInvalid,
    FeedbackRefused,
    answers_named,
    closes_at,
    invite_by_token,
    parse_survey,
    submit_feedback,
    survey_state,
)
from eventhub.events.forms import CancelForm
from eventhub.extensions import db
from eventhub.models import Event

# What each state answers to a POST: taken (303 to the thank-you), refused.
REFUSED_STATUS = {"answered": 409, "closed": 410}


@bp.route("/feedback/<token:token>", methods=["GET", "POST"])
def feedback_survey(token: str):
    invite = invite_by_token(token) or abort(404)
    event = db.session.get(Event, invite.event_id)
    state = survey_state(invite, event)
    status, errors = 200, {}
    if request.method == "POST" and state == "open":
        if not CancelForm().validate_on_submit():
            abort(400)
        try:
            submit_feedback(invite.id, parse_survey(event, request.form))
        except FeedbackInvalid as exc:
            status, errors = 422, exc.errors
        except FeedbackRefused as exc:
            state = exc.reason
            status = REFUSED_STATUS[state]
        else:
            return redirect(url_for("events.feedback_survey", token=token, done=1), 303)
    elif request.method == "POST":
        status = REFUSED_STATUS[state]
    elif state == "closed":
        status = 410
    response = make_response(
        render_template(
            "events/feedback.html",
            event=event,
            state=state,
            anonymous=not answers_named(invite, event),
            thanks=state == "answered" and request.args.get("done") == "1",
            errors=errors,
            posted=request.form if request.method == "POST" else {},
            most_useful=MOST_USEFUL,
            ratings=RATING_LABELS,
            closes_at=closes_at(event),
            form=CancelForm(),
            token=token,
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
