"""Sign in (password, then a code), sign out, re-authenticate, the account page (password,
sessions, second factor) and the administrators' users page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

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
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from crm.auth import mfa, services, signin
from crm.auth.forms import (
    CodeForm,
    ConfirmForm,
    EnrolForm,
    LoginForm,
    PasswordChangeForm,
    ReauthForm,
)
from crm.auth.models import User
from crm.auth.permissions import Page, require
from crm.auth.reauth import max_age_minutes, security_change_refused, stale_auth_redirect
from crm.auth.signin import AccountLocked
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.extensions import db, limiter
from crm.i18n import CHOSEN, LOCALES, marked
from crm.saving import flash_outcome, form_status
from crm.web import current_actor, found, safe_next

bp = Blueprint("auth", __name__)

WRONG_SIGN_IN = marked("The e-mail address or password is not right.")
WRONG_CODE = marked(
    "That code is not right, or was already used. Enter the newest code from your app."
)
# Between the password and the code: kept in the signed cookie (not a signed-in session),
# for this long at most.
PENDING_KEY = "pending_sign_in"
PENDING_MAX_AGE = timedelta(minutes=5)

V = TypeVar("V", bound=Callable[..., Any])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: `next` if it is a path on this site (crm.web.safe_next
    is the one check), else the dashboard."""
    return safe_next(target, url_for("states.home"))


def _locked_page(template: str, error: AccountLocked, **context):
    response = current_app.make_response(
        (render_template(template, locked=error.message, **context), 429)
    )
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _security_change(back: str, *, page: Page | None = None) -> Callable[[V], V]:
    """A posted change to sign-in security: the permission for `page` first (403 for
    others), then a recent re-authentication and a fresh form, else back to the page the
    endpoint `back` names (crm.auth.reauth.security_change_refused)."""

    def decorate(view: V) -> V:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if page is not None:
                require(current_user, "view", page)
            refused = security_change_refused(url_for(back))
            return refused if refused is not None else view(*args, **kwargs)

        return cast(V, checked)

    return decorate


# --- Signing in ------------------------------------------------------------------------------


def _fresh_session() -> None:
    """A fresh cookie: nothing from before sign-in is carried over, but the language chosen
    on the sign-in page (a code of crm.i18n.LOCALES, nothing else)."""
    language = session.get(CHOSEN)
    session.clear()
    if language in LOCALES:
        session[CHOSEN] = language


def _start_pending(user: User, needs: str, next_url: str | None) -> None:
    _fresh_session()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "needs": needs,
        "until": (utcnow() + PENDING_MAX_AGE).timestamp(),
        "next": next_url,  # checked where it is followed (_finish_sign_in)
    }


def _pending_user(needs: str) -> User | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or data.get("needs") != needs:
        return None
    if not isinstance(data.get("until"), int | float) or data["until"] < utcnow().timestamp():
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, data.get("user_id"))
    if user is None or not user.is_enabled:
        return None
    if needs == "enrolment" and user.has_second_factor:
        # Enrolled meanwhile (from another browser): a password alone must not replace it.
        session.pop(PENDING_KEY, None)
        return None
    return user


