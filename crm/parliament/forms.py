"""Forms of the parliament pages."""

from __future__ import annotations

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
from crm.parliament.models import CommitteeRole, Confidence, ContactKind, Stance, StanceSource
from crm.parliament.services import LANGUAGE_TAG, contact_value_problem


class RepresentativeFilterForm(Form):
    """The filters of the representative list (read from the query string; no CSRF)."""

    q = SearchField("Name", validators=[Optional(), Length(max=100)])
    state = SelectField("State", choices=[], default="")
    chamber = SelectField("Chamber", choices=[], default="")
    party = SelectField("Party", choices=[], default="")
    stance = SelectField(
        "Stance", choices=[SelectChoice("", "Any stance"), *Stance.choices()], default=""
    )
    former = BooleanField("Include former members")
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=100_000)])


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

    name = StringField("Full name", validators=[DataRequired("Enter a name."), Length(max=200)])
    given_name = StringField("Given name", validators=[Optional(), Length(max=120)])
    family_name = StringField("Family name", validators=[Optional(), Length(max=120)])
    sort_name = StringField(
        "Sort as",
        validators=[Optional(), Length(max=200)],
        description="How the name is sorted in lists, e.g. “Popescu, Ana”.",
    )
    gender = StringField("Gender", validators=[Optional(), Length(max=20)])
    languages = ListField(
        "Languages",
        validators=[Length(max=10, message="At most 10 languages.")],
        description="Comma-separated language codes or names, e.g. ro, fr.",
    )
    influence = SelectField(
        "Influence",
        choices=[SelectChoice(str(n), f"{n} of 5") for n in range(1, 6)],
        coerce=int,
        default=3,
    )
    tags = ListField("Tags", validators=[Length(max=20, message="At most 20 tags.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])
    do_not_contact = BooleanField("Do not contact")
    do_not_contact_reason = StringField(
        "Reason not to contact", validators=[Optional(), Length(max=300)]
    )

    def validate_languages(self, field: ListField) -> None:
        if any(len(item) > 40 for item in field.data):
            raise ValidationError("Each language is at most 40 characters.")

    def validate_tags(self, field: ListField) -> None:
        if any(len(item) > 40 for item in field.data):
            raise ValidationError("Each tag is at most 40 characters.")


class RepresentativeForm(ProfileForm, VersionedForm):
    submit = SubmitField("Save")


class StanceForm(FlaskForm):
    stance = SelectField("Stance", choices=Stance.choices())
    source = SelectField("Source", choices=StanceSource.choices())
    confidence = SelectField("Confidence", choices=Confidence.choices(), default="medium")
    observed_on = DateField(
        "Observed on", validators=[DataRequired("Enter the date it was observed.")]
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record stance")


# --- A person's record: new representative, seats, committee seats, contacts, names ------------


def _text(field) -> str:
    return (field.data or "").strip()


def _check_language_tag(field) -> None:
    if _text(field) and not LANGUAGE_TAG.fullmatch(_text(field)):
        raise ValidationError("Enter a language tag such as hi, ne or sr-Latn.")


def _check_contact_value(kind_field, value_field) -> None:
    try:
        kind = ContactKind(kind_field.data)
    except ValueError:
        return  # the kind's own error says what is wrong
    problem = contact_value_problem(kind, _text(value_field))
    if problem:
        raise ValidationError(problem)


LANGUAGE_TAG_HINT = "A language tag, e.g. hi (Hindi), ne (Nepali), ru, sr-Latn."
CONTACT_LABEL_HINT = "Optional, e.g. office, constituency, assistant."


class OtherNameRow(Form):
    """One row of other names on the new-representative page; a blank row is skipped."""

    # The hints are given once, above the rows (templates/parliament/new.html).
    name = StringField("Other name", validators=[Length(max=200)])
    lang = StringField("Language tag", validators=[Optional(), Length(max=20)])

    @property
    def is_blank(self) -> bool:
        return not _text(self.name) and not _text(self.lang)

    def validate_name(self, field: StringField) -> None:
        if not _text(field) and _text(self.lang):
            raise ValidationError("Enter the name, or clear the language.")

    def validate_lang(self, field: StringField) -> None:
        _check_language_tag(field)


class ContactRow(Form):
    """One row of contact details on the new-representative page; a blank row is skipped."""

    kind = SelectField("Kind", choices=ContactKind.choices(), default=ContactKind.EMAIL.value)
    value = StringField("Address or number", validators=[Length(max=300)])
    label = StringField("Label", validators=[Optional(), Length(max=120)])

    @property
    def is_blank(self) -> bool:
        return not _text(self.value) and not _text(self.label)

    def validate_value(self, field: StringField) -> None:
        if not _text(field):
            if _text(self.label):
                raise ValidationError("Enter the contact detail, or clear the label.")
            return
        _check_contact_value(self.kind, field)


class SeatFields(FlaskForm):
    """A seat in a chamber of the state. The view fills the chamber and party choices."""

    chamber = SelectField("Chamber", choices=[], validators=[DataRequired("Choose the chamber.")])
    party = SelectField("Party", choices=[], default="")
    constituency = StringField("Constituency", validators=[Optional(), Length(max=200)])
    start_date = DateField(
        "Seat held since", validators=[DataRequired("Enter the date the seat began.")]
    )


class NewRepresentativeForm(ProfileForm, SeatFields):
    # Blank rows to fill in without JavaScript; more can be added on the person's page.
    other_names = FieldList(FormField(OtherNameRow), min_entries=2, max_entries=10)
    contact_details = FieldList(FormField(ContactRow), min_entries=3, max_entries=10)
    submit = SubmitField("Add representative")


class SeatForm(SeatFields, VersionedForm):
    legislative_period = StringField(
        "Term",
        validators=[Optional(), Length(max=80)],
        description="Optional, e.g. 2024–2028 or the 10th legislature.",
    )
    submit = SubmitField("Add seat")


class MovePartyForm(VersionedForm):
    membership = SelectField("Seat", choices=[], validators=[DataRequired("Choose the seat.")])
    party = SelectField("New party", choices=[], default="")
    changed_on = DateField(
        "Date of the change", validators=[DataRequired("Enter the date of the change.")]
    )
    submit = SubmitField("Move party")


class EndSeatForm(VersionedForm):
    end_date = DateField("End date", validators=[DataRequired("Enter the end date.")])
    submit = SubmitField("End seat")


class CommitteeSeatForm(VersionedForm):
    committee = SelectField(
        "Committee", choices=[], validators=[DataRequired("Choose the committee.")]
    )
    role = SelectField("Role", choices=CommitteeRole.choices(), default=CommitteeRole.MEMBER.value)
    start_date = DateField("Since", validators=[DataRequired("Enter the date the seat began.")])
    submit = SubmitField("Add committee seat")


class ContactDetailForm(VersionedForm):
    kind = SelectField("Kind", choices=ContactKind.choices(), default=ContactKind.EMAIL.value)
    value = StringField(
        "Address or number", validators=[DataRequired("Enter the contact detail."), Length(max=300)]
    )
    label = StringField(
        "Label", validators=[Optional(), Length(max=120)], description=CONTACT_LABEL_HINT
    )
    submit = SubmitField("Save contact detail")

    def validate_value(self, field: StringField) -> None:
        _check_contact_value(self.kind, field)


class OtherNameForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired("Enter the name."), Length(max=200)])
    lang = StringField(
        "Language", validators=[Optional(), Length(max=20)], description=LANGUAGE_TAG_HINT
    )
    note = StringField(
        "Note",
        validators=[Optional(), Length(max=200)],
        description="Optional, e.g. transliteration, former name.",
    )
    submit = SubmitField("Save name")

    def validate_lang(self, field: StringField) -> None:
        _check_language_tag(field)


class ConfirmForm(VersionedForm):
    """A confirmation (archive, remove): only the CSRF token and the version opened."""
