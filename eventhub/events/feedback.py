"""Feedback after an event: who is invited and when, the survey's answers (one per
person, anonymous by default) and the summary reports and exports use."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import exists, select, update

from eventhub.database import write_transaction
from eventhub.events.consent import notice_version, record_consent
from eventhub.events.notifications import feedback_invite_row
from eventhub.extensions import db
from eventhub.models import Event, FeedbackInvite, FeedbackResponse, OutboxMessage, Registration
from eventhub.models.base import utcnow
from eventhub.tokens import lookup_hash, new_token

# Invitations go out from an hour after the end (people are on their way home) ...
INVITE_AFTER = dt.timedelta(hours=1)
# ... and the survey takes answers until 14 days after the end; later invitations (a
# scheduler that was down) are not sent any more.
OPEN_DAYS = 14
RATINGS = (1, 2, 3, 4, 5)
COMMENT_MAX = 2000
ANSWER_MAX = 1000
# "What was most useful": fixed choices, so the report can count them.
MOST_USEFUL = {
    "talks": _l("Talks and presentations"),
    "discussion": _l("Discussions and workshops"),
    "contacts": _l("New contacts"),
    "meetings": _l("One-to-one meetings"),
    "information": _l("Information and materials"),
    "advice": _l("Advice on my own questions"),
}
RATING_LABELS = {
    1: _l("1 – poor"),
    2: _l("2"),
    3: _l("3"),
    4: _l("4"),
    5: _l("5 – very good"),
}


def closes_at(event: Event) -> dt.datetime:
    return event.ends_at + dt.timedelta(days=OPEN_DAYS)


def invites_due(event: Event, now: dt.datetime) -> bool:
    return (
        event.feedback_enabled
        and event.status == "published"
        and event.ends_at + INVITE_AFTER <= now < closes_at(event)
    )


def audience_condition(event: Event):
    """Who is asked: confirmed participants (not speakers), and with the audience
    "checked_in" only those checked in. Never the cancelled, waiting or pending."""
    condition = (
        (Registration.event_id == event.id)
        & (Registration.status == "confirmed")
        & (Registration.role == "participant")
    )
    if event.feedback_audience == "checked_in":
        condition &= Registration.checked_in_at.is_not(None)
    return condition


@dataclass
class ComposedInvites:
    """Invitations built for one batch, not yet written: whether they promise answers
    with names, and (registration id, hash of the survey link's token, outbox row)."""

    named: bool
    rows: list[tuple[int, str, OutboxMessage]] = field(default_factory=list)


def compose_invites(event: Event, now: dt.datetime, *, limit: int) -> ComposedInvites | None:
    """Build the invitations of up to `limit` people of the audience who have none yet,
    without any lock (building mails is the slow part); None when none are due. Write
    them with write_invites."""
    if not invites_due(event, now):
        return None
    registrations = db.session.scalars(
        _uninvited(event).order_by(Registration.id).limit(limit)
    ).all()
    composed = ComposedInvites(named=not event.feedback_anonymous)
    for registration in registrations:
        token, token_hash = new_token()
        row = feedback_invite_row(event, registration, token, closes_at(event))
        composed.rows.append((registration.id, token_hash, row))
    return composed


def write_invites(event: Event, composed: ComposedInvites, now: dt.datetime) -> int:
    """Write the composed invitations of those still due, each with its invite row, in the
    caller's transaction, which holds the event's row lock (the unique registration_id
    of the invite row is the backstop). Nothing when the survey's settings changed
    meanwhile: the mails would promise the wrong thing. Returns how many."""
    if not invites_due(event, now) or event.feedback_anonymous == composed.named:
        return 0
    still_due = _still_due(event, [rid for rid, _hash, _row in composed.rows])
    written = 0
    for registration_id, token_hash, row in composed.rows:
        if registration_id in still_due:
            db.session.add(
                FeedbackInvite(
                    event_id=event.id,
                    registration_id=registration_id,
                    token_hash=token_hash,
                    sent_at=now,
                    named=composed.named,
                )
            )
            db.session.add(row)
            written += 1
    return written


def _uninvited(event: Event):
    return select(Registration).where(
        audience_condition(event),
        ~exists().where(FeedbackInvite.registration_id == Registration.id),
    )


def _still_due(event: Event, ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            _uninvited(event).with_only_columns(Registration.id).where(Registration.id.in_(ids))
        )
    )


