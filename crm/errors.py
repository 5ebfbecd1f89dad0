"""Domain errors, and how HTTP errors are shown: a page, or a problem document for the API."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from crm.i18n import marked


class DomainError(Exception):
    """A rule of the domain was broken; the message is meant for the user."""

    status = 400
    # Titles are marked for the catalogs: a page says them in the reader's language, a
    # problem document (the API) in English.
    title = marked("Bad request")

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    status = 403
    title = marked("Forbidden")


class NotFound(DomainError):
    status = 404
    title = marked("Not found")


class Conflict(DomainError):
    """Someone else changed the record since this form was opened."""

    status = 409
    title = marked("Conflict")

    def __init__(self, message: str, *, changes: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.changes = changes or {}


class ValidationFailed(DomainError):
    status = 422
    title = marked("Invalid input")


class DatabaseBusy(Exception):
    """Another transaction held the database (or a row) for longer than we wait: nothing
    was written, and the same request may succeed in a moment. Answered with 503 and
    Retry-After; so is every database error that crm.db.is_busy recognises.

    Not a DomainError: forms show a DomainError next to their fields as a mistake in the
    input, and a busy database is no such mistake."""

    status = 503
    title = marked("Service unavailable")
    retry_after = 5  # seconds
    message = marked(
        "The database is busy with other people's changes and could not finish this request; "
        "nothing was changed. Please try again in a few seconds."
    )


def wants_problem_json() -> bool:
    """API and health requests get problem documents; browsers get pages."""
    path = request.path
    return path.startswith("/api/") or path == "/healthz"


def problem(status: int, title: str, detail: str | None = None, **extra: Any):
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _plain(change: Any) -> dict[str, Any]:
    """A change another person made (crm.records.OtherChange) as JSON: who by name (the API
    shows people as names, never e-mails), when in ISO 8601."""
    return {
        "field": change.field,
        "before": change.before,
        "after": change.after,
        "by": change.by_name,
        "at": change.at.isoformat(),
    }


def register_error_handlers(app: Flask) -> None:
    def render(
        status: int,
        title: str,
        detail: str | None,
        *,
        heading: str | None = None,
        said: str | None = None,
        **extra: Any,
    ):
        """The error as a problem document (the API: `title` and `detail`, in English, for
        tools) or a page, which says `heading` and `said` in the reader's language; without
        them, what the status means (templates/errors/error.html)."""
        if wants_problem_json():
            return problem(status, title, detail, **extra)
        if request_ctx.url_adapter is None:
            # The request named a host this app does not serve (TRUSTED_HOSTS): no link of
            # a page can be built for it, and nothing it sent is echoed back.
            return Response(f"{status} {title}\n", status=status, mimetype="text/plain")
        page = render_template("errors/error.html", status=status, title=heading, detail=said)
        return page, status

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        extra = {}
        # The API's request parsing (webargs) leaves its messages by location and field.
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:
            extra["errors"] = messages
            detail = "The request is not valid: see `errors`."
        else:
            detail = error.description if status != 404 else None
        # Werkzeug's name and own description of a status say no more than the page does
        # (in English); a description of this error's own (a CSRF failure's) is shown.
        said = None if detail == type(error).description else detail
        response = render(status, error.name, detail, said=said, **extra)
        # Keep what the error itself says in headers (Allow on a 405, for one).
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        if isinstance(response, tuple):
            return (*response, headers)
        response.headers.update(headers)
        return response

    @app.errorhandler(DomainError)
    def handle_domain(error: DomainError):
        extra: dict[str, Any] = {}
        if error.field:
            extra["errors"] = {"json": {error.field: [error.message]}}
        if isinstance(error, Conflict) and error.changes:
            # What others changed since the version sent, and the version to send next.
            extra["changes"] = [_plain(change) for change in error.changes.get("changes", [])]
            extra["current_version"] = error.changes.get("current_version")
        return render(
            error.status,
            error.title,
            error.message,
            heading=gettext(error.title),
            said=error.message,
            **extra,
        )

    @app.errorhandler(DatabaseBusy)
    def handle_busy(error: DatabaseBusy):
        from crm.db import set_write_intent
        from crm.extensions import db

        app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error)
        # What was begun is void; the page itself is rendered with reads only, which wait
        # for no lock.
        db.session.rollback()
        set_write_intent(False)
        response = render(
            error.status,
            error.title,
            error.message,
            heading=gettext(error.title),
            said=gettext(error.message),
        )
        headers = {"Retry-After": str(error.retry_after)}
        if isinstance(response, tuple):
            return (*response, headers)
        response.headers.update(headers)
        return response

    @app.errorhandler(sa.exc.OperationalError)
    def handle_database_error(error: sa.exc.OperationalError):
        from crm.db import is_busy

        if is_busy(error):
            return handle_busy(DatabaseBusy(str(error.orig)[:200]))
        return handle_unexpected(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render(500, "Internal server error", "Something went wrong on our side.")
