"""What every page shares: request hooks, security headers, template helpers, and saving a
submitted form in one transaction."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from crm.db import is_busy, set_write_intent, today, utcnow, write_intent
from crm.errors import Conflict, DomainError, PermissionDenied
from crm.extensions import db
from crm.forms import OnceForm, show_error
from crm.i18n import format_when

if TYPE_CHECKING:
    from crm.auth.models import User

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class App(Flask):
    """The application, with one commit point for every request.

    A view returns: what it wrote is committed after it returned (a request with a safe
    method writes nothing, so its transaction is rolled back), and anything it raised rolls
    all of it back, and the browser's session with it, before an error page is rendered (as
    Indico's request handler does).
    Services never commit. Only `side_write` commits a short write of its own beside the
    request's work (a note that a session was used, an audit entry of a download)."""

    def dispatch_request(self) -> Any:
        # The browser's session is rolled back with the database: a sign-out, a new session
        # token or a message about a write that did not happen would otherwise outlive it.
        # (Messages queued by earlier requests are kept, to be shown on the error page.)
        browser_session = copy.deepcopy(dict(session))
        try:
            response = super().dispatch_request()
            if request.method in SAFE_METHODS:
                db.session.rollback()
            else:
                db.session.commit()
        except BaseException:
            db.session.rollback()
            # Put back only a session the request changed: setting it marks it modified,
            # and every error page would send the cookie again (an anonymous 404 a blank one).
            if dict(session) != browser_session:
                session.clear()
                session.update(browser_session)
            raise
        return response


def begin_write() -> None:
    """In a view that reads first (crm.db.reads_first): end the read transaction and write
    from here on in one with write intent (BEGIN IMMEDIATE on SQLite), committed at the
    request's end. A read snapshot cannot be upgraded to a write on SQLite."""
    db.session.rollback()
    set_write_intent(True)


def init_web(app: Flask) -> None:
    @app.before_request
    def _before() -> None:
        _refuse_nul_characters()
        # Writes start with BEGIN IMMEDIATE on SQLite (see crm.db), except in a view that
        # reads first and takes the write lock itself (crm.db.reads_first).
        view = app.view_functions.get(request.endpoint or "")
        set_write_intent(
            request.method not in SAFE_METHODS and not getattr(view, "reads_first", False)
        )
        g.today = today()
        _touch_session()

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        hsts = _strict_transport_security()
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.endpoint != "static":
            # Pages show restricted content, and the sign-in steps a second factor's secret
            # and recovery codes: nothing but our static files is kept in a cache.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.get("/sw.js")
    def service_worker() -> Response:
        # The offline worker (crm/static/js/sw.js) is served from the root so that its scope
        # is the whole site; a new version must reach phones at once, hence no-cache.
        response = app.send_static_file("js/sw.js")
        response.mimetype = "text/javascript"
        response.headers["Service-Worker-Allowed"] = "/"
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        set_write_intent(False)

    from crm import models

    app.jinja_env.globals.update(
        models=models,
        may=_may,
        withheld=_withheld,
        stance_date=_stance_date,
        reauth_minutes=_reauth_minutes,
        query_without_page=query_without_page,
        RECOVERY_CODE_COUNT=_recovery_code_count(),
        Page=_page_enum(),
    )
    app.jinja_env.filters.update(
        local_datetime=local_datetime, fmt_date=fmt_date, month=fmt_month, days_ago=days_ago
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _strict_transport_security() -> str | None:
    """The HSTS header production sends (HSTS_MAX_AGE=0 turns it off). It is sent on every
    response: browsers ignore it over plain HTTP, and behind a proxy that does not say the
    request came over HTTPS it would otherwise never be sent at all."""
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if not max_age:
        return None
    value = f"max-age={int(max_age)}"
    if current_app.config.get("HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    return value


def found(row: T | None) -> T:
    """The row a URL names, or 404."""
    if row is None:
        abort(404)
    return row


def current_actor() -> User:
    """The signed-in user as the services take it: the object, not Flask-Login's proxy."""
    user: User = current_user._get_current_object()
    return user


def permitted(action: Any, target: Any, *, state: Any = None) -> User:
    """The signed-in user, who must be allowed to do `action` to `target` (else 403): for
    CREATE, `target` is the class of the record and `state` the state it will belong to."""
    from crm.auth.permissions import require

    actor = current_actor()
    require(actor, action, target, state=state)
    return actor


def found_for(action: Any, row: T | None) -> tuple[T, User]:
    """The row a URL names (or 404), and the signed-in user, who must be allowed to do
    `action` to it (else 403)."""
    row = found(row)
    return row, permitted(action, row)


# The longest `next` followed; anything longer is not a page of ours worth returning to.
_NEXT_MAX_LENGTH = 2000


def safe_next(target: str | None, default: str) -> str:
    """Where to go after a form or sign-in: `target` if it is a path on this site, else
    `default`. The one check for every `next` parameter.

    Refused: anything with a scheme or host (`https://x`, `//x`), a backslash (`/\\x`,
    which browsers read as `//x`), control characters (CR and LF would split the Location
    header; browsers drop tabs and newlines, turning `/\\t/x` into `//x`), and the same
    tricks percent-encoded (`/%2F/x`, `%0d%0a`) in case a proxy decodes them on the way.
    """
    if not target or len(target) > _NEXT_MAX_LENGTH:
        return default
    for candidate in (target, unquote(target)):
        if not _local_path(candidate):
            return default
    return target


def _local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    # Not printable: control characters, and invisible ones (bidirectional marks,
    # zero-width spaces, line separators) that would hide what the address says.
    if not target.isprintable():
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _refuse_nul_characters() -> None:
    """No text we store may hold NUL: PostgreSQL refuses it, and no person types it."""
    form = request.form if request.method not in SAFE_METHODS else {}
    path = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, str)}
    for values in (request.args, form, path):
        if any("\x00" in value for value in values.values()):
            abort(400, description=_("The request contains a NUL character, which text may not."))


