"""The participant's answers to the event's questions, behind the private link: shown on
their page, changed on a page of their own until the registration deadline."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventhub.events import bp
from eventhub.events.forms import CancelForm
from eventhub.events.question_fields import QuestionFields
from eventhub.events.questions import (
    AnswersClosed,
    AnswersInvalid,
    ShownAnswer,
    active_questions,
    answer_required,
    answers_editable,
    answers_editable_until,
    answers_of,
    change_answers,
    event_questions,
    shown_answers,
)
from eventhub.events.registration import registration_by_token
from eventhub.i18n import current_language
from eventhub.models import Registration


@dataclass(frozen=True)
class MyAnswers:
    """What the participant's page shows of their answers."""

    answers: list[ShownAnswer]
    editable: bool
    missing_required: bool  # e.g. registered by a colleague: required questions still open


def my_answers(registration: Registration) -> MyAnswers | None:
    """The section on the private page (a template global, so that page's view needs no
    change); None when the event asks nothing and nothing was answered."""
    values = answers_of([registration.id])[registration.id]
    # Archived questions are shown only where the person answered them.
    questions = [
        q for q in event_questions(registration.event_id) if q.archived_at is None or q.id in values
    ]
    if not questions:
        return None
    return MyAnswers(
        shown_answers(questions, values, current_language()),
        answers_editable(registration.event, registration),
        any(answer_required(q) and q.archived_at is None and q.id not in values for q in questions),
    )


def asks_questions(event_id: int) -> bool:
    """Whether the event's form asks questions of its own (for the group form's note)."""
    return bool(active_questions(event_id))


bp.add_app_template_global(my_answers, "my_answers")
bp.add_app_template_global(asks_questions, "asks_questions")


@bp.route("/r/<token:token>/answers", methods=["GET", "POST"])
def my_answers_page(token: str):
    registration = registration_by_token(token) or abort(404)
    event = registration.event
    questions = active_questions(event.id)
    if not questions:
        return redirect(url_for("events.my_registration", token=token), 303)
    stored = answers_of([registration.id])[registration.id]
    fields = QuestionFields(questions, current_language(), stored=stored)
    status = 200
    if not answers_editable(event, registration):
        status = 409 if request.method == "POST" else 200
    elif request.method == "POST":
        if not CancelForm().validate_on_submit():
            abort(400)
        fields.validate(request.form)  # the posted values stay on the form either way
        try:
            change_answers(registration.id, {f.question.id: f.value for f in fields.fields})
        except AnswersInvalid as exc:
            fields.errors = exc.errors
            for shown in fields.fields:
                shown.error = exc.errors.get(shown.question.id)
            status = 422
        except AnswersClosed:
            status = 409
        else:
            flash(_("Your answers have been saved."), "success")
            return redirect(url_for("events.my_registration", token=token), 303)
    response = make_response(
        render_template(
            "events/my_answers.html",
            registration=registration,
            event=event,
            fields=fields,
            editable=status != 409 and answers_editable(event, registration),
            until=answers_editable_until(event),
            form=CancelForm(),
            token=token,
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
