"""The funder report's figures: aggregated counts of an event, no personal data, in a
fixed number of GROUP BY queries however many people registered."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import Text, case, cast, func, select

from eventhub.events.feedback import feedback_summary as collected_feedback
from eventhub.events.questions import event_questions, option_labels, question_label
from eventhub.extensions import db
from eventhub.i18n import event_date, event_period, event_time
from eventhub.labels import FORMAT_LABELS, ORGANISATION_TYPE_LABELS, ROLE_LABELS
from eventhub.manage.attendee_lists import sheet_info
from eventhub.manage.questions import _retired
from eventhub.manage.reports import LEFT_LIST_REASONS
from eventhub.models import CHOICE_KINDS, Answer, Event, EventFile, Registration
from eventhub.models.base import utcnow

# Small-number suppression of the ESF tables (see README "Funder report").
SMALL_COUNT = 3
SMALL = "<3"  # a count of 1 or 2, or any count in a column of fewer than 3 people
PERCENT = "#,##0.0 %"  # shares in the files
WITHHELD = "x"  # a larger count withheld so that a small one cannot be worked out

SIGNIN_SCAN = "signin_scan"

Count = int | str  # a number, or SMALL / WITHHELD


@dataclass(frozen=True)
class Figure:
    """One line of the overview: a count, a share (0..1) when `share`, or None with a note."""

    label: str
    value: int | float | None
    share: bool = False
    note: str = ""


@dataclass(frozen=True)
class TypeRow:
    label: str
    registered: int
    attended: int


@dataclass(frozen=True)
class EsfRow:
    label: str
    registered: Count
    attended: Count


@dataclass(frozen=True)
class EsfTable:
    question: str
    rows: list[EsfRow]


@dataclass(frozen=True)
class FeedbackRow:
    """One line of the feedback summary: a question and its aggregated result."""

    label: str
    value: int | float | str


@dataclass(frozen=True)
class ScanInfo:
    """The uploaded scan of the signed sign-in sheet, without its bytes."""

    filename: str
    content_type: str
    size: int
    pages: int
    uploaded_at: str  # formatted in the event's time zone


@dataclass(frozen=True)
class FunderReport:
    language: str
    title: str
    facts: list[tuple[str, str]]  # event facts: label, text
    figures: list[Figure]
    organisation_types: list[TypeRow]
    esf: list[EsfTable]
    feedback: list[FeedbackRow]
    scan: ScanInfo | None
    headings: dict[str, str]  # every fixed text of the files, in the report's language


def funder_report_filename(event: Event, extension: str) -> str:
    return f"{event.slug}-foerderbericht.{extension}"


def _count(condition):
    return func.count(case((condition, 1)))


def _participants(event: Event) -> list[int]:
    """Counts of the event's registrations in one query (order: see funder_report)."""
    status, reason = Registration.status, Registration.status_reason
    participant = Registration.role == "participant"
    confirmed = (status == "confirmed") & participant
    attended = confirmed & Registration.checked_in_at.is_not(None)
    onsite = Registration.attendance == "onsite"
    cancelled = (status == "cancelled") & participant
    row = db.session.execute(
        select(
            _count(confirmed),
            _count(attended),
            _count(confirmed & onsite),
            _count(attended & onsite),
            _count(cancelled & ~reason.in_((*LEFT_LIST_REASONS, "hold_expired"))),
            _count(cancelled & reason.in_(LEFT_LIST_REASONS)),
            _count(status.in_(("waiting", "offered")) & participant),
            _count((status == "pending") & participant),
            _count((status == "declined") & participant),
            _count((status == "confirmed") & (Registration.role == "speaker")),
        ).where(Registration.event_id == event.id)
    ).one()
    return list(row)


