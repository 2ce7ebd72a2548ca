"""The questions of an event's registration form in the workspace: list, add, change,
reorder, remove (archived when answered), and the ready ESF set."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from eventhub.access import event_or_404, registration_or_404
from eventhub.events.question_fields import QuestionFields
from eventhub.events.questions import (
    AnswersInvalid,
    ShownAnswer,
    active_questions,
    answers_of,
    change_answers,
    event_questions,
    shown_answers,
)
from eventhub.i18n import current_language
from eventhub.manage import bp
from eventhub.manage.forms import ActionForm
from eventhub.manage.question_form import KIND_LABELS, QuestionForm
from eventhub.manage.questions import (
    QuestionError,
    add_esf_questions,
    add_question,
    answer_counts,
    move_question,
    question_of,
    remove_question,
    restore_question,
    statistic_counts,
    update_question,
)
from eventhub.models import Event, Registration
from eventhub.privacy.audit import audit_rows, audited


def registration_answers(registration: Registration) -> list[ShownAnswer]:
    """The person's answers for the workspace's registration page (a template global, so
    that page's view needs no change): every question asked, and archived ones answered."""
    values = answers_of([registration.id])[registration.id]
    questions = [
        q for q in event_questions(registration.event_id) if q.archived_at is None or q.id in values
    ]
    return shown_answers(questions, values, current_language())


def event_statistics(event: Event):
    """Counts per option of the statistical questions, for the report page."""
    return statistic_counts(event.id, current_language())


bp.add_app_template_global(registration_answers, "registration_answers")
bp.add_app_template_global(event_statistics, "event_statistics")


def _to_list(slug: str):
    return redirect(url_for("manage.questions", slug=slug), 303)


@bp.get("/events/<slug:slug>/questions")
def questions(slug: str):
    event = event_or_404(slug)
    return render_template(
        "manage/questions.html",
        event=event,
        questions=event_questions(event.id),
        answers=answer_counts(event.id),
        kinds=KIND_LABELS,
        action_form=ActionForm(),
    )


@bp.route("/events/<slug:slug>/questions/new", methods=["GET", "POST"])
def new_question(slug: str):
    event = event_or_404(slug)
    form = QuestionForm()
    if request.method == "GET":
        form.kind.data = "text"
    return _question_form(event, form, None)


@bp.route("/events/<slug:slug>/questions/<id:question_id>", methods=["GET", "POST"])
def edit_question(slug: str, question_id: int):
    event = event_or_404(slug)
    question = question_of(event.id, question_id) or abort(404)
    form = QuestionForm()
    if request.method == "GET":
        form.fill(question)
    return _question_form(event, form, question)


def _question_form(event, form: QuestionForm, question):
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and (
            data := form.question_data(question.purpose if question else "")
        ):
            try:
                if question is None:
                    add_question(event.id, data)
                else:
                    update_question(event.id, question.id, data)
            except QuestionError as exc:
                getattr(form, exc.field).errors.append(exc.message)
            else:
                flash(_("The question has been saved."), "success")
                return _to_list(event.slug)
    return render_template(
        "manage/question_form.html",
        event=event,
        form=form,
        question=question,
        answered=answer_counts(event.id).get(question.id, 0) if question else 0,
    ), status


def _action(slug: str):
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    return event


@bp.post("/events/<slug:slug>/questions/<id:question_id>/move")
def move_question_view(slug: str, question_id: int):
    event = _action(slug)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    try:
        move_question(event.id, question_id, step)
    except LookupError:
        abort(404)
    return _to_list(slug)


@bp.post("/events/<slug:slug>/questions/<id:question_id>/remove")
def remove_question_view(slug: str, question_id: int):
    event = _action(slug)
    try:
        outcome = remove_question(event.id, question_id)
    except LookupError:
        abort(404)
    if outcome == "archived":
        flash(
            _(
                "The question is no longer asked. The answers given so far are kept in the "
                "workspace and the exports."
            ),
            "success",
        )
    else:
        flash(_("The question has been removed."), "success")
    return _to_list(slug)


@bp.post("/events/<slug:slug>/questions/<id:question_id>/restore")
def restore_question_view(slug: str, question_id: int):
    event = _action(slug)
    try:
        restore_question(event.id, question_id)
    except LookupError:
        abort(404)
    flash(_("The question is asked again."), "success")
    return _to_list(slug)


@bp.post("/events/<slug:slug>/questions/esf")
def add_esf_questions_view(slug: str):
    event = _action(slug)
    added = add_esf_questions(event.id)
    if added:
        flash(
            ngettext(
                "%(num)d ESF statistics question has been added.",
                "%(num)d ESF statistics questions have been added.",
                added,
            ),
            "success",
        )
    else:
        flash(_("The form already asks the ESF statistics questions."), "success")
    return _to_list(slug)


@bp.route("/events/<slug:slug>/registrations/<id:registration_id>/answers", methods=["GET", "POST"])
@audited("registration.page")
def edit_registration_answers(slug: str, registration_id: int):
    """Organisers correct a person's answers (told on the phone, say), also after the
    deadline; the same checks as on the form."""
    event = event_or_404(slug)
    registration = registration_or_404(event, registration_id)
    audit_rows(event, 1)
    back = url_for("manage.edit_registration", slug=slug, registration_id=registration.id)
    questions = active_questions(event.id)
    if not questions:
        return redirect(back, 303)
    stored = answers_of([registration.id])[registration.id]
    fields = QuestionFields(questions, current_language(), stored=stored)
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        fields.validate(request.form)  # the posted values stay on the form either way
        try:
            change_answers(
                registration.id, {f.question.id: f.value for f in fields.fields}, by_organiser=True
            )
        except AnswersInvalid as exc:
            for shown in fields.fields:
                shown.error = exc.errors.get(shown.question.id)
            fields.errors = exc.errors
            status = 422
        else:
            flash(_("The answers have been saved."), "success")
            return redirect(back, 303)
    return render_template(
        "manage/registration_answers.html",
        event=event,
        registration=registration,
        fields=fields,
        action_form=ActionForm(),
    ), status
