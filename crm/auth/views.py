"""Sign in, sign out, and the account page (password, sessions)."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from crm.auth import services
from crm.auth.forms import ConfirmForm, LoginForm, PasswordChangeForm
from crm.auth.models import User
from crm.auth.permissions import Page, require
from crm.errors import NotFound, ValidationFailed
from crm.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site after sign-in.

    The path is rebuilt from its parsed parts: `urlsplit` drops line breaks and tabs, and
    the raw string could still carry them into the Location header.
    """
    if target and target.isprintable():
        parts = urlsplit(target)
        local = parts.path.startswith("/") and not parts.path.startswith(("//", "/\\"))
        if not parts.scheme and not parts.netloc and local:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("risk.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("risk.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        signed_in = services.authenticate(
            form.email.data,
            form.password.data,
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
        )
        db.session.commit()
        if signed_in is None:
            form.password.errors.append("The e-mail address or password is not right.")
        else:
            # A fresh session: nothing from before sign-in is carried over.
            session.clear()
            login_user(signed_in.user)
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_session(current_user._get_current_object(), current_user.session_token)
        db.session.commit()
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            token = services.change_password(
                user,
                form.current_password.data,
                form.new_password.data,
                ip=request.remote_addr,
                user_agent=request.user_agent.string,
            )
        except ValidationFailed as error:
            db.session.rollback()
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            user.session_token = token
            login_user(user)
            flash(
                "Your password has been changed; your other sessions have been signed out.",
                "success",
            )
            return redirect(url_for("auth.account"))
    status = 422 if form.errors else 200
    return render_template(
        "auth/account.html",
        form=form,
        sessions=services.live_sessions(user),
        current_token_hash=_current_hash(),
        revoke_form=ConfirmForm(),
    ), status


def _current_hash() -> str:
    from crm.auth.models import hash_token

    return hash_token(current_user.session_token)


@bp.post("/account/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("auth.account"))
    services.revoke_session(current_user._get_current_object(), session_id)
    db.session.commit()
    flash("That session has been signed out.", "success")
    return redirect(url_for("auth.account"))


@bp.get("/admin/users")
@login_required
def users():
    require(current_user, "view", Page.USER_ADMIN)
    rows = db.session.scalars(
        sa.select(User).options(sa.orm.selectinload(User.sections)).order_by(User.email)
    ).all()
    return render_template("admin/users.html", users=rows, form=ConfirmForm())


@bp.post("/admin/users/<int:user_id>/<any(enable, disable):change>")
@login_required
def set_enabled(user_id: int, change: str):
    require(current_user, "view", Page.USER_ADMIN)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("auth.users"))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    try:
        services.set_user_enabled(current_user._get_current_object(), user, change == "enable")
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{user.email} is now {'enabled' if change == 'enable' else 'disabled'}.", "success")
    return redirect(url_for("auth.users"))
