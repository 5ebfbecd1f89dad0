"""Re-authentication before sensitive changes (ASVS 6.3.3 / 7.5.x).

Creating an API token or calendar link, changing the password, turning the second factor on
or off, new recovery codes and every administrator change to users need the browser to have
proved who it is within `REAUTH_MAX_AGE` (10 minutes): with the password and, for users who
have one, a code from their second factor. Signing in counts as proving it. The time is kept
on the server-side session row, so it ends with that session and a copied cookie cannot
carry it anywhere else.

Views call `stale_auth_redirect(back)` after their permission check (so a refused user sees
403, not a password prompt), or `security_change_refused(back)` for a change posted with a
confirmation form.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user  # type: ignore[import-untyped]
from werkzeug.wrappers import Response

from crm.audit.services import record
from crm.auth.forms import ConfirmForm
from crm.auth.models import User, UserSession, hash_token
from crm.db import utcnow
from crm.extensions import db

DEFAULT_MAX_AGE = timedelta(minutes=10)


def max_age() -> timedelta:
    setting = current_app.config.get("REAUTH_MAX_AGE")
    return setting if isinstance(setting, timedelta) else DEFAULT_MAX_AGE


def max_age_minutes() -> int:
    """REAUTH_MAX_AGE as the pages say it."""
    return max(1, int(max_age().total_seconds() // 60))


def is_recent(user: Any, now: datetime | None = None) -> bool:
    """Did this session prove who it is within the last REAUTH_MAX_AGE?"""
    at = getattr(user, "session_reauthenticated_at", None)
    return at is not None and (now or utcnow()) - at <= max_age()


def mark_reauthenticated(user: User, *, how: str) -> None:
    """Note on the current session that its user has just proved who they are."""
    now = utcnow()
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == hash_token(user.session_token or ""))
        .values(reauthenticated_at=now)
    )
    user.session_reauthenticated_at = now
    record(user, "reauthenticated", user, summary=how)


def stale_auth_redirect(back: str) -> Response | None:
    """None when the current session re-authenticated recently enough; otherwise a redirect
    to the re-authentication page, which returns to `back` (a path on this site)."""
    if is_recent(current_user):
        return None
    flash(_("For your security, confirm it is you, then try again."), "info")
    return redirect(url_for("auth.reauthenticate", next=back))


def security_change_refused(back: str) -> Response | None:
    """For a change to account security posted with only a confirmation form: a redirect
    when it may not go ahead (no recent re-authentication, or the form expired), else None."""
    stale = stale_auth_redirect(back)
    if stale is not None:
        return stale
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(back)
    return None