def _finish_sign_in(user: User, how: str, next_url: str | None) -> str:
    """Open the session, commit, and sign this browser in; returns where to go next."""
    signed_in = signin.complete(
        user, how=how, ip=request.remote_addr, user_agent=request.user_agent.string
    )
    _fresh_session()
    login_user(signed_in.user)
    return _safe_next(next_url)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("states.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            passed = signin.check_password(form.email.data, form.password.data)
        except AccountLocked as error:
            return _locked_page("auth/login.html", error, form=form)
        if passed is None:
            form.password.errors.append(_(WRONG_SIGN_IN))
        elif passed.needs == "nothing":
            return redirect(_finish_sign_in(passed.user, "password", request.args.get("next")))
        else:
            if passed.needs == "enrolment":
                # Each sign-in shows a new secret: one seen before is of no use to anyone.
                mfa.start_enrolment(passed.user)
            _start_pending(passed.user, passed.needs, request.args.get("next"))
            target = "auth.login_code" if passed.needs == "code" else "auth.login_enrol"
            return redirect(url_for(target))
    status = form_status()
    return render_template("auth/login.html", form=form), status


def _pending_expired():
    flash(_("Please sign in again: that step had expired."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("states.home"))
    user = _pending_user("code")
    if user is None:
        return _pending_expired()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            how = signin.check_code(user, form.code.data)
        except AccountLocked as error:
            session.pop(PENDING_KEY, None)
            return _locked_page("auth/login_code.html", error, form=form)
        if how is None:
            form.code.errors.append(_(WRONG_CODE))
        else:
            next_url = session[PENDING_KEY].get("next")
            used = "password and recovery code" if how == "recovery" else "password and code"
            target = _finish_sign_in(user, used, next_url)
            if how == "recovery":
                left = mfa.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You signed in with a recovery code; %(num)d left. If your phone is "
                        "lost, set up a new authenticator from your account page.",
                        "You signed in with a recovery code; %(num)d left. If your phone is "
                        "lost, set up a new authenticator from your account page.",
                        left,
                    ),
                    "warning",
                )
            return redirect(target)
    status = form_status()
    return render_template("auth/login_code.html", form=form), status


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login_enrol():
    """A user whose role needs a second factor and who has none sets one up here, before
    the session opens: until then they can reach nothing else."""
    if current_user.is_authenticated:
        return redirect(url_for("states.home"))
    user = _pending_user("enrolment")
    if user is None or user.totp_pending_secret is None:
        return _pending_expired()
    form = EnrolForm()
    codes = _confirm_enrolment(user, form)
    if codes is not None:
        next_url = session[PENDING_KEY].get("next")
        target = _finish_sign_in(user, "password and new second factor", next_url)
        return render_template("auth/recovery_codes.html", codes=codes, continue_to=target)
    status = form_status()
    return _enrol_page(user, form, url_for("auth.login_enrol")), status


def _confirm_enrolment(user: User, form: EnrolForm) -> list[str] | None:
    """The recovery codes, once the form's code confirms the secret being set up; else None,
    with the mistake (if the form was sent) next to the code."""
    if not form.validate_on_submit():
        return None
    try:
        return mfa.confirm_enrolment(user, form.code.data)
    except ValidationFailed as error:
        form.code.errors.append(error.message)
        return None


def _enrol_page(user: User, form: EnrolForm, action: str) -> str:
    secret = user.totp_pending_secret or ""
    return render_template(
        "auth/enrol.html",
        form=form,
        action=action,
        secret=mfa.grouped(secret),
        qr=mfa.qr_svg(mfa.provisioning_uri(user, secret)),
        required=mfa.is_required(user),
        replacing=user.has_second_factor,
    )


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_session(current_actor(), current_user.session_token)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


# --- Re-authentication -----------------------------------------------------------------------


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def reauthenticate():
    user = current_actor()
    form = ReauthForm()
    back = safe_next(request.args.get("next"), url_for("auth.account"))
    if form.validate_on_submit():
        if user.has_second_factor and not (form.code.data or "").strip():
            form.code.errors.append(_("Enter the code from your app."))
        else:
            try:
                signin.reauthenticate(user, form.password.data, form.code.data or "")
            except AccountLocked as error:
                return _locked_page("auth/reauthenticate.html", error, form=form, back=back)
            except ValidationFailed as error:
                getattr(form, error.field or "password").errors.append(error.message)
            else:
                flash(
                    ngettext(
                        "Thank you. You can go ahead for the next %(num)d minute.",
                        "Thank you. You can go ahead for the next %(num)d minutes.",
                        max_age_minutes(),
                    ),
                    "success",
                )
                return redirect(back)
    status = form_status()
    return render_template("auth/reauthenticate.html", form=form, back=back), status


