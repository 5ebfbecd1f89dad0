"""What every editing form shares: the version it was opened on, showing errors, and
saving (one transaction per submitted form)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from crm.errors import Conflict, DomainError, PermissionDenied
from crm.extensions import db


class VersionedForm(FlaskForm):
    """An edit form remembering the record's version, so a stale save is refused."""

    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$", message="Bad version.")])

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if self.version.data else None


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error next to the field it is about, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # WTForms keeps errors as a tuple until validation has run.
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@dataclass(frozen=True)
class Saved:
    """What became of a submitted form: saved, or not (with the conflict, if that was why)."""

    ok: bool
    conflict: Conflict | None = None
    # What the write returned (the new record, for a create).
    value: Any = None

    @property
    def status(self) -> int:
        """The status of the page shown again when the form was not saved."""
        return 409 if self.conflict is not None else 422


def save(
    form: FlaskForm,
    write: Callable[[], Any],
    *,
    show: Callable[[Any, DomainError], None] | None = None,
) -> Saved:
    """Run a form's write through its service and commit it, or roll all of it back.

    A conflict (someone saved first) carries the record's current version into the form,
    so that saving again is a conscious overwrite; another broken rule is shown next to
    its field (by `show`, for a form that places errors its own way). A refusal of
    permission is not a form error: it answers 403.
    """
    try:
        value = write()
    except Conflict as error:
        db.session.rollback()
        version = getattr(form, "version", None)
        if version is not None and "current_version" in error.changes:
            version.data = str(error.changes["current_version"])
        return Saved(ok=False, conflict=error)
    except PermissionDenied:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        (show or show_error)(form, error)
        return Saved(ok=False)
    db.session.commit()
    return Saved(ok=True, value=value)
