"""Forms of the interaction and follow-up pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from crm.db import today
from crm.forms import DoNotContactFields, OnceForm, VersionedForm, do_not_contact_fields
from crm.interactions.models import MAX_FOLLOW_UPS, Confidentiality, FollowUpStatus, InteractionKind
from crm.parliament.models import Confidence, Stance

_ID = re.compile(r"[0-9]{1,9}")

# The earliest contact the campaign can have had, and how far ahead a due date may be:
# anything outside is a typing mistake (2062 for 2026), not a plan.
EARLIEST_CONTACT = date(1990, 1, 1)
LATEST_DUE = timedelta(days=5 * 366)
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=10)
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def record_id(value: Any) -> int:
    """A record id from a form or URL: digits only, small enough to be a database integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not _ID.fullmatch(text) or int(text) == 0:
        raise ValueError("Not a valid choice.")
    return int(text)


def optional_record_id(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return record_id(value)


def ids_from(values: list[str]) -> list[int]:
    """The valid ids among submitted values, in order and without repeats (junk dropped)."""
    ids: list[int] = []
    for value in values:
        try:
            number = record_id(value)
        except ValueError:
            continue
        if number not in ids:
            ids.append(number)
    return ids


def to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time entered in a state's time zone, as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_local(value: datetime, timezone: str) -> datetime:
    """An aware datetime as the naive wall-clock time a datetime-local input shows."""
    return value.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, second=0, microsecond=0)


def now_local(timezone: str) -> datetime:
    return to_local(datetime.now(UTC), timezone)


class Translated:
    """For a form that is not a FlaskForm (a sub-form, a query-string filter): WTForms' own
    messages ("Not a valid date value.") in the page's language, as a FlaskForm has them."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return wtforms_translations


# The stance choice of someone met who showed none: met, and no stance record written.
NO_STANCE = "none"


class StanceEntryForm(Translated, Form):
    """The stance observed for one of the representatives met."""

    representative = HiddenField(
        validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$", message=_l("Bad representative."))]
    )
    stance = SelectField(
        _l("Stance observed"),
        choices=[
            SelectChoice("", _l("Choose…")),
            SelectChoice(NO_STANCE, _l("No stance seen")),
            *(c for c in Stance.choices() if c.value != Stance.UNKNOWN.value),
        ],
        default="",
    )
    confidence = SelectField(_l("Confidence"), choices=Confidence.choices(), default="medium")

    @property
    def representative_id(self) -> int | None:
        try:
            return record_id(self.representative.data)
        except ValueError:
            return None

    @property
    def stance_seen(self) -> Stance | None:
        """The stance chosen, if one was (not "No stance seen", nor nothing yet)."""
        value = self.stance.data
        return Stance(value) if value and value != NO_STANCE and not self.stance.errors else None


class FollowUpEntryForm(Translated, Form):
    """One of the follow-ups added with an interaction."""

    title = StringField(_l("What is to be done"), validators=[Optional(), Length(max=300)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    assignee = SelectField(_l("Who does it"), coerce=optional_record_id, choices=[])


CONFIDENTIALITY_CHOICES = [
    SelectChoice(Confidentiality.NORMAL.value, _l("Normal: every user of the CRM may read it")),
    SelectChoice(
        Confidentiality.RESTRICTED.value,
        _l(
            "Restricted: only this state's section, coordinators and administrators may read "
            "it; others see only that a contact took place, and its date"
        ),
    ),
]


class InteractionFields(DoNotContactFields):
    """The fields the new and the edit form of an interaction share (with the confirmation
    shown when someone ticked asked not to be contacted)."""

    occurred_at = DateTimeLocalField(
        _l("Date and time"),
        format=DATETIME_FORMATS,
        validators=[DataRequired(_l("Enter when the contact took place."))],
    )
    kind = SelectField(_l("Kind of contact"), choices=InteractionKind.choices(), default="meeting")
    representatives = SelectMultipleField(
        _l("Representatives met"), coerce=record_id, validate_choice=False
    )
    # The name search that narrows the list of representatives; it never saves.
    q = SearchField(_l("Find a representative by name"), validators=[Length(max=100)])
    # Shown when someone ticked asked not to be contacted.
    do_not_contact_confirmed, do_not_contact_reason = do_not_contact_fields(
        _l("Why contact them anyway"), _l("Kept in the audit log with the contact.")
    )
    participants = SelectMultipleField(_l("Who took part"), coerce=record_id, validate_choice=False)
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(_l("Write what was said.")), Length(max=10_000)],
        description=_l("What was said, in a few lines."),
    )
    outcome = TextAreaField(
        _l("Outcome"),
        validators=[Optional(), Length(max=5_000)],
        description=_l("What was agreed or learned; leave empty if nothing."),
    )
    confidentiality = RadioField(
        _l("Confidentiality"), choices=CONFIDENTIALITY_CHOICES, default="normal"
    )

    # Set by the view before validation: the state's time zone.
    timezone: str = "UTC"

    def validate_occurred_at(self, field: DateTimeLocalField) -> None:
        if field.data is None:
            return
        if field.data.date() < EARLIEST_CONTACT:
            raise ValidationError(_("That date is too far in the past."))
        # Compared as wall-clock times: converting a year-9999 date to UTC could overflow.
        if field.data > now_local(self.timezone) + CLOCK_SLACK:
            raise ValidationError(_("A contact cannot be logged before it happens."))

    def validate_representatives(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_("Choose at least one representative."))
        if len(field.data) > 50:
            raise ValidationError(_("At most 50 representatives per contact."))

    def validate_participants(self, field: SelectMultipleField) -> None:
        if len(field.data or []) > 50:
            raise ValidationError(_("At most 50 people per contact."))

    @property
    def occurred_at_utc(self) -> datetime:
        return to_utc(self.occurred_at.data, self.timezone)


class InteractionForm(InteractionFields, OnceForm):
    """Log a contact: who, when, what, the stances seen and what to do next."""

    stances = FieldList(FormField(StanceEntryForm), max_entries=50)
    follow_ups = FieldList(
        FormField(FollowUpEntryForm), min_entries=MAX_FOLLOW_UPS, max_entries=MAX_FOLLOW_UPS
    )
    submit = SubmitField(_l("Save contact"))

    # After validation: the people ticked as met with no stance chosen (the view names them
    # next to their stance field).
    stance_missing: list[int]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        met = list(self.representatives.data or [])
        chosen: set[int] = set()
        for entry in self.stances:
            rep_id = entry.form.representative_id
            if rep_id is None:
                continue
            picked = entry.stance.data and entry.stance.data != NO_STANCE
            if picked and rep_id not in met:
                entry.stance.errors.append(
                    _("Tick this person as met, or set the stance back to “Choose…”.")
                )
                valid = False
            if entry.stance.data:
                chosen.add(rep_id)
        # Everyone ticked needs a choice, "No stance seen" included: a stance must never be
        # lost because it was not asked for.
        # (Refused by the view, which can name them, once it knows they may be chosen.)
        self.stance_missing = [rep_id for rep_id in met if rep_id not in chosen]
        if not self.reason_confirmed():
            valid = False
        contact_day = self.occurred_at.data.date() if self.occurred_at.data else None
        for entry in self.follow_ups:
            sub = entry.form
            if not (sub.title.data or "").strip():
                if sub.due_on.data:
                    sub.title.errors.append(_("Say what is to be done, or clear the due date."))
                    valid = False
                continue
            if sub.due_on.data and contact_day and sub.due_on.data < contact_day:
                sub.due_on.errors.append(_("The due date is before the contact."))
                valid = False
            elif sub.due_on.data and sub.due_on.data > today() + LATEST_DUE:
                sub.due_on.errors.append(_("That due date is more than five years away."))
                valid = False
        # The lists summed up their entries' errors before the checks above added some.
        for field_list in (self.stances, self.follow_ups):
            errors = [entry.errors for entry in field_list.entries]
            field_list.errors = errors if any(errors) else []
        return valid


class InteractionEditForm(InteractionFields, VersionedForm):
    submit = SubmitField(_l("Save changes"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self.reason_confirmed() and valid


class InteractionFilterForm(Translated, Form):
    """The filters of a state's list of contacts (read from the query string; no CSRF)."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("Any kind")), *InteractionKind.choices()],
        default="",
    )
    person = SearchField(
        _l("Representative met"),
        validators=[Optional(), Length(max=100, message=_l("At most 100 characters."))],
        description=_l("Part of a name, in any script."),
    )
    # A link from elsewhere may name one person by id.
    representative = HiddenField(filters=[lambda v: v or None])
    archived = BooleanField(_l("Show archived contacts instead"))
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])


