"""Forms of the event pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    Form,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from crm.dates import format_when
from crm.events.models import EventKind, EventStatus, Rsvp
from crm.events.services import MAX_PRESS_LINKS
from crm.forms import DoNotContactFields, OnceForm, VersionedForm, do_not_contact_fields
from crm.interactions.forms import Translated

# What browsers send for <input type="datetime-local">, and what people type without one.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
BAD_DATETIME = _l("Enter a date and time, for example 2026-03-14 18:00.")
# Years outside this range are typing mistakes (and would overflow time zone arithmetic).
FIRST_YEAR, LAST_YEAR = 1950, 2200

FOLD_CHOICES = [SelectChoice("", _l("Choose which one")), SelectChoice("0", _l("The first")),
                SelectChoice("1", _l("The second"))]  # fmt: skip


def _sensible_year(_form: Form, field: Field) -> None:
    value: datetime | None = field.data
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_years())


def _years() -> str:
    return _("Enter a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)


def _count(label: Any, maximum: int) -> list:
    # The largest number is written as the reader's language writes numbers (10,000,000).
    largest = LazyString(format_number, maximum)
    message = _l("%(field)s: a whole number from 0 to %(largest)s.", field=label, largest=largest)
    return [Optional(), NumberRange(min=0, max=maximum, message=message)]


class LinksField(TextAreaField):
    """Web addresses, one per line."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = []
        if valuelist:
            for line in valuelist[0].splitlines():
                line = line.strip()
                if line and line not in self.data:
                    self.data.append(line)


def _press_links(_form: Form, field: LinksField) -> None:
    if len(field.data) > MAX_PRESS_LINKS:
        raise ValidationError(
            ngettext("At most %(num)d press link.", "At most %(num)d press links.", MAX_PRESS_LINKS)
        )
    for link in field.data:
        if len(link) > 500:
            raise ValidationError(_("Each link is at most 500 characters."))
        try:
            parts = urlsplit(link)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or any(ch.isspace() or ord(ch) < 32 for ch in link)
        ):
            raise ValidationError(
                _(
                    "“%(link)s” is not a web address: each line must start with "
                    "http:// or https://.",
                    link=link[:80],
                )
            )


class EventForm(VersionedForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=300)]
    )
    kind = SelectField(_l("Kind"), choices=EventKind.choices())
    status = SelectField(_l("Status"), choices=[])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMATS,
        invalid_value_message=BAD_DATETIME,
        validators=[InputRequired(_l("Enter when the event starts.")), _sensible_year],
    )
    starts_at_fold = SelectField(_l("Which start time?"), choices=FOLD_CHOICES, default="")
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format=DATETIME_FORMATS,
        invalid_value_message=BAD_DATETIME,
        validators=[Optional(), _sensible_year],
    )
    ends_at_fold = SelectField(_l("Which end time?"), choices=FOLD_CHOICES, default="")
    section = SelectField(_l("Organising section"), choices=[], default="")
    stage = SelectField(
        _l("Stage it aims to influence"),
        choices=[],
        default="",
        description=_l("The vote this event is meant to influence. Events should come before it."),
    )
    expected_attendance = IntegerField(
        _l("Expected attendance"), validators=_count(_l("Expected attendance"), 10_000_000)
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])
    actual_attendance = IntegerField(
        _l("Actual attendance"), validators=_count(_l("Actual attendance"), 10_000_000)
    )
    signatures_handed_over = IntegerField(
        _l("Petition signatures handed over"), validators=_count(_l("Signatures"), 1_000_000_000)
    )
    press_links = LinksField(
        _l("Press coverage"),
        validators=[_press_links],
        description=_l("Web addresses of articles and recordings, one per line."),
    )
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("Save event"))

    def set_choices(self, *, sections, stages, current_status: EventStatus | None) -> None:
        """Choices that depend on the state: its sections, its stages; and the status."""
        self.section.choices = [SelectChoice("", _l("No section"))] + [
            SelectChoice(str(s.id), s.name) for s in sections
        ]
        self.stage.choices = [SelectChoice("", _l("No particular stage"))] + [
            SelectChoice(str(s.id), stage_label(s)) for s in stages
        ]
        # Cancelling is its own action; a cancelled event can be put back on by editing it.
        statuses = [s for s in EventStatus if s is not EventStatus.CANCELLED]
        if current_status is EventStatus.CANCELLED:
            statuses.append(EventStatus.CANCELLED)
        self.status.choices = [SelectChoice(s.value, s.label) for s in statuses]

    @property
    def starts_fold(self) -> int | None:
        return int(self.starts_at_fold.data) if self.starts_at_fold.data else None

    @property
    def ends_fold(self) -> int | None:
        return int(self.ends_at_fold.data) if self.ends_at_fold.data else None


