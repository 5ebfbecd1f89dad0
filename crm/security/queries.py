"""Reads of the security log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from crm.auth.models import User
from crm.extensions import db
from crm.security.models import SecurityEvent


def repeated_refusals(since: datetime, threshold: int) -> dict[int, int]:
    """Accounts refused at least `threshold` times since `since`: {user id: refusals}."""
    count = sa.func.count(SecurityEvent.id)
    rows = db.session.execute(
        sa.select(SecurityEvent.user_id, count)
        .where(SecurityEvent.user_id.is_not(None), SecurityEvent.at >= since)
        .group_by(SecurityEvent.user_id)
        .having(count >= threshold)
    )
    return {user_id: n for user_id, n in rows.all()}  # noqa: C416 - rows, not pairs


def endpoints() -> list[str]:
    """Every route that has been refused, for the filter's choices."""
    column = SecurityEvent.endpoint
    return sorted(db.session.scalars(sa.select(column).distinct().where(column.is_not(None))))


def accounts(counts: dict[int, int]) -> list[tuple[int, str, int]]:
    """(user id, e-mail, refusals) of the given accounts, the most refused first."""
    if not counts:
        return []
    rows = db.session.execute(sa.select(User.id, User.email).where(User.id.in_(counts)))
    emails = {user_id: email for user_id, email in rows.all()}  # noqa: C416 - rows, not pairs
    return sorted(
        ((user_id, emails.get(user_id, "?"), n) for user_id, n in counts.items()),
        key=lambda row: (-row[2], row[1]),
    )