def answers_named(invite: FeedbackInvite, event: Event) -> bool:
    """Whether this person's answer is stored with their name: only when their invitation
    said so and the survey still says so (switching to named answers later never
    applies to people invited under the promise of anonymity)."""
    return invite.named and not event.feedback_anonymous


# --- the survey -----------------------------------------------------------------------


class FeedbackRefused(Exception):
    """The answer cannot be taken; `reason` is "closed" or "answered"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FeedbackInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SurveyAnswer:
    rating: int
    most_useful: list[str]
    comment: str
    answers: list[dict]  # [{"question": label, "answer": text}]


def invite_by_token(token: str) -> FeedbackInvite | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(select(FeedbackInvite).where(FeedbackInvite.token_hash == token_hash))


def survey_state(invite: FeedbackInvite, event: Event, now: dt.datetime | None = None) -> str:
    """ "open", "answered" or "closed" (past the deadline, or the survey was switched off)."""
    if invite.answered:
        return "answered"
    if not event.feedback_enabled or (now or utcnow()) >= closes_at(event):
        return "closed"
    return "open"


def _text(form, name: str, limit: int, errors: dict[str, str]) -> str:
    value = (form.get(name) or "").replace("\r\n", "\n").strip()
    if "\x00" in value or any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        errors[name] = _("Please remove the control characters.")
    elif len(value) > limit:
        errors[name] = _("Please shorten this to %(max)d characters.", max=limit)
    return value


def parse_survey(event: Event, form) -> SurveyAnswer:
    """The posted survey (a MultiDict) checked; FeedbackInvalid names each bad field."""
    errors: dict[str, str] = {}
    given = form.getlist("rating")
    raw = given[0].strip() if len(given) == 1 else ""
    rating = int(raw) if raw in {str(r) for r in RATINGS} else 0  # not "١", not "04"
    if rating not in RATINGS:
        errors["rating"] = _("Please choose a rating from 1 to 5.")
    useful = form.getlist("most_useful")
    if len(useful) > len(MOST_USEFUL) or any(key not in MOST_USEFUL for key in useful):
        errors["most_useful"] = _("Please choose from the options shown.")
    comment = _text(form, "comment", COMMENT_MAX, errors)
    answers = []
    for number, question in enumerate(event.feedback_questions or [], start=1):
        name = f"question_{number}"
        value = _text(form, name, ANSWER_MAX, errors)
        if question.get("choices") and value and value not in question["choices"]:
            errors[name] = _("Please choose from the options shown.")
        answers.append({"question": question["label"], "answer": value})
    if errors:
        raise FeedbackInvalid(errors)
    return SurveyAnswer(rating, sorted(set(useful), key=list(MOST_USEFUL).index), comment, answers)


def mark_answered(invite: FeedbackInvite) -> bool:
    """The guard: set `answered` only where it is not set yet; True for the one caller
    that set it."""
    marked = db.session.execute(
        update(FeedbackInvite)
        .where(FeedbackInvite.id == invite.id, FeedbackInvite.answered.is_(False))
        .values(answered=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    return marked == 1


def submit_feedback(invite_id: int, answer: SurveyAnswer, now: dt.datetime | None = None) -> None:
    """Store one answer. The conditional UPDATE on `answered` and the insert are one
    transaction: of two submits at once, one stores its answer, the other is refused
    ("answered"). An anonymous answer gets no registration, token or time.

    Consent: the version of the privacy notice the person answered under is stored on the
    answer itself (`notice_version`). An anonymous answer gets no consent record: a record
    of the registration with the moment of answering would tie the answer to the person
    (the only answer stored at about that time is theirs), which is what the survey
    promised not to do. A named answer is linked to the registration anyway, so it also
    gets a "feedback" consent record of that registration, in the same transaction."""
    with write_transaction() as session:
        invite = session.get(FeedbackInvite, invite_id, populate_existing=True)
        event = session.get(Event, invite.event_id)
        if survey_state(invite, event, now) == "closed":
            raise FeedbackRefused("closed")
        if not mark_answered(invite):
            raise FeedbackRefused("answered")
        named = answers_named(invite, event)
        session.add(
            FeedbackResponse(
                event_id=event.id,
                registration_id=invite.registration_id if named else None,
                rating=answer.rating,
                most_useful=answer.most_useful,
                comment=answer.comment,
                answers=answer.answers,
                notice_version=notice_version(),
            )
        )
        if named:
            record_consent(session, invite.registration_id, "feedback")


# --- what the reports show ------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackSummary:
    """An event's feedback in numbers (for the feedback report and the funder report)."""

    answers: int
    invited: int
    average: float | None  # mean rating, None without answers
    distribution: dict[int, int]  # rating 1..5 -> answers
    # (key, label, count), most often first; the label is lazy, translated where shown,
    # so the summary can be built outside a request (a mail, a PDF, the command line).
    most_useful: list[tuple[str, LazyString, int]]

    @property
    def response_rate(self) -> float | None:
        return self.answers / self.invited if self.invited else None


