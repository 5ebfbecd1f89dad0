"""Forms of the parliament pages."""

from __future__ import annotations

from wtforms import BooleanField, Form, IntegerField, SearchField, SelectField
from wtforms.validators import Length, NumberRange, Optional

from crm.parliament.models import Stance


class RepresentativeFilterForm(Form):
    """The filters of the representative list (read from the query string; no CSRF)."""

    q = SearchField("Name", validators=[Optional(), Length(max=100)])
    state = SelectField("State", choices=[], validate_choice=True)
    chamber = SelectField("Chamber", choices=[], validate_choice=True)
    party = SelectField("Party", choices=[], validate_choice=True)
    stance = SelectField(
        "Stance", choices=[("", "Any stance"), *Stance.choices()], validate_choice=True
    )
    former = BooleanField("Include former members")
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=100_000)])
