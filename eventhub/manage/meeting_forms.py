"""Forms of the organisers' meeting pages: the set-up (blocks, slots, tables, cap), arranging
and moving a meeting, and adding a speaker as a meeting partner."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from eventhub.events.forms import TOO_LONG, email_field, line_field, name_field, options
from eventhub.i18n import event_period
from eventhub.manage.event_editing import EventError, local_to_aware
from eventhub.manage.forms import BoundedIntegerField
from eventhub.network.meetings import (
    BREAK_MINUTES_MAX,
    NOTE_MAX_LENGTH,
    SLOT_MINUTES_MAX,
    SLOT_MINUTES_MIN,
    MeetingSetup,
    slot_key,
)

BLOCK_ROWS = 3  # empty rows offered below the blocks already set up
BLOCK_MAX = 20
TABLES_MAX = 200
CLOSE_PAIR = _l("Please give both the date and the time, or neither.")
OUT_OF_RANGE = _l("Please enter a date within the event.")
NONEXISTENT = _l("This time does not exist on that day (clocks change).")
BAD_DATE = _l("Please enter a valid date.")
BAD_TIME = _l("Please enter a valid time, such as 14:30.")
SLOT_RANGE = _l(
    "A meeting slot lasts between %(min)d and %(max)d minutes.",
    min=SLOT_MINUTES_MIN,
    max=SLOT_MINUTES_MAX,
)
BREAK_RANGE = _l(
    "The break between slots lasts between 0 and %(max)d minutes.", max=BREAK_MINUTES_MAX
)
CAP_RANGE = _l("Please enter a whole number of meetings, at least 1.")
TABLES_RANGE = _l("Please enter a number of tables from 1 to %(max)d.", max=TABLES_MAX)


class _Worded:
    """A field that refuses unreadable input with its own translated message: WTForms'
    messages are English in nested forms ("Not a valid time value." even at the top) and
    do not name the range a number must lie in."""

    def __init__(self, *args, invalid, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid)) from None

    def pre_validate(self, form) -> None:
        # Something unreadable was entered: said once (a range check would repeat it). An
        # empty entry goes on to Optional or InputRequired, which word it themselves.
        if self.process_errors and self.raw_data and self.raw_data[0].strip():
            raise StopValidation()


class WordedDateField(_Worded, DateField):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, invalid=BAD_DATE, **kwargs)


class WordedTimeField(_Worded, TimeField):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, invalid=BAD_TIME, **kwargs)


class RangedIntegerField(_Worded, BoundedIntegerField):
    pass


def ranged_field(label, message, minimum: int, maximum: int | None = None, **kwargs):
    """A whole number in a range; too many digits, anything else or a number outside is
    answered with `message`, which names the range."""
    validators = kwargs.pop("validators", [])
    return RangedIntegerField(
        label,
        invalid=message,
        validators=[*validators, NumberRange(min=minimum, max=maximum, message=message)],
        **kwargs,
    )


class BlockForm(Form):
    """One meeting block: a day and a start and end time in the event's zone; an empty row
    is skipped."""

    day = WordedDateField(_l("Date"), validators=[Optional()])
    starts = WordedTimeField(_l("From"), validators=[Optional()])
    ends = WordedTimeField(_l("To"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        given = [f.data is not None for f in (self.day, self.starts, self.ends)]
        if any(given) and not all(given):
            self.day.errors = [*self.day.errors, _l("Please give the date, the start and the end.")]
            return False
        return valid


class MeetingSetupForm(FlaskForm):
    enabled = BooleanField(_l("Offer one-to-one meetings at this event"))
    blocks = FieldList(
        FormField(BlockForm), label=_l("Meeting blocks"), min_entries=1, max_entries=BLOCK_MAX
    )
    slot_minutes = ranged_field(
        _l("Slot length (minutes)"),
        SLOT_RANGE,
        SLOT_MINUTES_MIN,
        SLOT_MINUTES_MAX,
        description=_l("Between 10 and 60 minutes."),
        max_digits=4,
        validators=[InputRequired(_l("Please enter the slot length."))],
        default=15,
    )
    break_minutes = ranged_field(
        _l("Break between slots (minutes)"),
        BREAK_RANGE,
        0,
        BREAK_MINUTES_MAX,
        max_digits=4,
        validators=[Optional()],
        default=0,
    )
    max_per_person = ranged_field(
        _l("Meetings per person at most"),
        CAP_RANGE,
        1,
        max_digits=9,
        validators=[InputRequired(_l("Please enter how many meetings a person may have."))],
        default=6,
    )
    needs_acceptance = BooleanField(
        _l("Requests need the other person's acceptance"),
        description=_l("Unticked: a request is accepted and given a slot at once."),
        default=True,
    )
    close_day = WordedDateField(_l("Requests close on (date)"), validators=[Optional()])
    close_time = WordedTimeField(
        _l("Requests close at (time)"),
        description=_l("Empty: when the first meeting block starts."),
        validators=[Optional()],
    )
    table_count = ranged_field(
        _l("Number of tables"),
        TABLES_RANGE,
        1,
        TABLES_MAX,
        description=_l('Gives tables "1" to the number entered.'),
        max_digits=4,
        validators=[Optional()],
    )
    table_names = TextAreaField(
        _l("Or: names of tables or rooms, one per line"),
        validators=[Length(max=10_000, message=TOO_LONG)],
    )

    def validate_close_day(self, field) -> None:
        if self.close_time.data is None:
            raise ValidationError(CLOSE_PAIR)

    def validate_close_time(self, field) -> None:
        if self.close_day.data is None:
            raise ValidationError(CLOSE_PAIR)

    def validate_table_names(self, field) -> None:
        if self.table_count.data and (field.data or "").strip():
            raise ValidationError(
                _l("Please give either the number of tables or their names, not both.")
            )

    def fill(self, setup: MeetingSetup, timezone: str) -> None:
        """Show the stored set-up (GET), with empty block rows to add more."""
        settings = setup.settings
        if settings is not None:
            self.enabled.data = settings.enabled
            self.slot_minutes.data = settings.slot_minutes
            self.break_minutes.data = settings.break_minutes
            self.max_per_person.data = settings.max_per_person
            self.needs_acceptance.data = settings.needs_acceptance
            if settings.requests_close_at is not None:
                local = _local(settings.requests_close_at, timezone)
                self.close_day.data, self.close_time.data = local.date(), local.time()
        names = [t.name for t in setup.tables]
        if names and names == [str(n) for n in range(1, len(names) + 1)]:
            self.table_count.data = len(names)
        else:
            self.table_names.data = "\n".join(names)
        self.blocks.entries = []
        for block in setup.blocks:
            starts, ends = _local(block.starts_at, timezone), _local(block.ends_at, timezone)
            self.blocks.append_entry(
                SimpleNamespace(day=starts.date(), starts=starts.time(), ends=ends.time())
            )
        for _row in range(BLOCK_ROWS):
            self.blocks.append_entry()

    def values(self, timezone: str) -> dict | None:
        """The keyword arguments of configure_meetings, or None after marking a time that
        does not exist in the event's zone."""
        blocks = []
        for entry in self.blocks:
            row = entry.form
            if row.day.data is None:
                continue
            try:
                blocks.append(
                    (
                        _aware(row.day.data, row.starts.data, timezone),
                        _aware(row.day.data, row.ends.data, timezone),
                    )
                )
            except EventError as exc:
                row.starts.errors = [*row.starts.errors, _time_error(exc)]
                return None
        close = None
        if self.close_day.data is not None:
            try:
                close = _aware(self.close_day.data, self.close_time.data, timezone)
            except EventError as exc:
                self.close_time.errors = [*self.close_time.errors, _time_error(exc)]
                return None
        if self.table_count.data:
            tables = [str(n) for n in range(1, self.table_count.data + 1)]
        else:
            tables = [line for line in (self.table_names.data or "").splitlines() if line.strip()]
        return {
            "enabled": bool(self.enabled.data),
            "slot_minutes": self.slot_minutes.data,
            "break_minutes": self.break_minutes.data or 0,
            "max_per_person": self.max_per_person.data,
            "needs_acceptance": bool(self.needs_acceptance.data),
            "requests_close_at": close,
            "blocks": blocks,
            "tables": tables,
        }


