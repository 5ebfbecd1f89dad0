"""What every request shares: its one commit point (`App`), request hooks, security
headers, the signed-in user and the row a URL names, and short writes of its own beside the
request's work. Saving a submitted form is crm/saving.py's; what templates are given,
crm/templating.py's."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, current_app, g, request, session
from flask_babel import gettext as _
from flask_login import current_user

from crm.db import is_busy, set_write_intent, today, utcnow, write_intent
from crm.extensions import db

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