def _figures(event: Event, counts: list[int]) -> list[Figure]:
    (
        confirmed,
        attended,
        confirmed_onsite,
        attended_onsite,
        cancelled,
        left_list,
        waiting,
        pending,
        declined,
        speakers,
    ) = counts
    ended = event.ends_at <= utcnow()
    no_shows = confirmed - attended
    figures = [Figure(_("Registered (confirmed participants)"), confirmed)]
    if event.hybrid:
        figures += [
            Figure(_("of whom on site"), confirmed_onsite),
            Figure(_("of whom online"), confirmed - confirmed_onsite),
        ]
    figures.append(Figure(_("Attended (checked in)"), attended))
    if event.hybrid:
        figures += [
            Figure(_("of whom on site"), attended_onsite),
            Figure(_("of whom online"), attended - attended_onsite),
        ]
    if ended:
        rate = no_shows / confirmed if confirmed else None
        figures += [
            Figure(_("No-shows (registered, not checked in)"), no_shows),
            Figure(
                _("No-show rate"),
                rate,
                share=True,
                note="" if confirmed else _("nobody registered"),
            ),
        ]
    else:
        note = _("after the event")
        figures += [
            Figure(_("No-shows (registered, not checked in)"), None, note=note),
            Figure(_("No-show rate"), None, share=True, note=note),
        ]
    figures += [
        Figure(_("Registrations cancelled"), cancelled),
        Figure(_("Left the waiting list or let an offer expire"), left_list),
        Figure(_("Still on the waiting list"), waiting),
        Figure(_("Awaiting approval"), pending),
        Figure(_("Declined"), declined),
        Figure(_("Speakers (not counted above)"), speakers),
    ]
    return figures


def _facts(event: Event, language: str) -> list[tuple[str, str]]:
    venue = sheet_info(event, language).venue
    facts = [
        (_("Event"), event.title),
        (_("Date"), event_period(event.starts_at, event.ends_at, event.timezone)),
        (_("Format"), str(FORMAT_LABELS.get(event.format, event.format))),
        (_("Venue"), venue or (_("Online") if event.online_url else "—")),
    ]
    for role, label in ROLE_LABELS.items():
        names = [h.organisation.name for h in event.public_hosts if h.role == role]
        if names:
            facts.append((str(label), ", ".join(names)))
    if event.funding_note:
        facts.append((_("Funding"), event.funding_note))
    capacity = str(event.capacity) if event.capacity is not None else _("unlimited")
    if event.hybrid:
        online = str(event.online_capacity) if event.online_capacity is not None else "∞"
        capacity = _("%(onsite)s on site, %(online)s online", onsite=capacity, online=online)
    facts.append((_("Seats"), capacity))
    now = utcnow()
    facts.append(
        (
            _("Report as of"),
            f"{event_date(now, event.timezone, 'medium')} {event_time(now, event.timezone)}",
        )
    )
    return facts


def _organisation_types(event: Event) -> list[TypeRow]:
    """Every type in a fixed order (zeros too), then "not specified"; one query."""
    attended = Registration.checked_in_at.is_not(None)
    found = {
        kind or "": (registered, came)
        for kind, registered, came in db.session.execute(
            select(Registration.organisation_type, func.count(), _count(attended))
            .where(
                Registration.event_id == event.id,
                Registration.status == "confirmed",
                Registration.role == "participant",
            )
            .group_by(Registration.organisation_type)
        )
    }
    rows = [
        TypeRow(str(label), *found.pop(kind, (0, 0)))
        for kind, label in ORGANISATION_TYPE_LABELS.items()
    ]
    # A code no longer offered, or none: counted as "not specified".
    registered = sum(r for r, _a in found.values())
    came = sum(a for _r, a in found.values())
    rows.append(TypeRow(_("Not specified"), registered, came))
    return rows


