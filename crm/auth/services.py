"""Accounts and sign-in: passwords, server-side sessions, enabling and disabling users."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from crm.audit.services import record
from crm.auth import mfa, passwords
from crm.auth.models import (
    PREFIX_LENGTH,
    TOKEN_MARK,
    ApiToken,
    Role,
    Section,
    TokenScope,
    User,
    UserSession,
    hash_token,
    new_token,
)
from crm.auth.permissions import Page, require
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.extensions import db

# The policy lives in crm.auth.passwords; the length is re-exported for the forms.
MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH
# Checked against when the e-mail is unknown, so a failed sign-in takes as long either way.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def _dummy_hash() -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_HASH[method]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_new_password(
    password: str, *, email: str = "", name: str = "", field: str = "new_password"
) -> None:
    """Refuse a password the policy refuses (crm.auth.passwords), saying why."""
    problem = passwords.password_problem(password, email=email, name=name)
    if problem is not None:
        raise ValidationFailed(problem, field=field)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


@dataclass(frozen=True)
class SignIn:
    user: User
    token: str


def _open_session(user: User, ip: str | None, user_agent: str | None) -> str:
    token = new_token()
    now = utcnow()
    db.session.add(
        UserSession(
            user=user,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + current_app.config["SESSION_MAX_AGE"],
            ip_address=ip,
            user_agent=(user_agent or "")[:300] or None,
            # Signing in proves who it is, like re-authenticating (crm.auth.reauth).
            reauthenticated_at=now,
        )
    )
    user.session_token = token
    user.session_reauthenticated_at = now
    return token


# Signing in itself (password, then a code) is in crm.auth.signin; loading a session's user
# on each request is crm.auth.login.load_session_user.


# Activity is noted at most this often, so reading pages rarely needs a write.
TOUCH_INTERVAL = timedelta(minutes=5)


def session_needs_touch(user: User, now: datetime | None = None) -> bool:
    last_seen = getattr(user, "session_last_seen_at", None)
    return last_seen is not None and (now or utcnow()) - last_seen > TOUCH_INTERVAL


def touch_session(token: str) -> None:
    """Note activity, so an idle session can expire (done at most every few minutes)."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == hash_token(token))
        .values(last_seen_at=utcnow())
    )


def choose_language(user: User, locale: str | None) -> None:
    """The interface's language the user chose (a code of crm.i18n.LOCALES), or None to
    follow their browser's; audited when it changes."""
    before = user.locale
    if locale == before:
        return
    user.locale = locale
    record(user, "language_changed", user, before={"locale": before}, after={"locale": locale})


def end_session(user: User, token: str) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    record(user, "logout", user)


def revoke_sessions(user: User, *, keep_token: str | None = None) -> int:
    """End every live session of the user (but the one kept); returns how many ended."""
    stmt = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_token is not None:
        stmt = stmt.where(UserSession.token_hash != hash_token(keep_token))
    result = db.session.execute(stmt.values(revoked_at=utcnow()))
    # An UPDATE's result is a CursorResult (SQLAlchemy types execute() more loosely).
    return cast("sa.CursorResult[Any]", result).rowcount or 0


def live_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def revoke_session(actor: User, session_id: int) -> None:
    """End one of the actor's own sessions (e.g. a phone left behind)."""
    session = db.session.get(UserSession, session_id)
    if session is None or session.user_id != actor.id:
        from crm.errors import NotFound

        raise NotFound("No such session.")
    if session.revoked_at is None:
        session.revoked_at = utcnow()
        record(actor, "session_revoked", actor, summary=f"session {session_id}")


