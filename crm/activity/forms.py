"""The filters of the activity feed and of the overdue follow-ups (read from the query
string: GET forms, no CSRF). A filter that cannot be used says why next to it, and the list
is shown without it."""

from __future__ import annotations

from typing import Any, TypedDict

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, IntegerField, SelectField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from crm.activity.queries import FeedKind
from crm.auth.models import Section
from crm.interactions.forms import Translated
from crm.states.models import State

KIND_LABELS = {
    FeedKind.CONTACT: _l("Contacts logged"),
    FeedKind.STANCE: _l("Stances recorded"),
    FeedKind.EVENT: _l("Events"),
    FeedKind.STAGE: _l("Parliamentary stages"),
    FeedKind.IMPORT: _l("Imports"),
}


class Places(TypedDict):
    """The state and section a list is narrowed to, as its query's filters take them."""

    state_id: int | None
    section_id: int | None


class _PlaceFilters(Translated, Form):
    """A state (by its code) and a section (by its id), their choices set by the view."""

    state = SelectField(_l("State"), choices=[], default="", validate_choice=False)
    section = SelectField(_l("Section"), choices=[], default="", validate_choice=False)
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])

    def set_choices(self, states: list[State], sections: list[Section]) -> None:
        self.state.choices = [SelectChoice("", _("All states"))] + [
            SelectChoice(s.iso2, s.name) for s in states
        ]
        self.section.choices = [SelectChoice("", _("All sections"))] + [
            SelectChoice(str(s.id), s.name) for s in sections
        ]
        if self.state.data:
            self.state.data = self.state.data.strip().upper()

    # WTForms' own check would only say "Not a valid choice".
    def validate_state(self, field: SelectField) -> None:
        if field.data and all(c.value != field.data for c in field.choices):
            raise ValidationError(
                _("There is no state with the code “%(code)s”.", code=field.data[:10])
            )

    def validate_section(self, field: SelectField) -> None:
        if field.data and all(c.value != field.data for c in field.choices):
            raise ValidationError(_("There is no such section; choose one from the list."))

    def places(self, states: list[State]) -> Places:
        """The state (one of `states`) and section asked for, those that can be used."""
        places: Places = {"state_id": None, "section_id": None}
        if self.state.data and not self.state.errors:
            state = next((s for s in states if s.iso2 == self.state.data), None)
            places["state_id"] = state.id if state is not None else None
        if self.section.data and not self.section.errors:
            places["section_id"] = int(self.section.data)
        return places


class FeedFilterForm(_PlaceFilters):
    kind = SelectMultipleField(
        _l("What"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
        description=_l("None ticked: everything."),
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate_kind(self, field: SelectMultipleField) -> None:
        known = {kind.value for kind in FeedKind}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_("Choose what to show from the list."))

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("This day is before the first day chosen."))

    def chosen_kinds(self) -> frozenset[FeedKind]:
        if self.kind.errors:
            return frozenset()
        return frozenset(FeedKind(value) for value in self.kind.data or [])

    def period(self) -> dict[str, Any]:
        """The days asked for, those that can be used."""
        if self.until.errors:
            # A period that ends before it starts: neither day is used.
            return {"since": None, "until": None}
        return {"since": None if self.since.errors else self.since.data, "until": self.until.data}


class OverdueFilterForm(_PlaceFilters):
    pass