# --- The account page ------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    user = current_actor()
    if request.method == "POST":
        stale = stale_auth_redirect(url_for("auth.account"))
        if stale is not None:
            return stale
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
            user.session_token = token
            login_user(user)
            flash(
                _("Your password has been changed; your other sessions have been signed out."),
                "success",
            )
            return redirect(url_for("auth.account"))
    status = form_status()
    return render_template(
        "auth/account.html",
        form=form,
        sessions=services.live_sessions(user),
        current_token_hash=_current_hash(),
        revoke_form=ConfirmForm(),
        factor_form=ConfirmForm(),
        recovery_left=mfa.recovery_codes_left(user) if user.has_second_factor else 0,
        factor_required=mfa.is_required(user),
    ), status


def _current_hash() -> str:
    from crm.auth.models import hash_token

    return hash_token(current_user.session_token)


@bp.post("/account/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("auth.account"))
    services.revoke_session(current_actor(), session_id)
    flash(_("That session has been signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/second-factor/start")
@login_required
@_security_change("auth.account")
def start_second_factor():
    mfa.start_enrolment(current_actor())
    return redirect(url_for("auth.second_factor"))


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    """The secret being enrolled and its QR code, and the first code that confirms it."""
    user = current_actor()
    # The page shows a secret: it needs the same recent proof as starting the set-up.
    stale = stale_auth_redirect(url_for("auth.account"))
    if stale is not None:
        return stale
    if user.totp_pending_secret is None:
        flash(_("Start setting up a second factor from here."), "info")
        return redirect(url_for("auth.account"))
    form = EnrolForm()
    codes = _confirm_enrolment(user, form)
    if codes is not None:
        return _recovery_codes_page(codes)
    status = form_status()
    return _enrol_page(user, form, url_for("auth.second_factor")), status


def _recovery_codes_page(codes: list[str]) -> str:
    return render_template(
        "auth/recovery_codes.html", codes=codes, continue_to=url_for("auth.account")
    )


@bp.post("/account/second-factor/recovery-codes")
@login_required
@_security_change("auth.account")
def regenerate_recovery_codes():
    try:
        codes = mfa.regenerate_recovery_codes(current_actor())
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("auth.account"))
    return _recovery_codes_page(codes)


@bp.post("/account/second-factor/off")
@login_required
@_security_change("auth.account")
def turn_off_second_factor():
    flash_outcome(
        lambda: mfa.turn_off(current_actor()),
        _("Your second factor is off: signing in needs only your password."),
        refusal=ValidationFailed,
    )
    return redirect(url_for("auth.account"))


# --- Administrators --------------------------------------------------------------------------


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
@_security_change("auth.users", page=Page.USER_ADMIN)
def set_enabled(user_id: int, change: str):
    user = found(db.session.get(User, user_id))
    flash_outcome(
        lambda: services.set_user_enabled(current_actor(), user, change == "enable"),
        _("%(email)s is now enabled.", email=user.email)
        if change == "enable"
        else _("%(email)s is now disabled.", email=user.email),
        refusal=ValidationFailed,
    )
    return redirect(url_for("auth.users"))


@bp.post("/admin/users/<int:user_id>/second-factor/reset")
@login_required
@_security_change("auth.users", page=Page.USER_ADMIN)
def reset_second_factor(user_id: int):
    user = found(db.session.get(User, user_id))
    flash_outcome(
        lambda: mfa.reset(current_actor(), user),
        lambda ended: _(
            "The second factor of %(email)s is reset; %(sessions)s and %(tokens)s ended. They "
            "set up a new one when they next sign in.",
            email=user.email,
            sessions=ngettext("%(num)d session", "%(num)d sessions", ended[0]),
            tokens=ngettext("%(num)d token", "%(num)d tokens", ended[1]),
        ),
        refusal=ValidationFailed,
    )
    return redirect(url_for("auth.users"))
