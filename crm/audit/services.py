"""Writing the audit log. Every service that changes data calls `record`."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import inspect

from crm.audit.models import AuditEntry
from crm.extensions import db

# Kept as they are, as most values are (a CSV import converts thousands at a time).
_AS_IS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    """A JSON-safe copy of a column value, as the log keeps it."""
    if isinstance(value, enum.Enum):  # before _AS_IS: a StrEnum is a str too
        return value.value
    if isinstance(value, _AS_IS):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


# Never copied into the log.
_SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a record, for the `before` and `after` of an entry."""
    mapper = inspect(obj).mapper
    return {
        column.key: plain(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.key not in _SECRET_COLUMNS
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values changed, as (before, after)."""
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    changed.discard("version")
    changed.discard("updated_at")
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def record(
    actor: Any,
    action: str,
    target: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str | None = None,
    state_id: int | None = None,
    actor_email: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (the caller's transaction commits it)."""
    from crm.auth.permissions import state_id_of

    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=actor_email or getattr(actor, "email", None),
        action=action,
        summary=summary[:300] if summary else None,
        before=before,
        after=after,
    )
    if target is not None:
        if getattr(target, "id", None) is None:
            db.session.flush()  # a new record needs its id before it can be named
        entry.target_type = type(target).__tablename__
        entry.target_id = str(target.id)
        entry.state_id = state_id if state_id is not None else state_id_of(target)
    else:
        entry.state_id = state_id
    check_shape(action, entry.target_type, before, after)
    if has_request_context():
        entry.ip_address = request.remote_addr
    db.session.add(entry)
    return entry


def check_shape(action: str, target_type: str | None, before: Any, after: Any) -> None:
    """Where the configuration asks for it (the tests do), refuse an entry that departs
    from its action's shape in crm/audit/actions.py: a programming error, not a user's."""
    if not current_app.config.get("AUDIT_SHAPES_CHECKED"):
        return
    from crm.audit.actions import problems

    found = problems(action, target_type, before, after)
    if found:
        raise ValueError("; ".join(found))
