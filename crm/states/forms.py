"""Forms of the agreement and stage pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm.forms import VersionedForm
from crm.states.models import AgreementStatus, RatificationRoute, StageKind

_ID = "Choose one of the listed options."


class AgreementForm(VersionedForm):
    status = SelectField("Status", choices=AgreementStatus.choices())
    route = SelectField("Ratification route", choices=RatificationRoute.choices())
    route_note = StringField(
        "About the route",
        validators=[Optional(), Length(max=300)],
        description="For example which article of the constitution applies.",
    )
    signed_on = DateField("Signed on", validators=[Optional()])
    executive_probability = IntegerField(
        "Chance the government ratifies (%)",
        validators=[Optional(), NumberRange(0, 100, "Enter a percentage from 0 to 100.")],
        description="Only used when the route is “Executive”: there is no vote to forecast, "
        "so this estimate is the ratification risk. Leave empty if unknown.",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])
    submit = SubmitField("Save agreement")


def _id_or_empty(_form: FlaskForm, field: SelectField) -> None:
    # The choices are not checked by WTForms, so that the service can say *why* a chamber
    # or committee is refused (another state's, or not of the chosen chamber).
    value = field.data or ""
    if value and not (value.isdigit() and len(value) <= 9):
        raise ValidationError(_ID)


class StageForm(VersionedForm):
    kind = SelectField("Kind of stage", choices=StageKind.choices())
    chamber = SelectField(
        "Chamber", choices=[], validate_choice=False, validators=[_id_or_empty], default=""
    )
    committee = SelectField(
        "Committee",
        choices=[],
        validate_choice=False,
        validators=[_id_or_empty],
        default="",
        description="Only for committee stages; it must belong to the chamber chosen above.",
    )
    scheduled_on = DateField("Scheduled for", validators=[Optional()])
    position = IntegerField(
        "Place in the list",
        validators=[Optional(), NumberRange(1, 1000, "Enter a number from 1 to 1000.")],
        description="1 is the first stage. Leave empty to put it last.",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10_000)])
    submit = SubmitField("Save stage")

    def set_choices(self, chambers) -> None:
        """Offer the state's chambers, and their committees grouped by chamber."""
        self.chamber.choices = [SelectChoice("", "No chamber")] + [
            SelectChoice(str(c.id), c.name) for c in chambers
        ]
        groups: dict[str, list[SelectChoice]] = {"": [SelectChoice("", "No committee")]}
        for chamber in chambers:
            if chamber.committees:
                groups[chamber.name] = [SelectChoice(str(c.id), c.name) for c in chamber.committees]
        self.committee.choices = groups


class _ActionForm(VersionedForm):
    # Several action forms share one page: they take a prefix, so their ids stay unique, and
    # the page carries the CSRF token itself (CSRFProtect checks every POST).
    class Meta:
        csrf = False


class ScheduleForm(_ActionForm):
    on = DateField("Date", validators=[DataRequired("Enter the date it is scheduled for.")])
    submit = SubmitField("Schedule")


class PostponeForm(_ActionForm):
    on = DateField("New date", validators=[DataRequired("Enter the new date.")])
    submit = SubmitField("Postpone")


class HoldForm(_ActionForm):
    on = DateField(
        "Held on",
        validators=[Optional()],
        description="Optional: leave empty if the date is not known.",
    )
    submit = SubmitField("Mark as held")


class CancelForm(_ActionForm):
    submit = SubmitField("Cancel this stage")


ACTION_FORMS: dict[str, type[_ActionForm]] = {
    "schedule": ScheduleForm,
    "postpone": PostponeForm,
    "hold": HoldForm,
    "cancel": CancelForm,
}


class MoveForm(FlaskForm):
    class Meta:
        csrf = False  # one per row of the stage list; the page carries the token

    direction = SelectField(
        "Direction", choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")]
    )
