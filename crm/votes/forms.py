"""The form that records a held vote: date, result, counts and the roll-call grid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_babel.speaklater import LazyString
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
# Said in the reader's language when shown; "vote" tells translators a yes of a vote ("for",
# in many parliaments) from the yes of a question.
_OPTION_WORDS = {
    VoteOption.YES: lambda: pgettext("vote", "Yes"),
    VoteOption.NO: lambda: pgettext("vote", "No"),
    VoteOption.ABSTAIN: lambda: pgettext("vote", "Abstain"),
    VoteOption.ABSENT: lambda: pgettext("vote", "Absent"),
    VoteOption.NOT_VOTING: lambda: pgettext("vote", "Not voting"),
    VoteOption.PAIRED: lambda: pgettext("vote", "Paired"),
}
OPTION_LABELS = {option: LazyString(words) for option, words in _OPTION_WORDS.items()}

ROLL_CALL_CHOICES = [SelectChoice(o.value, OPTION_LABELS[o]) for o in VoteOption] + [
    SelectChoice(NOT_RECORDED, _l("Not recorded"))
]

# For a party's row: everyone in it not marked one by one voted this way. Each is a
# sentence of its own: "voted" agrees with its option differently from language to language.
VOTED = {
    VoteOption.YES: _l("Voted yes"),
    VoteOption.NO: _l("Voted no"),
    VoteOption.ABSTAIN: _l("Voted abstain"),
    VoteOption.ABSENT: _l("Voted absent"),
    VoteOption.NOT_VOTING: _l("Voted not voting"),
    VoteOption.PAIRED: _l("Voted paired"),
}
PARTY_CHOICES = [SelectChoice(NOT_RECORDED, _l("Not recorded"))] + [
    SelectChoice(o.value, VOTED[o]) for o in VoteOption
]

_COUNT = [Optional(), NumberRange(0, 100_000, _l("Enter a whole number, 0 or more."))]


class VoteForm(VersionedForm):
    held_on = DateField(
        _l("Held on"), validators=[DataRequired(_l("Enter the date the vote was held."))]
    )
    result = SelectField(
        _l("Result"),
        choices=[SelectChoice("", _l("Choose the result")), *StageResult.choices()],
        validators=[DataRequired(_l("Choose the result of the vote."))],
    )
    motion = TextAreaField(
        _l("Motion"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Optional: what was put to the vote."),
    )
    source = StringField(
        _l("Source"),
        validators=[Optional(), Length(max=500)],
        description=_l("Optional: where the result was published (a link or a reference)."),
    )
    count_yes = IntegerField(OPTION_LABELS[VoteOption.YES], validators=_COUNT)
    count_no = IntegerField(OPTION_LABELS[VoteOption.NO], validators=_COUNT)
    count_abstain = IntegerField(OPTION_LABELS[VoteOption.ABSTAIN], validators=_COUNT)
    count_absent = IntegerField(OPTION_LABELS[VoteOption.ABSENT], validators=_COUNT)
    count_not_voting = IntegerField(OPTION_LABELS[VoteOption.NOT_VOTING], validators=_COUNT)
    count_paired = IntegerField(OPTION_LABELS[VoteOption.PAIRED], validators=_COUNT)
    submit = SubmitField(_l("Save the vote"))

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
                _l("Members of %(party)s not marked one by one", party=group.name),
                choices=PARTY_CHOICES,
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
