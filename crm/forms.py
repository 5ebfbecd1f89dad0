"""What every editing form shares: the version it was opened on, and showing errors."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from crm.errors import DomainError


class VersionedForm(FlaskForm):
    """An edit form remembering the record's version, so a stale save is refused."""

    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$", message="Bad version.")])

    @property
    def expected_version(self) -> int | None:
        # Optional() lets blank or whitespace-only through without the Regexp check.
        value = (self.version.data or "").strip()
        return int(value) if value else None


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error next to the field it is about, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # WTForms keeps errors as a tuple until validation has run.
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
