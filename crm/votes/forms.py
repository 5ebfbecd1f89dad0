"""The form that records a held vote: date, result, counts and the roll-call grid."""

from __future__ import annotations

from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import VersionedForm
from crm.states.models import StageResult
from crm.votes.models import VoteOption
from crm.votes.queries import PartyGroup

NOT_RECORDED = ""

# Short labels: seven options must fit a 360px-wide phone screen in two rows.
OPTION_LABELS = {
    VoteOption.YES: "Yes",
    VoteOption.NO: "No",
    VoteOption.ABSTAIN: "Abstain",
    VoteOption.ABSENT: "Absent",
    VoteOption.NOT_VOTING: "Not voting",
    VoteOption.PAIRED: "Paired",
}

ROLL_CALL_CHOICES = [SelectChoice(o.value, OPTION_LABELS[o]) for o in VoteOption] + [
    SelectChoice(NOT_RECORDED, "Not recorded")
]

# For a party's row: everyone in it not marked one by one voted this way.
PARTY_CHOICES = [SelectChoice(NOT_RECORDED, "Not recorded")] + [
    SelectChoice(o.value, f"Voted {OPTION_LABELS[o].lower()}") for o in VoteOption
]

_COUNT = [Optional(), NumberRange(0, 100_000, "Enter a whole number, 0 or more.")]


class VoteForm(VersionedForm):
    held_on = DateField("Held on", validators=[DataRequired("Enter the date the vote was held.")])
    result = SelectField(
        "Result",
        choices=[SelectChoice("", "Choose the result"), *StageResult.choices()],
        validators=[DataRequired("Choose the result of the vote.")],
    )
    motion = TextAreaField(
        "Motion",
        validators=[Optional(), Length(max=2000)],
        description="Optional: what was put to the vote.",
    )
    source = StringField(
        "Source",
        validators=[Optional(), Length(max=500)],
        description="Optional: where the result was published (a link or a reference).",
    )
    count_yes = IntegerField("Yes", validators=_COUNT)
    count_no = IntegerField("No", validators=_COUNT)
    count_abstain = IntegerField("Abstain", validators=_COUNT)
    count_absent = IntegerField("Absent", validators=_COUNT)
    count_not_voting = IntegerField("Not voting", validators=_COUNT)
    count_paired = IntegerField("Paired", validators=_COUNT)
    submit = SubmitField("Save the vote")

    # Filled in by vote_form_class.
    groups: list[PartyGroup] = []

    def counts(self) -> dict[VoteOption, int | None]:
        return {option: self[f"count_{option.value}"].data for option in VoteOption}

    def count_fields(self):
        return [self[f"count_{option.value}"] for option in VoteOption]

    def roll_call_field(self, representative_id: int) -> RadioField:
        return self[f"rep_{representative_id}"]

    def party_field(self, group: PartyGroup) -> SelectField:
        return self[f"party_{group.key}"]

    def roll_call(self) -> dict[int, VoteOption]:
        """Only what was entered: a member's own choice, else their party's row choice."""
        entered: dict[int, VoteOption] = {}
        for group in self.groups:
            party_choice = self.party_field(group).data or NOT_RECORDED
            for member in group.members:
                choice = self.roll_call_field(member.id).data or NOT_RECORDED
                if choice == NOT_RECORDED:
                    choice = party_choice
                if choice != NOT_RECORDED:
                    entered[member.id] = VoteOption(choice)
        return entered


def vote_form_class(groups: list[PartyGroup]) -> type[VoteForm]:
    """A VoteForm with a radio group per member and a "whole party" choice per party."""

    class RollCallForm(VoteForm):
        pass

    RollCallForm.groups = groups
    for group in groups:
        setattr(
            RollCallForm,
            f"party_{group.key}",
            SelectField(
                f"Members of {group.name} not marked one by one",
                choices=[
                    SelectChoice(NOT_RECORDED, "Not recorded"),
                    *(
                        SelectChoice(o.value, f"Voted {OPTION_LABELS[o].lower()}")
                        for o in VoteOption
                    ),
                ],
                default=NOT_RECORDED,
            ),
        )
        for member in group.members:
            setattr(
                RollCallForm,
                f"rep_{member.id}",
                RadioField(member.name, choices=ROLL_CALL_CHOICES, default=NOT_RECORDED),
            )
    return RollCallForm
