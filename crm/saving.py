"""Saving a submitted form in one transaction: its write through its service, committed
at the request's end (crm.web.App), or all of it rolled back and its errors shown next to
its fields; a one-button write's outcome told on the next page; a form that makes a record
carried out once, however often it is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask import flash, request
from flask_babel import gettext as _

from crm.errors import Conflict, DomainError, PermissionDenied
from crm.extensions import db
from crm.forms import OnceForm, show_error
from crm.web import current_actor

T = TypeVar("T")


@dataclass(frozen=True)
class Saved:
    """What became of a submitted form: saved, or not (with the conflict, if that was why)."""

    ok: bool
    conflict: Conflict | None = None
    # What the write returned (the new record, for a create).
    value: Any = None
    # Where to go next (save_once): the new record's page, or the first sending's.
    location: str | None = None
    # The form had been sent and saved before (save_once): nothing was written this time.
    replayed: bool = False


def form_status(conflict: Conflict | None = None) -> int:
    """The status of a form page: 409 after a conflict, 422 when a submitted form is shown
    again with its errors, 200 when it is first opened."""
    if conflict is not None:
        return 409
    return 422 if request.method == "POST" else 200


def flash_outcome(
    write: Callable[[], T],
    done: str | Callable[[T], str],
    *,
    refusal: type[DomainError] = DomainError,
) -> bool:
    """A one-button write (no form to show again), its outcome told on the next page: `done`
    (or the message made from what the write returned) when it was written, else the
    service's `refusal` as an error, with all of it rolled back. Returns whether it was."""
    try:
        value = write()
    except PermissionDenied:
        raise  # a refusal of permission is a 403 (and in the security log), not a message
    except refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    flash(done(value) if callable(done) else done, "success")
    return True


def save(
    form: Any, write: Callable[[], Any], *, show: Callable[[Any, DomainError], None] | None = None
) -> Saved:
    """Run a form's write through its service (committed at the request's end), or roll all
    of it back.

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
        raise  # a 403; the request's rollback takes back what was begun
    except DomainError as error:
        db.session.rollback()
        (show or show_error)(form, error)
        return Saved(ok=False)
    return Saved(ok=True, value=value)


# What a form saved once answers, and answers again to the same form sent twice.
SAVED_FORM_STATUS = 302


def save_once(
    form: OnceForm,
    write: Callable[[], T],
    *,
    location: Callable[[T], str],
    already: str,
    show: Callable[[Any, DomainError], None] | None = None,
) -> Saved:
    """`save` for a form that makes a record, carried out once however often it is sent.

    The form's submission key is claimed for the signed-in user before the write, in the
    request's transaction (crm.submissions): the same form sent again (a double tap, a
    resend after a timeout) writes nothing and comes back `replayed`, with the `location`
    its first sending went to and the kind message `already` flashed. A key that was used
    for another sending is refused with a message, and the form gets a new one. A failed
    save rolls its claim back with it, so the corrected form can be sent with the same key.
    A form sent without a key (an old page) is saved as `save` would.
    """
    from crm import submissions

    key = form.sent_key
    if key is None:
        saved = save(form, write, show=show)
        return replace(saved, location=location(saved.value)) if saved.ok else saved
    claimed = submissions.claim(current_actor().id, key, _form_fingerprint())
    if not claimed.first:
        if claimed.same_request:
            flash(already, "info")
            return Saved(ok=True, location=claimed.row.location, replayed=True)
        form.form_errors.append(
            _(
                "This form had already been sent with other values, and saved then. Nothing "
                "was saved this time: check the record it made, or send this form again to "
                "save it too."
            )
        )
        form.renew_key()
        return Saved(ok=False)
    saved = save(form, write, show=show)
    if not saved.ok:
        return saved  # rolled back, the claim with it: the key stays unused
    where = location(saved.value)
    submissions.remember(claimed, SAVED_FORM_STATUS, location=where)
    return replace(saved, location=where)


def _form_fingerprint() -> str:
    from crm import submissions

    # The CSRF token changes when a form is drawn again; the key is what is being checked.
    body = {
        name: values
        for name, values in sorted(request.form.lists())
        if name not in ("csrf_token", "submission_key")
    }
    return submissions.fingerprint(request.method, request.path, body)
