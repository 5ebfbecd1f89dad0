"""Forms of the parliament pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm.forms import VersionedForm
from crm.interactions.forms import Translated
from crm.parliament.models import (
    Chamber,
    CommitteeRole,
    Confidence,
    ContactKind,
    Party,
    Stance,
    StanceSource,
)
from crm.parliament.services import LANGUAGE_TAG, contact_value_problem


class RepresentativeFilterForm(Translated, Form):
    """The filters of the representative list (read from the query string; no CSRF)."""

    q = SearchField(_l("Name"), validators=[Optional(), Length(max=100)])
    state = SelectField(_l("State"), choices=[], default="")
    chamber = SelectField(_l("Chamber"), choices=[], default="")
    party = SelectField(_l("Party"), choices=[], default="")
    stance = SelectField(
        _l("Stance"), choices=[SelectChoice("", _l("Any stance")), *Stance.choices()], default=""
    )
    former = BooleanField(_l("Include former members"))
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])


def offer_seat_filters(form: Any, chambers: Iterable[Chamber], parties: Iterable[Party]) -> None:
    """A people list's chamber and party filters (the representative list's, an event's
    candidates'): every one, or one of the state's (parliament.queries.state_filter_choices)."""
    form.chamber.choices = [SelectChoice("", _("All chambers"))] + [
        SelectChoice(str(c.id), c.name) for c in chambers
    ]
    form.party.choices = [SelectChoice("", _("All parties"))] + [
        SelectChoice(str(p.id), p.name) for p in parties
    ]


def chosen_id(field: Any) -> int | None:
    """The record a validated chamber or party filter names: None for every one, or for a
    choice that is not offered."""
    return int(field.data) if field.data and not field.errors else None


def _split_list(value: str | None) -> list[str]:
    """'fr, en ,ro' → ['fr', 'en', 'ro'] (order kept, duplicates and blanks dropped)."""
    seen: list[str] = []
    for item in (value or "").split(","):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


class ListField(StringField):
    """A comma-separated list in one text box."""

    def _value(self) -> str:
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = _split_list(valuelist[0]) if valuelist else []


class ProfileForm(FlaskForm):
    """The profile of a person: what the edit page and the new-representative page share."""

    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)]
    )
    given_name = StringField(_l("Given name"), validators=[Optional(), Length(max=120)])
    family_name = StringField(_l("Family name"), validators=[Optional(), Length(max=120)])
    sort_name = StringField(
        _l("Sort as"),
        validators=[Optional(), Length(max=200)],
        description=_l("How the name is sorted in lists, e.g. “Popescu, Ana”."),
    )
    gender = StringField(_l("Gender"), validators=[Optional(), Length(max=20)])
    languages = ListField(
        _l("Languages"),
        validators=[Length(max=10, message=_l("At most 10 languages."))],
        description=_l("Comma-separated language codes or names, e.g. ro, fr."),
    )
    influence = SelectField(
        _l("Influence"),
        choices=[SelectChoice(str(n), _l("%(number)d of 5", number=n)) for n in range(1, 6)],
        coerce=int,
        default=3,
    )
    tags = ListField(_l("Tags"), validators=[Length(max=20, message=_l("At most 20 tags."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])
    do_not_contact = BooleanField(_l("Do not contact"))
    do_not_contact_reason = StringField(
        _l("Reason not to contact"), validators=[Optional(), Length(max=300)]
    )

    def validate_languages(self, field: ListField) -> None:
        if any(len(item) > 40 for item in field.data):
            raise ValidationError(_("Each language is at most 40 characters."))

    def validate_tags(self, field: ListField) -> None:
        if any(len(item) > 40 for item in field.data):
            raise ValidationError(_("Each tag is at most 40 characters."))


class RepresentativeForm(ProfileForm, VersionedForm):
    submit = SubmitField(_l("Save"))


class StanceForm(FlaskForm):
    stance = SelectField(_l("Stance"), choices=Stance.choices())
    source = SelectField(_l("Source"), choices=StanceSource.choices())
    confidence = SelectField(_l("Confidence"), choices=Confidence.choices(), default="medium")
    observed_on = DateField(
        _l("Observed on"), validators=[DataRequired(_l("Enter the date it was observed."))]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Record stance"))


# --- A person's record: new representative, seats, committee seats, contacts, names ------------


def _text(field) -> str:
    return (field.data or "").strip()


def _check_language_tag(field) -> None:
    if _text(field) and not LANGUAGE_TAG.fullmatch(_text(field)):
        raise ValidationError(_("Enter a language tag such as hi, ne or sr-Latn."))


def _check_contact_value(kind_field, value_field) -> None:
    try:
        kind = ContactKind(kind_field.data)
    except ValueError:
        return  # the kind's own error says what is wrong
    problem = contact_value_problem(kind, _text(value_field))
    if problem:
        raise ValidationError(problem)


LANGUAGE_TAG_HINT = _l("A language tag, e.g. hi (Hindi), ne (Nepali), ru, sr-Latn.")
CONTACT_LABEL_HINT = _l("Optional, e.g. office, constituency, assistant.")


class OtherNameRow(Translated, Form):
    """One row of other names on the new-representative page; a blank row is skipped."""

    # The hints are given once, above the rows (templates/parliament/new.html).
    name = StringField(_l("Other name"), validators=[Length(max=200)])
    lang = StringField(_l("Language tag"), validators=[Optional(), Length(max=20)])

    @property
    def is_blank(self) -> bool:
        return not _text(self.name) and not _text(self.lang)

    def validate_name(self, field: StringField) -> None:
        if not _text(field) and _text(self.lang):
            raise ValidationError(_("Enter the name, or clear the language."))

    def validate_lang(self, field: StringField) -> None:
        _check_language_tag(field)


class ContactRow(Translated, Form):
    """One row of contact details on the new-representative page; a blank row is skipped."""

    kind = SelectField(_l("Kind"), choices=ContactKind.choices(), default=ContactKind.EMAIL.value)
    value = StringField(_l("Address or number"), validators=[Length(max=300)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=120)])

    @property
    def is_blank(self) -> bool:
        return not _text(self.value) and not _text(self.label)

    def validate_value(self, field: StringField) -> None:
        if not _text(field):
            if _text(self.label):
                raise ValidationError(_("Enter the contact detail, or clear the label."))
            return
        _check_contact_value(self.kind, field)


class SeatFields(FlaskForm):
    """A seat in a chamber of the state. The view fills the chamber and party choices."""

    chamber = SelectField(
        _l("Chamber"), choices=[], validators=[DataRequired(_l("Choose the chamber."))]
    )
    party = SelectField(_l("Party"), choices=[], default="")
    constituency = StringField(_l("Constituency"), validators=[Optional(), Length(max=200)])
    start_date = DateField(
        _l("Seat held since"), validators=[DataRequired(_l("Enter the date the seat began."))]
    )


class NewRepresentativeForm(ProfileForm, SeatFields):
    # Blank rows to fill in without JavaScript; more can be added on the person's page.
    other_names = FieldList(FormField(OtherNameRow), min_entries=2, max_entries=10)
    contact_details = FieldList(FormField(ContactRow), min_entries=3, max_entries=10)
    submit = SubmitField(_l("Add representative"))


class SeatForm(SeatFields, VersionedForm):
    legislative_period = StringField(
        _l("Term"),
        validators=[Optional(), Length(max=80)],
        description=_l("Optional, e.g. 2024–2028 or the 10th legislature."),
    )
    submit = SubmitField(_l("Add seat"))


class MovePartyForm(VersionedForm):
    membership = SelectField(
        _l("Seat"), choices=[], validators=[DataRequired(_l("Choose the seat."))]
    )
    party = SelectField(_l("New party"), choices=[], default="")
    changed_on = DateField(
        _l("Date of the change"), validators=[DataRequired(_l("Enter the date of the change."))]
    )
    submit = SubmitField(_l("Move party"))


class EndSeatForm(VersionedForm):
    end_date = DateField(_l("End date"), validators=[DataRequired(_l("Enter the end date."))])
    submit = SubmitField(_l("End seat"))


class CommitteeSeatForm(VersionedForm):
    committee = SelectField(
        _l("Committee"), choices=[], validators=[DataRequired(_l("Choose the committee."))]
    )
    role = SelectField(
        _l("Role"), choices=CommitteeRole.choices(), default=CommitteeRole.MEMBER.value
    )
    start_date = DateField(
        _l("Since"), validators=[DataRequired(_l("Enter the date the seat began."))]
    )
    submit = SubmitField(_l("Add committee seat"))


class ContactDetailForm(VersionedForm):
    kind = SelectField(_l("Kind"), choices=ContactKind.choices(), default=ContactKind.EMAIL.value)
    value = StringField(
        _l("Address or number"),
        validators=[DataRequired(_l("Enter the contact detail.")), Length(max=300)],
    )
    label = StringField(
        _l("Label"), validators=[Optional(), Length(max=120)], description=CONTACT_LABEL_HINT
    )
    submit = SubmitField(_l("Save contact detail"))

    def validate_value(self, field: StringField) -> None:
        _check_contact_value(self.kind, field)


class OtherNameForm(VersionedForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=200)]
    )
    lang = StringField(
        _l("Language"), validators=[Optional(), Length(max=20)], description=LANGUAGE_TAG_HINT
    )
    note = StringField(
        _l("Note"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional, e.g. transliteration, former name."),
    )
    submit = SubmitField(_l("Save name"))

    def validate_lang(self, field: StringField) -> None:
        _check_language_tag(field)


class ConfirmForm(VersionedForm):
    """A confirmation (archive, remove): only the CSRF token and the version opened."""
