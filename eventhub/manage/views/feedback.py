"""An event's feedback in the workspace: the report with charts and the exports."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import format_decimal
from flask_babel import gettext as _

from eventhub.access import event_or_404
from eventhub.events.feedback import RATINGS, closes_at, feedback_details
from eventhub.manage import bp
from eventhub.manage.feedback_exports import (
    feedback_csv,
    feedback_filename,
    feedback_table,
    feedback_xlsx,
)
from eventhub.manage.reports import Bar
from eventhub.privacy.audit import audit_rows, audit_skip, audited

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _headers() -> dict[str, str]:
    return {
        "rating": _("Rating (1–5)"),
        "most_useful": _("Most useful"),
        "comment": _("Comment"),
        "name": _("Name"),
    }


def _audit_feedback(event, details) -> None:
    """Named answers are attendee data; an anonymous survey's are not recorded."""
    if event.feedback_anonymous:
        audit_skip()
    else:
        audit_rows(event, len(details.rows))


@bp.get("/events/<slug:slug>/feedback")
@audited("feedback.page")
def feedback_report(slug: str):
    event = event_or_404(slug)
    details = feedback_details(event)
    _audit_feedback(event, details)
    summary = details.summary
    return render_template(
        "manage/feedback.html",
        event=event,
        details=details,
        summary=summary,
        closes_at=closes_at(event),
        average=format_decimal(round(summary.average, 1)) if summary.average is not None else "",
        rating_bars=[Bar(str(r), summary.distribution[r]) for r in RATINGS],
        useful_bars=[Bar(str(label), count) for _key, label, count in summary.most_useful],
    )


@bp.get("/events/<slug:slug>/feedback.csv")
@audited("feedback.csv")
def feedback_export_csv(slug: str):
    event = event_or_404(slug)
    details = feedback_details(event)
    _audit_feedback(event, details)
    table = feedback_table(details, _headers(), not event.feedback_anonymous)
    return _download(feedback_csv(table), "text/csv", feedback_filename(event, "csv"))


@bp.get("/events/<slug:slug>/feedback.xlsx")
@audited("feedback.xlsx")
def feedback_export_xlsx(slug: str):
    event = event_or_404(slug)
    details = feedback_details(event)
    _audit_feedback(event, details)
    summary = details.summary
    rows: list[tuple[str, object]] = [
        (_("Invited"), summary.invited),
        (_("Answers"), summary.answers),
        (_("Response rate (%)"), round(summary.response_rate * 100) if summary.invited else None),
        (_("Average rating"), round(summary.average, 2) if summary.average is not None else None),
        *((_("Rating %(value)d", value=r), summary.distribution[r]) for r in RATINGS),
        *((_("Most useful: %(choice)s", choice=label), n) for _k, label, n in summary.most_useful),
    ]
    for question in details.questions:
        rows += [(f"{question.label}: {choice}", n) for choice, n in question.choices]
    table = feedback_table(details, _headers(), not event.feedback_anonymous)
    body = feedback_xlsx(table, rows, (_("Feedback overview"), _("Answers")))
    return _download(body, XLSX, feedback_filename(event, "xlsx"))
