"""Signing in step by step, and re-authenticating: password, then a code for users who have
a second factor. Services: they audit and flush, never commit.

A session is opened only by `complete`, once every step has passed. Every failed password and
refused code is audited and counted by the per-account throttle (crm.auth.throttle); while an
account is locked, even the right password is refused with `AccountLocked`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash

from crm.audit.services import record
from crm.auth import mfa, throttle
from crm.auth.models import User
from crm.auth.reauth import mark_reauthenticated
from crm.auth.services import SignIn, _dummy_hash, _open_session, get_user_by_email, normalise_email
from crm.db import utcnow
from crm.errors import DomainError, ValidationFailed
from crm.extensions import db
from crm.i18n import marked


class AccountLocked(DomainError):
    """Too many failures for this account lately: wait, whatever the password."""

    status = 429
    title = marked("Too many attempts")

    def __init__(self, until: datetime) -> None:
        minutes = throttle.minutes_left(until)
        super().__init__(
            ngettext(
                "Too many failed attempts for this account. For its safety, signing in is "
                "paused: try again in %(num)d minute.",
                "Too many failed attempts for this account. For its safety, signing in is "
                "paused: try again in %(num)d minutes.",
                minutes,
            )
        )
        self.until = until

    @property
    def retry_after(self) -> int:
        return max(1, int((self.until - utcnow()).total_seconds()) + 1)


@dataclass(frozen=True)
class PasswordPassed:
    """The password was right: `needs` says what comes next ("nothing", "code", "enrolment")."""

    user: User
    needs: str


def _refuse_if_locked(email: str, actor: User | None) -> None:
    until = throttle.locked_until(email)
    if until is not None:
        record(
            actor,
            "login_failed",
            actor,
            actor_email=None if actor else normalise_email(email)[:254],
            summary="account locked after repeated failures",
        )
        db.session.flush()
        raise AccountLocked(until)


def _count_failure(email: str) -> None:
    # The failure that starts a lockout is answered like any other; the next attempt is not.
    throttle.note_failure(email)
    db.session.flush()


def check_password(email: str, password: str) -> PasswordPassed | None:
    """The first step. None when the password is not right (audited and counted); raises
    AccountLocked while the account is locked, whatever the password."""
    email = normalise_email(email)
    user = get_user_by_email(email)
    _refuse_if_locked(email, user)
    if user is None:
        check_password_hash(_dummy_hash(), password)  # as slow as a known e-mail
        record(None, "login_failed", actor_email=email[:254], summary="unknown e-mail")
    elif not check_password_hash(user.password_hash, password):
        record(user, "login_failed", user, summary="wrong password")
    elif not user.is_enabled:
        record(user, "login_failed", user, summary="account disabled")
    else:
        if user.has_second_factor:
            needs = "code"
        elif mfa.lacks_required_factor(user):
            needs = "enrolment"
        else:
            needs = "nothing"
        return PasswordPassed(user, needs)
    _count_failure(email)
    return None


def check_code(user: User, code: str) -> str | None:
    """The second step: "totp" or "recovery" when the code is right, else None (audited and
    counted). Raises AccountLocked like `check_password`."""
    _refuse_if_locked(user.email, user)
    if not user.is_enabled:
        record(user, "login_failed", user, summary="account disabled")
        db.session.flush()
        return None
    result = mfa.check_code(user, code)
    if result.ok:
        return result.detail
    record(user, "second_factor_refused", user, summary=f"sign-in: {result.detail}")
    _count_failure(user.email)
    return None


def complete(user: User, *, how: str, ip: str | None, user_agent: str | None) -> SignIn:
    """Every step passed: open the server-side session and forget earlier failures."""
    token = _open_session(user, ip, user_agent)
    user.last_login_at = utcnow()
    throttle.clear(user.email)
    record(user, "login", user, summary=how)
    db.session.flush()
    return SignIn(user, token)


def reauthenticate(user: User, password: str, code: str) -> None:
    """Prove again who is at the keyboard: the password and, for users who have a second
    factor, a code. Failures are audited, counted and raise ValidationFailed (by field)."""
    _refuse_if_locked(user.email, user)
    if not check_password_hash(user.password_hash, password):
        record(user, "login_failed", user, summary="re-authentication: wrong password")
        _count_failure(user.email)
        raise ValidationFailed(_("The password is not right."), field="password")
    how = "password"
    if user.has_second_factor:
        result = mfa.check_code(user, code)
        if not result.ok:
            record(
                user, "second_factor_refused", user, summary=f"re-authentication: {result.detail}"
            )
            _count_failure(user.email)
            raise ValidationFailed(
                _(
                    "That code is not right, or was already used. Enter the newest code from "
                    "your app."
                ),
                field="code",
            )
        how = f"password and {'recovery code' if result.detail == 'recovery' else 'code'}"
    mark_reauthenticated(user, how=how)
    db.session.flush()
