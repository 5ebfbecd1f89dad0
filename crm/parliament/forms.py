"""Forms of the parliament pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
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
from crm.parliament.models import Confidence, Stance, StanceSource


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


class RepresentativeForm(VersionedForm):
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
    )
    tags = ListField("Tags", validators=[Length(max=20, message="At most 20 tags.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])
    do_not_contact = BooleanField("Do not contact")
    do_not_contact_reason = StringField(
        "Reason not to contact", validators=[Optional(), Length(max=300)]
    )
    submit = SubmitField("Save")

    def validate_languages(self, field: ListField) -> None:
        if any(len(item) > 40 for item in field.data):
            raise ValidationError("Each language is at most 40 characters.")

    def validate_tags(self, field: ListField) -> None:
        if any(len(item) > 40 for item in field.data):
            raise ValidationError("Each tag is at most 40 characters.")


class StanceForm(FlaskForm):
    stance = SelectField("Stance", choices=Stance.choices())
    source = SelectField("Source", choices=StanceSource.choices())
    confidence = SelectField("Confidence", choices=Confidence.choices(), default="medium")
    observed_on = DateField(
        "Observed on", validators=[DataRequired("Enter the date it was observed.")]
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record stance")