def suppressed(counts: list[int]) -> list[Count]:
    """One column of an ESF table with small numbers hidden, knowing that the column's
    total is printed elsewhere (so the sum of the hidden cells is known).

    A count of 1 or 2 shows as "<3". In a column of fewer than 3 people every count shows
    as "<3" (zeros would tell that all share one answer). While a hidden small count could
    still be worked out from the total and the visible counts (two hidden cells summing
    to 2 are both 1; a hidden 1 next to a withheld 3 summing to 4 is 1), the smallest
    count of 3 or more is withheld as well ("x"), the next one after it, and so on; where
    no withholding protects them, the whole column shows "x".
    """
    if 0 < sum(counts) < SMALL_COUNT:
        return [SMALL] * len(counts)
    small = [i for i, c in enumerate(counts) if 0 < c < SMALL_COUNT]
    larger = sorted(
        (i for i, c in enumerate(counts) if c >= SMALL_COUNT), key=lambda i: (counts[i], i)
    )
    withheld: list[int] = []
    while small and _recoverable(counts, small, withheld):
        if not larger:
            return [WITHHELD] * len(counts)
        withheld.append(larger.pop(0))
    return [SMALL if i in small else WITHHELD if i in withheld else c for i, c in enumerate(counts)]


def _recoverable(counts: list[int], small: list[int], withheld: list[int]) -> bool:
    """Whether any hidden small count has only one value that fits: small counts are 1 or
    2, withheld ones at least 3, and together they make the known hidden sum."""
    hidden_sum = sum(counts[i] for i in small + withheld)

    def rest_fits(rest: int) -> bool:
        return rest >= SMALL_COUNT * len(withheld) if withheld else rest == 0

    # The small counts are alike (1 or 2 each): what fits one of them fits all.
    others = {0}
    for _other in range(len(small) - 1):  # what the other small counts can add up to
        others = {total + value for total in others for value in (1, 2)}
    fitting = {value for value in (1, 2) if any(rest_fits(hidden_sum - value - o) for o in others)}
    return len(fitting) < 2


def _esf(event: Event, language: str, registered: int, attended: int) -> list[EsfTable]:
    """Per statistical choice question (the ESF set and the organisers' own): people per
    answer, registered and attended, suppressed; two queries."""
    questions = [q for q in event_questions(event.id) if q.statistical and q.kind in CHOICE_KINDS]
    if not questions:
        return []
    value = cast(Answer.value, Text)  # JSON: grouped by its text, read back below
    chosen: dict[int, Counter] = {q.id: Counter() for q in questions}
    came: dict[int, Counter] = {q.id: Counter() for q in questions}
    answered: Counter = Counter()
    answered_came: Counter = Counter()
    rows = db.session.execute(
        select(
            Answer.question_id,
            value,
            func.count(),
            _count(Registration.checked_in_at.is_not(None)),
        )
        .join(Registration, Registration.id == Answer.registration_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            Registration.role == "participant",
            Answer.question_id.in_([q.id for q in questions]),
        )
        .group_by(Answer.question_id, value)
    )
    for question_id, text, count, count_came in rows:
        keys = json.loads(text) if text else None
        answered[question_id] += count
        answered_came[question_id] += count_came
        for key in keys if isinstance(keys, list) else [keys]:
            chosen[question_id][str(key)] += count
            came[question_id][str(key)] += count_came
    tables = []
    for question in questions:
        labels = [
            (key, label)
            for key, label in option_labels(question, language).items()
            if chosen[question.id][key] or not _retired(question, key)
        ]
        registered_counts = [chosen[question.id][key] for key, _label in labels]
        attended_counts = [came[question.id][key] for key, _label in labels]
        registered_counts.append(registered - answered[question.id])
        attended_counts.append(attended - answered_came[question.id])
        names = [label for _key, label in labels] + [_("not answered")]
        tables.append(
            EsfTable(
                question_label(question, language),
                [
                    EsfRow(name, r, a)
                    for name, r, a in zip(
                        names,
                        suppressed(registered_counts),
                        suppressed(attended_counts),
                        strict=True,
                    )
                ],
            )
        )
    return tables


