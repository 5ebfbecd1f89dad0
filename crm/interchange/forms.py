"""Forms of the data pages: the CSV and Popolo uploads, calendar links and API tokens."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from crm.auth.models import TokenScope
from crm.auth.services import TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX
from crm.forms import OnceForm

# A roster of a few thousand people is well under this; a bigger upload is a mistake.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Popolo JSON says much more per person (names in many languages, identifiers, every term's
# seat): EveryPolitician's largest files, of parliaments with decades of terms, are several
# MB; the files we keep (../shared/data/popolo) are a few KB. The request may be this big
# plus its form (crm/interchange/views.py raises the limit for this upload only).
MAX_ROSTER_BYTES = 20 * 1024 * 1024


class CsvImportForm(OnceForm):
    """The upload; its submission key makes the same form sent twice ask for one import."""

    file = FileField(
        _l("CSV file"),
        description=_l(
            "Saved from a spreadsheet as “CSV UTF-8”, with the header row described below."
        ),
    )
    csv = TextAreaField(
        _l("Or paste the rows here"),
        validators=[Optional(), Length(max=MAX_UPLOAD_BYTES)],
        description=_l("The header row first, then one representative a line."),
    )
    check_only = BooleanField(_l("Only check the file: import nothing"))
    submit = SubmitField(_l("Import"))


def _chamber_id(value: object) -> int:
    """The posted chamber's id; 0 (no chamber) for anything not a number."""
    try:
        return int(str(value))
    except ValueError:
        return 0


class PopoloImportForm(OnceForm):
    """The roster upload: a Popolo JSON file, for one of the state's chambers. Its fields
    are named apart from the CSV form's, which is on the same page."""

    roster = FileField(
        _l("Popolo JSON file"),
        description=_l(
            "An EveryPolitician file (ep-popolo), or a roster downloaded from this application."
        ),
    )
    chamber = SelectField(
        _l("Chamber"),
        coerce=_chamber_id,
        validate_choice=False,  # checked against the state's chambers, with a plain message
        description=_l("The chamber whose members the file lists."),
    )
    organization_id = StringField(
        _l("Organization id in the file"),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
        description=_l(
            "Only when the file has several organizations that could be the chamber, "
            "e.g. “legislature”."
        ),
    )
    roster_check_only = BooleanField(_l("Check only (write nothing)"))
    send_roster = SubmitField(_l("Import the roster"))

    def offer(self, chambers: list[tuple[int, str]]) -> None:
        """Offer the state's chambers (id, name) to choose from."""
        self.chamber.choices = [SelectChoice("", _("Choose a chamber")), *chambers]


def _days(value: object) -> int:
    """The posted term in days; 0 (refused by the range check) for anything not a number, so a
    forged value gets the same clear message as one out of range."""
    try:
        return int(str(value))
    except ValueError:
        return 0


DAYS_MESSAGE = lazy_ngettext(
    "Choose between 1 and %(num)d day.", "Choose between 1 and %(num)d days.", TOKEN_DAYS_MAX
)


def _term(days: int) -> SelectChoice:
    return SelectChoice(str(days), lazy_ngettext("%(num)d day", "%(num)d days", days))


class TokenForm(FlaskForm):
    """Name a new calendar link or API token and choose how long it works."""

    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=120, message=_l("At most 120 characters."))],
        description=_l("Where you will use it, e.g. “Phone”: it helps you revoke the right one."),
    )
    # The offered terms; the command line takes any number of days up to the same maximum.
    days = SelectField(
        _l("Works for"),
        choices=[_term(30), _term(90), _term(180), SelectChoice("365", _l("365 days (a year)"))],
        coerce=_days,
        default=TOKEN_DAYS_DEFAULT,
        validate_choice=False,
        validators=[NumberRange(min=1, max=TOKEN_DAYS_MAX, message=DAYS_MESSAGE)],
        description=_l("It stops working after that; make a new one then."),
    )
    submit = SubmitField(_l("Create"))

    @classmethod
    def for_scope(cls, scope: TokenScope) -> TokenForm:
        form = cls()
        if scope is TokenScope.CALENDAR:
            form.name.label.text = _("Name of the link")
            form.submit.label.text = _("Create a calendar link")
        else:
            form.name.label.text = _("Name of the token")
            form.name.description = _(
                "What will use it, e.g. “Press office spreadsheet”: it helps you revoke the "
                "right one."
            )
            form.submit.label.text = _("Create an API token")
        return form


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token."""
