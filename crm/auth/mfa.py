"""The second factor: TOTP codes (RFC 6238), one-time recovery codes and the enrolment QR code.

Services here change the session and audit; they never commit (the views do). Only pages call
them, so their refusals are said in the reader's language.

- A code is accepted for the time step before, at and after now (clocks on phones drift),
  and only if its step is later than the last one accepted: the check and the update are one
  UPDATE statement, so two workers given the same code cannot both accept it.
- Recovery codes are 80 random bits each, so a plain SHA-256 digest is enough to store them
  (nobody can try 2^80 guesses); each is spent by an UPDATE that only one request can win.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm.attributes import set_committed_value

from crm.audit.services import record
from crm.auth.models import RecoveryCode, User, hash_token
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.extensions import db

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now that are still accepted.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 16  # 16 characters of 31: about 79 bits


def required_roles() -> frozenset[str]:
    """The roles that must have a second factor (MFA_REQUIRED_ROLES, comma-separated)."""
    setting = current_app.config.get("MFA_REQUIRED_ROLES") or ""
    names = setting.split(",") if isinstance(setting, str) else setting
    return frozenset(str(name).strip().lower() for name in names if str(name).strip())


def is_required(user: User) -> bool:
    return user.role.value in required_roles()


def lacks_required_factor(user: User) -> bool:
    """A user whose role needs a second factor and who has none: their password alone opens
    nothing (no session, API token or calendar link) until they enrol."""
    return not user.has_second_factor and is_required(user)


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 advises


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config.get("MFA_ISSUER", "ICC campaign CRM")
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code, drawn here: the secret goes to no QR service.

    segno writes presentation attributes only (no `style`), which the CSP allows.
    """
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", border=4, svgclass="qr-code", lineclass=None,
        title=_("QR code to scan with your authenticator app"),
    )  # fmt: skip
    return Markup(svg)  # noqa: S704 (segno's own output, the URI escaped by segno)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_step(now: datetime | None = None) -> int:
    return int((now or utcnow()).timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The time step near now whose code is `code`, if any."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _digits(code: str) -> str | None:
    compact = re.sub(r"[\s-]", "", code or "")
    return compact if re.fullmatch(rf"\d{{{DIGITS}}}", compact) else None


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _spend_step(user: User, step: int) -> bool:
    """Record `step` as the last one used, unless it (or a later one) already was."""
    now = utcnow()
    result = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step)
        )
        .values(totp_last_step=step, totp_last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("sa.CursorResult[Any]", result).rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    set_committed_value(user, "totp_last_used_at", now)
    return True


def _spend_recovery_code(user: User, code: str) -> bool:
    compact = normalise_recovery_code(code)
    if len(compact) != _RECOVERY_LENGTH:
        return False
    now = utcnow()
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(compact),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("sa.CursorResult[Any]", result).rowcount != 1:
        return False
    user.totp_last_used_at = now
    return True


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    # "totp" or "recovery" when ok; why not otherwise (for the audit log, never the page).
    detail: str


def check_code(user: User, code: str, *, allow_recovery: bool = True) -> CodeCheck:
    """Check a code from the app (or a recovery code) and spend it; nothing is audited here."""
    if user.totp_secret is None:
        return CodeCheck(False, "no second factor")
    digits = _digits(code)
    if digits is not None:
        step = _matching_step(user.totp_secret, digits)
        if step is None:
            return CodeCheck(False, "wrong code")
        if not _spend_step(user, step):
            return CodeCheck(False, "code already used")
        return CodeCheck(True, "totp")
    if allow_recovery and _spend_recovery_code(user, code):
        return CodeCheck(True, "recovery")
    return CodeCheck(False, "wrong recovery code" if allow_recovery else "wrong code")


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_token(normalise_recovery_code(code)))
        for code in codes
    )
    return codes


def start_enrolment(actor: User) -> str:
    """A fresh pending secret for the actor (an earlier pending one stops working)."""
    actor.totp_pending_secret = new_secret()
    record(actor, "second_factor_enrolment_started", actor)
    db.session.flush()
    return actor.totp_pending_secret


def confirm_enrolment(actor: User, code: str) -> list[str]:
    """Make the pending secret the actor's factor once a code from it is right.

    Returns the new recovery codes, to be shown once. The old factor (if any) and its
    recovery codes stop working.
    """
    secret = actor.totp_pending_secret
    if secret is None:
        raise ValidationFailed(_("Start the set-up again: it had expired."), field="code")
    digits = _digits(code)
    step = _matching_step(secret, digits) if digits else None
    if step is None:
        record(actor, "second_factor_refused", actor, summary="enrolment: wrong code")
        raise ValidationFailed(
            _(
                "That code is not right. Check the app shows this account, then enter its "
                "newest code."
            ),
            field="code",
        )
    now = utcnow()
    replacing = actor.totp_secret is not None
    actor.totp_secret = secret
    actor.totp_pending_secret = None
    actor.totp_enrolled_at = now
    actor.totp_last_used_at = now
    actor.totp_last_step = step
    codes = _replace_recovery_codes(actor)
    record(actor, "second_factor_enrolled", actor, summary="replaced" if replacing else None)
    db.session.flush()
    return codes


def regenerate_recovery_codes(actor: User) -> list[str]:
    """Ten new recovery codes for the actor; the old ones stop working."""
    if actor.totp_secret is None:
        raise ValidationFailed(_("Set up a second factor first."))
    codes = _replace_recovery_codes(actor)
    record(actor, "recovery_codes_regenerated", actor)
    db.session.flush()
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_enrolled_at = None
    user.totp_last_used_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(actor: User) -> None:
    """The actor removes their own second factor (not allowed where their role needs one)."""
    if actor.totp_secret is None:
        raise ValidationFailed(_("You have no second factor to turn off."))
    if is_required(actor):
        raise ValidationFailed(
            _(
                "Your role needs a second factor, so it cannot be turned off. "
                "To move to a new phone, set up a new authenticator instead."
            )
        )
    _clear(actor)
    record(actor, "second_factor_disabled", actor)
    db.session.flush()


def reset(actor: User, user: User) -> tuple[int, int]:
    """An administrator removes another user's second factor (a lost phone) and ends every
    session and token of theirs; returns how many sessions and tokens ended.

    If their role needs a factor, they enrol a new one at their next sign-in.
    """
    from crm.auth.permissions import Page, require
    from crm.auth.services import end_credentials

    require(actor, "view", Page.USER_ADMIN)
    if actor.id == user.id:
        raise ValidationFailed(_("Reset your own second factor from your account page."))
    had = user.totp_secret is not None or user.totp_pending_secret is not None
    _clear(user)
    sessions, tokens = end_credentials(user, reason="second factor reset", actor=actor)
    record(
        actor,
        "second_factor_reset",
        user,
        before={"enrolled": had},
        after={"enrolled": False},
        summary=f"{sessions} session(s) and {tokens} token(s) ended",
    )
    db.session.flush()
    return sessions, tokens