def feedback_summary(event: Event) -> list[FeedbackRow]:
    """The survey after the event, aggregated (eventhub.events.feedback): people asked,
    answers, response rate, average rating, answers per rating and per "most useful"
    choice, the counts suppressed like the ESF tables. With fewer than three answers
    only the number of people asked is shown: an average of one or two answers would be
    those people's own ratings. Nothing when no survey was sent."""
    summary = collected_feedback(event)
    if not summary.invited:
        return []
    rows = [FeedbackRow(_("People asked for feedback"), summary.invited)]
    if summary.answers < SMALL_COUNT:
        rows.append(FeedbackRow(_("Answers"), SMALL if summary.answers else 0))
        return rows
    rows += [
        FeedbackRow(_("Answers"), summary.answers),
        FeedbackRow(_("Response rate"), format_percent(summary.response_rate, PERCENT)),
        FeedbackRow(_("Average rating (1 = poor, 5 = excellent)"), round(summary.average, 1)),
    ]
    ratings = sorted(summary.distribution)
    for rating, count in zip(
        ratings, suppressed([summary.distribution[r] for r in ratings]), strict=True
    ):
        rows.append(FeedbackRow(_("Rated %(rating)d", rating=rating), count))
    useful = summary.most_useful
    for (_key, label, _count), count in zip(
        useful, suppressed([count for _key, _label, count in useful]), strict=True
    ):
        rows.append(FeedbackRow(_("Most useful: %(choice)s", choice=str(label)), count))
    return rows


def scan_info(event: Event) -> ScanInfo | None:
    """The uploaded sign-in sheet's scan, without loading its bytes (one query)."""
    row = db.session.execute(
        select(
            EventFile.filename,
            EventFile.content_type,
            EventFile.size,
            EventFile.pages,
            EventFile.uploaded_at,
        ).where(EventFile.event_id == event.id, EventFile.kind == SIGNIN_SCAN)
    ).one_or_none()
    if row is None:
        return None
    when = row.uploaded_at
    return ScanInfo(
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        pages=row.pages,
        uploaded_at=f"{event_date(when, event.timezone, 'medium')} "
        f"{event_time(when, event.timezone)}",
    )


def scan_bytes(event: Event) -> bytes | None:
    return db.session.scalar(
        select(EventFile.data).where(EventFile.event_id == event.id, EventFile.kind == SIGNIN_SCAN)
    )


def report_headings() -> dict[str, str]:
    """The files' fixed texts in the current language (the caller sets it)."""
    return {
        "document": _("Report for funders and partners"),
        "overview": _("Overview"),
        "facts": _("The event"),
        "figures": _("Participation"),
        "count": _("Number"),
        "types": _("Organisation types"),
        "type": _("Type of organisation"),
        "registered": _("Registered"),
        "attended": _("Attended"),
        "esf": _("ESF indicators"),
        "option": _("Answer"),
        "no_esf": _("The registration form asked no statistical (ESF) questions."),
        "suppression": _(
            "Small numbers are hidden: a count of 1 or 2 shows as <3 (every count of a "
            "column of fewer than 3 people too); where that alone would let it be worked "
            "out from the total, larger counts show as x as well, up to the whole column."
        ),
        "feedback": _("Feedback"),
        "no_feedback": _("No feedback collected."),
        "appendix": _("Appendix"),
        "scan": _("Signed sign-in sheet (scan)"),
        "no_scan": _("No signed sign-in sheet has been uploaded."),
        "pdf_appendix": _("Attached to the PDF report as its appendix."),
        "file": _("File"),
        "pages": _("Pages"),
        "uploaded": _("Uploaded"),
        "privacy": _(
            "Aggregated figures only: no names, email addresses or organisations of "
            "participants (except on the signed sign-in sheet, where it is appended)."
        ),
        "page": _("Page %(page)s of %(pages)s", page="{page}", pages="{nb}"),
        "item": _("Item"),
        "value": _("Value"),
    }


def funder_report(event: Event, language: str) -> FunderReport:
    """Everything the report shows, in `language` (the caller sets the locale to it)."""
    counts = _participants(event)
    return FunderReport(
        language=language,
        title=event.title,
        facts=_facts(event, language),
        figures=_figures(event, counts),
        organisation_types=_organisation_types(event),
        esf=_esf(event, language, counts[0], counts[1]),
        feedback=feedback_summary(event),
        scan=scan_info(event),
        headings=report_headings(),
    )


def report_language(event: Event, requested: str | None) -> str:
    """The report's language: the one asked for (de or en), else the event's."""
    if requested in ("de", "en"):
        return requested
    return event.language if event.language in ("de", "en") else "de"