class NewEventForm(OnceForm, EventForm):
    """A new event's form: sent twice, it plans the event once."""


def stage_label(stage) -> str:
    """“Plenary vote — Chamber of Deputies (12 Mar 2026, scheduled)”."""
    body = stage.committee or stage.chamber
    status = stage.status.label.lower()
    if stage.scheduled_on:
        when = format_when(stage.scheduled_on, "%d %b %Y")
        if body:
            return _(
                "%(stage)s — %(body)s (%(date)s, %(status)s)",
                stage=stage.kind.label,
                body=body.name,
                date=when,
                status=status,
            )
        return _(
            "%(stage)s (%(date)s, %(status)s)", stage=stage.kind.label, date=when, status=status
        )
    if body:
        return _(
            "%(stage)s — %(body)s (not scheduled, %(status)s)",
            stage=stage.kind.label,
            body=body.name,
            status=status,
        )
    return _("%(stage)s (not scheduled, %(status)s)", stage=stage.kind.label, status=status)


class ActionForm(VersionedForm):
    """A button that changes an event (cancel, archive), with the version it was shown at."""


class InvitationForm(VersionedForm):
    rsvp = SelectField(_l("Answer"), choices=Rsvp.choices())
    attended = SelectField(
        _l("Came?"),
        choices=[
            SelectChoice("", _l("Not recorded")),
            SelectChoice("yes", _l("Came")),
            SelectChoice("no", _l("Did not come")),
        ],
        default="",
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save"))

    def number(self, invitation_id: int) -> InvitationForm:
        """Give the fields ids of their own, as each guest has a form on one page."""
        for field in (self.rsvp, self.attended, self.note):
            field.id = f"{field.name}-{invitation_id}"
            field.label.field_id = field.id
        return self

    @property
    def attended_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.attended.data or "")


_ID = re.compile(r"^\d{1,12}\Z", re.ASCII)


class IdListField(Field):
    """Checkboxes sharing one name, each holding a record id."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, default=list, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        ids = []
        for value in valuelist:
            if not _ID.match(value.strip()):
                self.data = []
                raise ValueError(_("Choose representatives from the list."))
            ids.append(int(value.strip()))
        self.data = ids


class InviteForm(DoNotContactFields, FlaskForm):
    representative = IdListField(_l("Representatives to invite"))
    # Asked for when someone chosen asked not to be contacted (the service says who), as
    # logging a contact does.
    do_not_contact_confirmed, do_not_contact_reason = do_not_contact_fields(
        _l("Why invite them even so?"),
        _l(
            "Some of the people chosen asked not to be contacted. Say why they should be "
            "invited all the same; the reason is kept in the audit log."
        ),
    )
    submit = SubmitField(_l("Invite the chosen representatives"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self.reason_confirmed() and valid


class CandidateFilterForm(Translated, Form):
    """Narrowing the people one may invite (read from the query string; no CSRF)."""

    q = SearchField(_l("Name"), validators=[Optional(), Length(max=100)])
    chamber = SelectField(_l("Chamber"), choices=[], default="")
    party = SelectField(_l("Party"), choices=[], default="")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])


WHEN_LABELS = {"upcoming": _l("Upcoming"), "past": _l("Past"), "all": _l("All dates")}


class EventFilterForm(Translated, Form):
    """The filters of the event lists (read from the query string; no CSRF)."""

    state = SelectField(_l("State"), choices=[], default="")
    when = SelectField(
        _l("When"), choices=[SelectChoice(k, v) for k, v in WHEN_LABELS.items()], default="upcoming"
    )
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice("", _l("Any kind")), *EventKind.choices()], default=""
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status")), *EventStatus.choices()],
        default="",
    )
    archived = BooleanField(_l("Archived events only"))
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])


class CalendarForm(Translated, Form):
    month = StringField(
        _l("Month"),
        validators=[
            Optional(),
            Regexp(
                r"^[0-9]{4}-(0[1-9]|1[0-2])\Z",
                message=_l("Enter a month as YYYY-MM, e.g. 2026-03."),
            ),
        ],
    )
    state = SelectField(_l("State"), choices=[], default="")

    def validate_month(self, field: StringField) -> None:
        if field.errors or not field.data:
            return  # not YYYY-MM: already explained
        if not FIRST_YEAR <= int(field.data[:4]) <= LAST_YEAR:
            raise ValidationError(_years())
