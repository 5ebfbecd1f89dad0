"""Reads of the security log."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from crm.extensions import db
from crm.security.models import SecurityEvent


class Repeated(NamedTuple):
    user_id: int
    email: str
    refusals: int


def repeated_refusals(since: datetime, threshold: int) -> list[Repeated]:
    """Accounts refused at least `threshold` times since `since`, the most refused first,
    by the e-mail the log recorded (what the page's "Who" filter matches)."""
    count = sa.func.count(SecurityEvent.id)
    rows = db.session.execute(
        sa.select(SecurityEvent.user_id, sa.func.max(SecurityEvent.user_email), count)
        .where(SecurityEvent.user_id.is_not(None), SecurityEvent.at >= since)
        .group_by(SecurityEvent.user_id)
        .having(count >= threshold)
    )
    # The WHERE already leaves out rows without a user: the test is for the type checker.
    found = [
        Repeated(user_id, email or "?", n) for user_id, email, n in rows if user_id is not None
    ]
    return sorted(found, key=lambda r: (-r.refusals, r.email))
