"""What every editing form shares: the version it was opened on, a one-time submission key,
and showing errors; and what the administrators' logs (audit, security) share: their date
and page filters."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, Form, HiddenField, IntegerField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp

from crm.errors import DomainError
from crm.extensions import db
from crm.parliament.services.rules import OVERRIDE_REASON_LIMIT
from crm.submissions import KEY_PATTERN, new_key


class VersionedForm(FlaskForm):
    """An edit form remembering the record's version, so a stale save is refused."""

    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$", message=_l("Bad version."))])

    @property
    def expected_version(self) -> int | None:
        # Optional() lets blank or whitespace-only through without the Regexp check.
        value = (self.version.data or "").strip()
        return int(value) if value else None


def do_not_contact_fields(reason_label: str, description: str) -> tuple[Any, Any]:
    """The confirmation that goes ahead with someone who asked not to be contacted (logging
    a contact with them, inviting them): a tick and a reason, kept in the audit log
    (crm.parliament.services.do_not_contact_override says when it is needed). Assigned
    where they stand in the form, so that their errors are listed in the page's order."""
    confirmed = BooleanField(_l("I know they asked not to be contacted"))
    reason = TextAreaField(
        reason_label,
        validators=[
            Optional(),
            Length(
                max=OVERRIDE_REASON_LIMIT,
                message=_l(
                    "Keep the reason to %(limit)s characters at most.",
                    limit=LazyString(format_number, OVERRIDE_REASON_LIMIT),
                ),
            ),
        ],
        description=description,
    )
    return confirmed, reason


class DoNotContactFields:
    """What a form with `do_not_contact_fields` (as do_not_contact_confirmed and
    do_not_contact_reason) does with them; its `validate` calls `reason_confirmed()`."""

    do_not_contact_confirmed: Any
    do_not_contact_reason: Any

    @property
    def do_not_contact_given(self) -> str | None:
        """The reason, given only with the confirmation ticked: a reason alone is not a
        "yes"."""
        return self.do_not_contact_reason.data if self.do_not_contact_confirmed.data else None

    @property
    def asks_override(self) -> bool:
        """Whether to show the confirmation without a script: it was refused for lack of
        it, or it was filled in."""
        return bool(
            self.do_not_contact_reason.errors
            or self.do_not_contact_confirmed.errors
            or self.do_not_contact_reason.data
            or self.do_not_contact_confirmed.data
        )

    def reason_confirmed(self) -> bool:
        if self.do_not_contact_reason.data and not self.do_not_contact_confirmed.data:
            self.do_not_contact_confirmed.errors.append(
                _("Tick this box to confirm, or clear the reason.")
            )
            return False
        return True


class OnceForm(FlaskForm):
    """A form that makes a record, sent at most once: it carries a submission key made when
    it is drawn (kept when it is shown again with errors), so a double tap or a resend
    makes the record once (crm.saving.save_once, crm.submissions)."""

    submission_key = HiddenField(
        default=new_key,
        validators=[
            Optional(),
            Regexp(KEY_PATTERN, message=_l("The form was damaged; try again.")),
        ],
    )

    @property
    def sent_key(self) -> str | None:
        """The key the browser sent, or None (an older form without one; no key is made up
        for it, which would make every sending look like a first)."""
        if not self.submission_key.raw_data:
            return None
        return (self.submission_key.data or "").strip() or None

    def renew_key(self) -> None:
        self.submission_key.data = new_key()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.submission_key.errors:
            # A hidden field's error is said at the top; the form shown again gets a good key.
            self.form_errors.extend(self.submission_key.errors)
            self.renew_key()
        return valid


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error next to the field it is about, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # WTForms keeps errors as a tuple until validation has run.
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def page_number(form: Any) -> int:
    """The page of a list its filters ask for: their `page`, or the first when that is
    missing or invalid."""
    return form.page.data if form.page.data and not form.page.errors else 1


def requested_page() -> int:
    """The page of a list that has no filters, from the query string's `page`: the first
    when it is missing or not a number, and never past the lists' last possible page."""
    return max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))


class LogFilterForm(Form):
    """A log's filters from the query string: its own fields, and these three."""

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=1_000_000)])


def distinct_choices(column: Any) -> list[SelectChoice]:
    """ "Any", then every value the column holds, for a filter's choices."""
    values = db.session.scalars(sa.select(column).distinct().where(column.is_not(None)))
    return [SelectChoice("", _("Any"))] + [SelectChoice(v, v) for v in sorted(values)]


def counts_by_status(column: Any) -> list[tuple[Any, int]]:
    """How many rows hold each member of a status column's enum (none: 0), in its order."""
    counts = dict(db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all())
    return [(status, counts.get(status, 0)) for status in column.type.enum_class]


def log_page(form: LogFilterForm, stmt: sa.Select, at: Any, id_: Any, valid: bool) -> Pagination:
    """The page of a log the filters ask for, newest first: between the days `since` and
    `until` (whole UTC days), when the filters are valid (else the whole log, page one)."""
    if valid and form.since.data:
        stmt = stmt.where(at >= datetime.combine(form.since.data, time(), UTC))
    if valid and form.until.data:
        stmt = stmt.where(at < datetime.combine(form.until.data, time.max, UTC))
    return db.paginate(
        stmt.order_by(id_.desc()),
        page=form.page.data if valid and form.page.data else 1,
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