def feedback_summary(event: Event) -> FeedbackSummary:
    """The numbers of an event's feedback; reads only, two queries."""
    invited = db.session.scalar(select(db.func.count()).where(FeedbackInvite.event_id == event.id))
    rows = db.session.execute(
        select(FeedbackResponse.rating, FeedbackResponse.most_useful).where(
            FeedbackResponse.event_id == event.id
        )
    ).all()
    distribution = Counter(rating for rating, _ in rows)
    useful = Counter(key for _, keys in rows for key in keys or () if key in MOST_USEFUL)
    order = list(MOST_USEFUL)
    return FeedbackSummary(
        answers=len(rows),
        invited=invited or 0,
        average=(sum(r for r, _ in rows) / len(rows)) if rows else None,
        distribution={rating: distribution.get(rating, 0) for rating in RATINGS},
        most_useful=[
            (key, MOST_USEFUL[key], count)
            for key, count in sorted(useful.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
        ],
    )


@dataclass(frozen=True)
class QuestionResult:
    label: str
    choices: list[tuple[str, int]]  # choice questions: (choice, answers)
    texts: list[str]  # free-text questions: the answers given


@dataclass(frozen=True)
class FeedbackAnswerRow:
    """One answer as the report lists it and the exports write it."""

    rating: int
    most_useful: list[str]  # labels
    comment: str
    answers: list[str]  # one per current organiser question, "" if not answered
    name: str = ""  # only when the survey was not anonymous
    key: str = ""  # the response's random id: the last tie-break of the order


@dataclass
class FeedbackDetails:
    summary: FeedbackSummary
    questions: list[QuestionResult] = field(default_factory=list)
    rows: list[FeedbackAnswerRow] = field(default_factory=list)


def feedback_details(event: Event) -> FeedbackDetails:
    """Everything the workspace report and the exports show: the summary, the results
    of the organisers' questions (by the question's text, as asked) and every answer,
    ordered by rating, then by text (never by when it came)."""
    responses = db.session.execute(
        select(FeedbackResponse, Registration)
        .outerjoin(Registration, Registration.id == FeedbackResponse.registration_id)
        .where(FeedbackResponse.event_id == event.id)
    ).all()
    labels = [q["label"] for q in event.feedback_questions or []]
    rows = []
    for response, registration in responses:
        given = {a["question"]: a["answer"] for a in response.answers or []}
        rows.append(
            FeedbackAnswerRow(
                rating=response.rating,
                most_useful=[str(MOST_USEFUL[k]) for k in response.most_useful if k in MOST_USEFUL],
                comment=response.comment,
                answers=[given.get(label, "") for label in labels],
                name=registration.full_name
                if registration and not event.feedback_anonymous
                else "",
                key=response.id,
            )
        )
    # Ties broken by content, then by the random id: never in the order people answered.
    rows.sort(key=lambda r: (-r.rating, r.comment, r.answers, r.most_useful, r.key))
    questions = []
    for number, question in enumerate(event.feedback_questions or []):
        given = [row.answers[number] for row in rows if row.answers[number]]
        if question.get("choices"):
            counts = Counter(given)
            choices = [(choice, counts.get(choice, 0)) for choice in question["choices"]]
            questions.append(QuestionResult(question["label"], choices, []))
        else:
            questions.append(QuestionResult(question["label"], [], sorted(given)))
    return FeedbackDetails(feedback_summary(event), questions, rows)
