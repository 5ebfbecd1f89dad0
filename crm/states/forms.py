"""Forms of the agreement and stage pages, and of the campaign's key messages."""

from __future__ import annotations

from typing import Any

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm.forms import VersionedForm
from crm.i18n import DEFAULT_LOCALE, language_label, right_to_left
from crm.states.models import (
    KEY_MESSAGE_LIMIT,
    TRANSLATED_LOCALES,
    AgreementStatus,
    RatificationRoute,
    StageKind,
    translation_field,
)

_ID = _l("Choose one of the listed options.")


class AgreementForm(VersionedForm):
    status = SelectField(_l("Status"), choices=AgreementStatus.choices())
    route = SelectField(_l("Ratification route"), choices=RatificationRoute.choices())
    route_note = StringField(
        _l("About the route"),
        validators=[Optional(), Length(max=300)],
        description=_l("For example which article of the constitution applies."),
    )
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    executive_probability = IntegerField(
        _l("Chance the government ratifies (%)"),
        validators=[Optional(), NumberRange(0, 100, _l("Enter a percentage from 0 to 100."))],
        description=_l(
            "Only used when the route is “Executive”: there is no vote to forecast, "
            "so this estimate is the ratification risk. Leave empty if unknown."
        ),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("Save agreement"))


def _id_or_empty(_form: FlaskForm, field: SelectField) -> None:
    # The choices are not checked by WTForms, so that the service can say *why* a chamber
    # or committee is refused (another state's, or not of the chosen chamber).
    value = field.data or ""
    if value and not (value.isdigit() and len(value) <= 9):
        raise ValidationError(_ID)


class StageForm(VersionedForm):
    kind = SelectField(_l("Kind of stage"), choices=StageKind.choices())
    chamber = SelectField(
        _l("Chamber"), choices=[], validate_choice=False, validators=[_id_or_empty], default=""
    )
    committee = SelectField(
        _l("Committee"),
        choices=[],
        validate_choice=False,
        validators=[_id_or_empty],
        default="",
        description=_l("Only for committee stages; it must belong to the chamber chosen above."),
    )
    scheduled_on = DateField(_l("Scheduled for"), validators=[Optional()])
    position = IntegerField(
        _l("Place in the list"),
        validators=[Optional(), NumberRange(1, 1000, _l("Enter a number from 1 to 1000."))],
        description=_l("1 is the first stage. Leave empty to put it last."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("Save stage"))

    def set_choices(self, chambers) -> None:
        """Offer the state's chambers, and their committees grouped by chamber."""
        self.chamber.choices = [SelectChoice("", _l("No chamber"))] + [
            SelectChoice(str(c.id), c.name) for c in chambers
        ]
        groups: dict[str, list[SelectChoice]] = {"": [SelectChoice("", _l("No committee"))]}
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
    on = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date it is scheduled for."))])
    submit = SubmitField(_l("Schedule"))


class PostponeForm(_ActionForm):
    on = DateField(_l("New date"), validators=[DataRequired(_l("Enter the new date."))])
    submit = SubmitField(_l("Postpone"))


class HoldForm(_ActionForm):
    on = DateField(
        _l("Held on"),
        validators=[Optional()],
        description=_l("Optional: leave empty if the date is not known."),
    )
    submit = SubmitField(_l("Mark as held"))


class CancelForm(_ActionForm):
    submit = SubmitField(_l("Cancel this stage"))


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
        _l("Direction"), choices=[SelectChoice("up", _l("Up")), SelectChoice("down", _l("Down"))]
    )


# --- The campaign's key messages -----------------------------------------------------------


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _key_message_limit() -> Length:
    return Length(
        max=KEY_MESSAGE_LIMIT,
        message=_l(
            "Keep a key message to %(limit)s characters at most.",
            limit=LazyString(format_number, KEY_MESSAGE_LIMIT),
        ),
    )


def _language(code: str) -> str:
    """The language named in the reader's, as a label ("French"; "Français" in French):
    Babel's CLDR names, as every page names languages (crm.i18n.language_label)."""
    name = language_label(code)
    return name[:1].upper() + name[1:]


def _in_its_language(code: str) -> dict[str, str]:
    """What a text box for `code` says of what is typed in it: its language and direction
    (Arabic from right to left, whatever the page's)."""
    return {"lang": code, "dir": "rtl" if right_to_left(code) else "ltr"}


class KeyMessageForm(VersionedForm):
    """A key message in English, and in each other language of the CRM (`text_fr`…, added
    below from crm.i18n.LOCALES); a translation left empty is none, and the packs in that
    language print the English."""

    text = TextAreaField(
        LazyString(_language, DEFAULT_LOCALE),
        filters=[_stripped],
        validators=[DataRequired(_l("Enter the key message in English.")), _key_message_limit()],
        description=_l(
            "Packs in a language without a translation print this text. At most %(limit)s "
            "characters.",
            limit=LazyString(format_number, KEY_MESSAGE_LIMIT),
        ),
        render_kw=_in_its_language(DEFAULT_LOCALE),
    )

    def translations(self) -> dict[str, str | None]:
        """Each language's text as typed (empty: none), by locale; a language whose box the
        form sent did not hold (a page drawn before the CRM spoke it) is left as it is."""
        return {
            code: field.data
            for code in TRANSLATED_LOCALES
            if (field := self[translation_field(code)]).raw_data
        }

    def translation_fields(self) -> list[Any]:
        return [self[translation_field(code)] for code in TRANSLATED_LOCALES]


for _code in TRANSLATED_LOCALES:
    setattr(
        KeyMessageForm,
        translation_field(_code),
        TextAreaField(
            LazyString(_language, _code),
            filters=[_stripped],
            validators=[Optional(), _key_message_limit()],
            render_kw=_in_its_language(_code),
        ),
    )


class KeyMessageLabels(KeyMessageForm):
    """What a conflict on a key message calls its fields (crm.records.conflict lists them by
    name): the form's labels, and its place in the list, which moving a message changes."""

    position = IntegerField(_l("Place in the list"))