def _time_error(exc: EventError):
    return OUT_OF_RANGE if str(exc) == "out_of_range" else NONEXISTENT


def _local(moment: dt.datetime, timezone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(timezone))


def _aware(day: dt.date, time: dt.time, timezone: str) -> dt.datetime:
    try:
        aware = local_to_aware(dt.datetime.combine(day, time), timezone)
        aware.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999: no such moment in UTC
        raise EventError("out_of_range") from None
    return aware


def slot_choices(setup: MeetingSetup, timezone: str, empty_label=None):
    choices = [("", empty_label)] if empty_label is not None else []
    choices += [
        (slot_key(slot.start), event_period(slot.start, slot.end, timezone)) for slot in setup.slots
    ]
    return options(choices)


def table_choices(setup: MeetingSetup):
    return options([("", _l("The first free table"))] + [(str(t.id), t.name) for t in setup.tables])


def _slot_value(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _table_value(text: str | None) -> int | None:
    return int(text) if text else None


class ArrangeMeetingForm(FlaskForm):
    person_a = SelectField(_l("First person"), coerce=int, choices=[])
    person_b = SelectField(_l("Second person"), coerce=int, choices=[])
    slot = SelectField(_l("Slot"), choices=[], default="")
    table = SelectField(_l("Table or room"), choices=[], default="")
    note = TextAreaField(
        _l("Note for both (optional)"),
        validators=[Length(max=NOTE_MAX_LENGTH, message=TOO_LONG)],
    )

    def prepare(self, setup: MeetingSetup, timezone: str, people) -> None:
        person_choices = options(
            (
                p.id,
                f"{p.last_name}, {p.first_name}"
                + (f" ({p.organisation})" if p.organisation else ""),
            )
            for p in people
        )
        self.person_a.choices = person_choices
        self.person_b.choices = person_choices
        self.slot.choices = slot_choices(
            setup, timezone, _l("No slot yet: the scheduler places it later")
        )
        self.table.choices = table_choices(setup)

    def values(self) -> dict:
        return {
            "a_id": self.person_a.data,
            "b_id": self.person_b.data,
            "slot_start": _slot_value(self.slot.data),
            "table_id": _table_value(self.table.data),
            "note": self.note.data or "",
        }


class MoveMeetingForm(FlaskForm):
    slot = SelectField(_l("New slot"), choices=[])
    table = SelectField(_l("Table or room"), choices=[], default="")

    def prepare(self, setup: MeetingSetup, timezone: str) -> None:
        self.slot.choices = slot_choices(setup, timezone)
        self.table.choices = table_choices(setup)

    def values(self) -> dict:
        return {
            "slot_start": _slot_value(self.slot.data),
            "table_id": _table_value(self.table.data),
        }


class SpeakerForm(FlaskForm):
    first_name = name_field(_l("First name"), _l("Please enter the first name."), "off")
    last_name = name_field(_l("Last name"), _l("Please enter the last name."), "off")
    email = email_field(_l("Please enter the email address."))
    affiliation = line_field(_l("Organisation or company"), "off")
    language = SelectField(
        _l("Language of the mails"), choices=options([("de", "Deutsch"), ("en", "English")])
    )
    # Speakers are listed for every confirmed participant: that needs their agreement,
    # which the organisers obtain (they can hide themselves on their networking page).
    listed = BooleanField(
        _l("The speaker agrees to be listed in the participant directory as a meeting partner"),
        description=_l(
            "Name, organisation and role are shown to the event's confirmed participants, "
            "never the email address. The speaker can hide on their own networking page."
        ),
        validators=[InputRequired(_l("Please confirm that the speaker agrees to be listed."))],
    )
