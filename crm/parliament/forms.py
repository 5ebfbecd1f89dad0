"""Forms of the parliament pages."""

from __future__ import annotations

from wtforms import BooleanField, Form, IntegerField, SearchField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from crm.parliament.models import Stance


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
