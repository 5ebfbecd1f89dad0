"""Writing refusals down: one JSON line through `logging` and one row for the admins' page.

Every response with status 401 or 403, from pages and the API alike, passes through
`record_refusal` (an `after_request` hook, so no view can forget it). Anonymous page visits
are redirected to the sign-in page (302) and are not refusals; an API request without a
valid token is (401). A refused CSRF token is a bad request (400), not a refusal.

The row is written in a short transaction of its own (crm.web.side_write), after the
request's own work is rolled back: a refused request keeps nothing it may have started,
and the refusal is recorded even if the request failed half-way. Writing it can never turn
the refusal into a server error: a failure is logged and the response goes out unchanged.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from flask.logging import wsgi_errors_stream
from flask_login import current_user

from crm.db import utcnow
from crm.extensions import db
from crm.security.models import REFUSAL_STATUSES, SecurityEvent
from crm.web import side_write

logger = logging.getLogger("crm.security")


def init_security_log(app: Flask) -> None:
    _configure_logger()

    @app.after_request
    def _record_refusals(response: Response) -> Response:
        if response.status_code in REFUSAL_STATUSES:
            record_refusal(response.status_code)
        return response


def _configure_logger() -> None:
    """JSON lines on the server's error stream, unless the deployment configured the logger.

    The lines do not go through Flask's own handler, which would prefix each with a time
    and a module name and break the one-object-per-line format.
    """
    if logger.handlers:
        return
    handler = logging.StreamHandler(wsgi_errors_stream)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _clean(value: str | None, limit: int) -> str | None:
    """Text any database can store: no NUL, no lone surrogates, within the column's length."""
    if value is None:
        return None
    value = value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return value[:limit]


def _acting_user() -> Any:
    """The API token's user, else the signed-in user, else None."""
    user = g.get("api_user")
    if user is None and getattr(current_user, "is_authenticated", False):
        user = current_user._get_current_object()
    return user


def _object_ids() -> dict[str, Any] | None:
    values = {
        key: value if isinstance(value, int) else _clean(str(value), 100)
        for key, value in (request.view_args or {}).items()
    }
    return values or None


def refusal_event(status: int) -> dict[str, Any]:
    """What is known about the refused request, as plain values."""
    user = _acting_user()
    role = getattr(user, "role", None)
    return {
        "time": utcnow().isoformat(),
        "event": "refused",
        "status": status,
        "user_id": getattr(user, "id", None),
        "user_email": _clean(getattr(user, "email", None), 254),
        "role": getattr(role, "value", None),
        "method": _clean(request.method, 10),
        "endpoint": _clean(request.endpoint, 120),
        "path": _clean(request.path, 2000),
        "object_ids": _object_ids(),
        "address": _clean(request.remote_addr, 64),
        "user_agent": _clean(request.user_agent.string, 300) or None,
    }


def _may_store(event: dict[str, Any]) -> bool:
    """Whether the refusal gets a row: up to SECURITY_ROWS_PER_MINUTE of one account (or,
    without one, of one address) a minute, so that neither a flood of bad tokens nor an
    account probing pages can fill the table or keep the write lock (every refusal still
    has its log line, marked "stored": false past the limit)."""
    limit = int(current_app.config.get("SECURITY_ROWS_PER_MINUTE", 30))
    if event["user_id"] is not None:
        same = SecurityEvent.user_id == event["user_id"]
    else:  # `== None` is IS NULL: a request with no address counts with the others like it
        same = sa.and_(
            SecurityEvent.user_id.is_(None), SecurityEvent.ip_address == event["address"]
        )
    stored = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SecurityEvent)
        .where(same, SecurityEvent.at >= utcnow() - timedelta(minutes=1))
    )
    return int(stored or 0) < limit


def record_refusal(status: int) -> None:
    """Log one refused request as a JSON line and as a security_events row, written beside
    the request (crm.web.side_write): the refused request's own work is not kept."""
    try:
        event = refusal_event(status)
    except Exception:
        logger.exception("Could not describe a refused request to %s", request.path)
        return
    try:
        db.session.rollback()
        event["stored"] = _may_store(event)
    except Exception:
        event["stored"] = True
    logger.warning(json.dumps(event, ensure_ascii=False, sort_keys=True))
    if not event["stored"]:
        return
    try:
        side_write(
            lambda: db.session.add(
                SecurityEvent(
                    at=datetime.fromisoformat(event["time"]),
                    status=event["status"],
                    user_id=event["user_id"],
                    user_email=event["user_email"],
                    role=event["role"],
                    method=event["method"],
                    endpoint=event["endpoint"],
                    path=event["path"],
                    object_ids=event["object_ids"],
                    ip_address=event["address"],
                    user_agent=event["user_agent"],
                )
            )
        )
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Could not store a refused request to %s", request.path)
