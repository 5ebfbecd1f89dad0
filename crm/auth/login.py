"""Flask-Login wiring: the cookie holds a server-side session token, not the user id.

Every signed-in request loads its user here, in one query: the user's row, the three times of
the session the request needs, and the states of the user's sections (one row per state; the
sections themselves are not loaded). Nothing is written: activity is noted at most every few
minutes, apart from the request's work (crm.web._touch_session).
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext

from crm.auth import mfa
from crm.auth.models import User, UserSession, hash_token, section_states, user_sections
from crm.db import utcnow
from crm.extensions import db, login_manager
from crm.i18n import marked


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = marked("Please sign in to see this page.")
    # Said in the reader's language (Flask-Login passes its messages through this).
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    # A stolen cookie used from elsewhere is not prevented by this, but it is revocable:
    # "strong" would sign people out whenever a phone changes network.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        return load_session_user(token)


@functools.cache
def _session_query() -> sa.Select[Any]:
    """The user, the session's times and the user's states, by the token's hash: built once
    (a statement is costlier to build than to run from SQLAlchemy's compiled cache)."""
    return (
        sa.select(
            User,
            UserSession.last_seen_at,
            UserSession.expires_at,
            UserSession.reauthenticated_at,
            section_states.c.state_id,
        )
        .join(UserSession, UserSession.user_id == User.id)
        .outerjoin(user_sections, user_sections.c.user_id == User.id)
        .outerjoin(section_states, section_states.c.section_id == user_sections.c.section_id)
        .where(
            UserSession.token_hash == sa.bindparam("token_hash"), UserSession.revoked_at.is_(None)
        )
    )


def load_session_user(token: str) -> User | None:
    """The user of a live session, or None when it is unknown, revoked, expired or idle, or
    its user is disabled or lacks a second factor their role requires, in one lean query.
    Flask-Login calls it once per request and keeps the answer (`g._login_user`)."""
    now = utcnow()
    rows = db.session.execute(_session_query(), {"token_hash": hash_token(token)}).all()
    if not rows:
        return None
    user, last_seen_at, expires_at, reauthenticated_at, _state = rows[0]
    if expires_at <= now:
        return None
    if now - last_seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]:
        return None
    if not user.is_enabled:
        return None
    if mfa.lacks_required_factor(user):
        # A session from before the role needed a factor (or before an admin reset it):
        # the user signs in again and is sent to enrolment.
        return None
    user.session_token = token
    user.session_last_seen_at = last_seen_at
    user.session_reauthenticated_at = reauthenticated_at
    user.loaded_state_ids = frozenset(row.state_id for row in rows if row.state_id is not None)
    return user