def change_password(
    actor: User,
    current_password: str,
    new_password: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Change the actor's own password, end all their sessions and open a fresh one.

    Returns the new session token for the browser that made the change.
    """
    if not check_password_hash(actor.password_hash, current_password):
        raise ValidationFailed("The current password is not right.", field="current_password")
    check_new_password(new_password, email=actor.email, name=actor.name)
    if current_password == new_password:
        raise ValidationFailed(
            "Choose a password different from the current one.", field="new_password"
        )
    actor.password_hash = hash_password(new_password)
    actor.password_changed_at = utcnow()
    end_credentials(actor, reason="password changed", actor=actor)
    record(actor, "password_changed", actor)
    return _open_session(actor, ip, user_agent)


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    sections: Iterable[Section] = (),
) -> User:
    """Create an account. `actor` is None only for the command line and the demo loader."""
    if actor is not None:
        require(actor, "view", Page.USER_ADMIN)
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationFailed("Enter a valid e-mail address.", field="email")
    if get_user_by_email(email) is not None:
        raise ValidationFailed("An account with this e-mail already exists.", field="email")
    check_new_password(password, email=email, name=name.strip(), field="password")
    sections = list(sections)
    if role is Role.SECTION and not sections:
        raise ValidationFailed(
            "A section member belongs to at least one section.", field="sections"
        )
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=hash_password(password),
        sections=sections,
    )
    db.session.add(user)
    db.session.flush()
    record(
        actor,
        "user_created",
        user,
        after={"email": email, "role": role.value, "sections": [s.name for s in sections]},
    )
    return user


def set_user_enabled(actor: User | None, user: User, enabled: bool) -> None:
    """Enable or disable an account; disabling ends all its sessions at once."""
    if actor is not None:
        require(actor, "view", Page.USER_ADMIN)
        if actor.id == user.id and not enabled:
            raise ValidationFailed("You cannot disable your own account.")
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    ended, tokens = (
        (0, 0) if enabled else end_credentials(user, reason="account disabled", actor=actor)
    )
    record(
        actor,
        "user_enabled" if enabled else "user_disabled",
        user,
        before={"is_enabled": not enabled},
        after={"is_enabled": enabled},
        summary=None if enabled else f"{ended} session(s) and {tokens} token(s) ended",
    )


# API tokens and calendar links last this many days; the owner chooses at creation, within
# the bounds, so a leaked credential dies on its own (ASVS 5.0 V7.3).
TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 365


def token_expires_at(token: ApiToken) -> datetime:
    """When the token stops working. One made before tokens expired lasts the default term."""
    return token.expires_at or token.created_at + timedelta(days=TOKEN_DAYS_DEFAULT)


def token_expired(token: ApiToken, now: datetime | None = None) -> bool:
    return token_expires_at(token) <= (now or utcnow())


def create_token(
    actor: User | None, user: User, *, name: str, scope: TokenScope, days: int = TOKEN_DAYS_DEFAULT
) -> tuple[str, ApiToken]:
    """A new bearer token for `user` that works for `days` days (1 to 365); the raw value is
    returned once and only its hash kept."""
    if actor is not None and actor.id != user.id:
        require(actor, "view", Page.USER_ADMIN)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= TOKEN_DAYS_MAX:
        raise ValidationFailed(f"Choose between 1 and {TOKEN_DAYS_MAX} days.", field="days")
    raw = new_token(TOKEN_MARK)
    now = utcnow()
    expires_at = now + timedelta(days=days)
    token = ApiToken(
        user=user,
        name=(name or "token").strip()[:120],
        scope=scope,
        token_hash=hash_token(raw),
        prefix=raw[:PREFIX_LENGTH],
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    after = {"name": token.name, "scope": scope.value, "prefix": token.prefix}
    record(actor, "token_created", token, after=after | {"expires_at": expires_at.isoformat()})
    return raw, token


def revoke_tokens(user: User, *, reason: str, actor: User | None = None) -> int:
    """Revoke every API token and calendar link of `user` that still works (each audited with
    the reason and `actor`, None for the command line); returns how many. Called when the
    password changes or the account is disabled, so a credential made under the old password or
    by a departed member ends with it."""
    now = utcnow()
    tokens = db.session.scalars(
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ).all()
    ended = 0
    for token in tokens:
        expired = token_expired(token, now)
        token.revoked_at = now
        if not expired:  # an expired one needs no entry: it had already stopped working
            ended += 1
            record(actor, "token_revoked", token, summary=f"{token.prefix}… ({reason})")
    db.session.flush()
    return ended


def end_credentials(user: User, *, reason: str, actor: User | None = None) -> tuple[int, int]:
    """End every session, API token and calendar link of `user` (a password change, a
    disabled account, a second factor reset); returns how many sessions and tokens ended."""
    return revoke_sessions(user), revoke_tokens(user, reason=reason, actor=actor)


def revoke_token_by_prefix(actor: User | None, prefix: str) -> int:
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        if actor is not None and actor.id != token.user_id:
            require(actor, "view", Page.USER_ADMIN)
        token.revoked_at = utcnow()
        record(actor, "token_revoked", token, summary=token.prefix)
    return len(tokens)


# Longer than any token we issue: a bigger value is not worth hashing.
MAX_TOKEN_LENGTH = 200


def live_token(raw: str, scope: TokenScope) -> ApiToken | None:
    """The live token of this scope whose user is enabled (a read; see crm.web.token_user)."""
    if not 0 < len(raw) <= MAX_TOKEN_LENGTH:
        return None
    token = db.session.scalar(
        sa.select(ApiToken)
        .where(
            ApiToken.token_hash == hash_token(raw),
            ApiToken.scope == scope,
            ApiToken.revoked_at.is_(None),
        )
        .options(
            selectinload(ApiToken.user).selectinload(User.sections).selectinload(Section.states)
        )
    )
    if token is None or token_expired(token):
        return None
    if not token.user.is_enabled:
        return None
    if mfa.lacks_required_factor(token.user):
        # As for sessions: a token from before the role needed a factor opens nothing
        # until its owner has one (a password alone must not reach restricted content).
        return None
    return token


def token_needs_touch(token: ApiToken, now: datetime | None = None) -> bool:
    return token.last_used_at is None or (now or utcnow()) - token.last_used_at > TOUCH_INTERVAL


def touch_token(token_id: int) -> None:
    """Note that a token was used, so its owner can tell a live one from a forgotten one."""
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
    )