def side_write(write: Callable[[], object], *, optional: bool = False) -> bool:
    """A short write of its own beside the request's work, committed at once: whatever the
    request read or began is rolled back first (a refused request keeps nothing), and the
    write starts its own transaction with write intent (BEGIN IMMEDIATE on SQLite).

    An `optional` write (noting that a session or token was used) gives way to a busy
    database: reading a page must not answer 503 because that note could not be taken.
    Returns whether it was written."""
    from sqlalchemy.exc import OperationalError

    db.session.rollback()
    try:
        with write_intent():
            write()
            db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        if optional and is_busy(error):
            return False
        raise
    return True


def _touch_session() -> None:
    from crm.auth.services import session_needs_touch, touch_session

    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False) or not session_needs_touch(user):
        return
    token = user.session_token
    if side_write(lambda: touch_session(token), optional=True):
        user.session_last_seen_at = utcnow()
    user.session_token = token


def token_user(raw: str, scope):
    """The user a bearer or calendar token stands for, or None; notes the token's use at
    most every few minutes, in a short write of its own, as sessions do."""
    from crm.auth.services import live_token, token_needs_touch, touch_token

    token = live_token(raw, scope)
    if token is None:
        return None
    user = token.user
    if token_needs_touch(token):
        token_id = token.id
        side_write(lambda: touch_token(token_id), optional=True)
    return user


# The template helpers ask about the request's user many times a page: they pass the user
# itself (Flask-Login loads it once a request), not the proxy, which looks it up again at
# every attribute the permission rules read.


def _may(action, target, state=None) -> bool:
    from crm.auth.permissions import may

    return may(current_user._get_current_object(), action, target, state=state)


def _withheld(target: Any) -> bool:
    from crm.auth.permissions import withheld

    return withheld(current_user._get_current_object(), target)


def _stance_date(representative: Any) -> Any:
    from crm.auth.permissions import stance_withheld

    reader = current_user._get_current_object()
    return representative.stance_date(withheld=stance_withheld(reader, representative))


def query_without_page(**route: Any) -> dict[str, Any]:
    """This page's query (its filters) without `page`, with the route's values: what the
    links to other pages of a list carry."""
    return {key: value for key, value in request.args.items() if key != "page"} | route


def _reauth_minutes() -> int:
    from crm.auth.reauth import max_age_minutes

    return max_age_minutes()


def _recovery_code_count() -> int:
    from crm.auth.mfa import RECOVERY_CODE_COUNT

    return RECOVERY_CODE_COUNT


def _page_enum():
    from crm.auth.permissions import Page

    return Page


def local_datetime(
    value: datetime | None, tz: str | None = None, fmt: str = "%d %b %Y %H:%M"
) -> str:
    """A UTC datetime shown in a state's time zone, with the zone's abbreviation."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    local = value.astimezone(zone)
    return f"{format_when(local, fmt)} {local.tzname()}"


def fmt_date(value: date | datetime | None, fmt: str = "%d %b %Y") -> str:
    if value is None:
        return ""
    return format_when(value, fmt)


def fmt_month(value: date | datetime | None) -> str:
    """A date shown as its month only ("March 2026")."""
    if value is None:
        return ""
    return format_when(value, "%B %Y")


def days_ago(value: date | datetime | None) -> str:
    if value is None:
        return _("never")
    if isinstance(value, datetime):
        value = value.date()
    days = (today() - value).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    if days < 0:
        return ngettext("in %(num)d day", "in %(num)d days", -days)
    return ngettext("%(num)d day ago", "%(num)d days ago", days)


# --- Saving a submitted form ---------------------------------------------------------------


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