class _FollowUpTitleFilter:
    q = SearchField(
        _l("Title contains"),
        validators=[Optional(), Length(max=100, message=_l("Search for at most 100 characters."))],
    )


class MyFollowUpFilterForm(_FollowUpTitleFilter, Translated, Form):
    """The filters of "my follow-ups" (from the query string; no CSRF): a state (its
    choices set by the view) and part of a title."""

    state = SelectField(_l("State"), choices=[], default="", validate_choice=False)

    def validate_state(self, field: SelectField) -> None:
        # WTForms' own check would only say "Not a valid choice".
        if field.data and all(c.value != field.data for c in field.choices):
            raise ValidationError(
                _("There is no state with the code “%(code)s”.", code=field.data[:10])
            )


class StateFollowUpFilterForm(_FollowUpTitleFilter, Translated, Form):
    """The filters of a state's follow-ups: their status and part of a title, and a page."""

    status = SelectField(_l("Status"), choices=FollowUpStatus.choices(), default="open")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])


class FollowUpForm(VersionedForm):
    """A follow-up on its own: about a state, or one of its representatives."""

    title = StringField(
        _l("What is to be done"),
        validators=[DataRequired(_l("Say what is to be done.")), Length(max=300)],
    )
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=5_000)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    assignee = SelectField(_l("Who does it"), coerce=optional_record_id, choices=[])
    representative = SelectField(
        _l("About"), coerce=optional_record_id, choices=[], validate_choice=False
    )
    submit = SubmitField(_l("Save follow-up"))

    def validate_due_on(self, field: DateField) -> None:
        if field.data and field.data > today() + LATEST_DUE:
            raise ValidationError(_("That due date is more than five years away."))


class StatusForm(FlaskForm):
    """A follow-up status button: its CSRF token, and where to go back to."""

    next = HiddenField()
