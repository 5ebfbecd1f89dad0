"""Per-account sign-in limits, shared by every worker through the database.

The per-address limit (Flask-Limiter on the sign-in routes) stops one machine guessing; this
one stops many machines guessing one account. Failed passwords and refused codes (at sign-in
and at re-authentication) both count, against the normalised e-mail address, whether or not
an account has it. After `MAX_FAILURES` within `WINDOW`, the account is locked for a minute;
each further lockout doubles (2, 4, 8 … minutes) up to `MAX_LOCK`, so an attacker can slow
its owner down but never lock them out for good. A complete sign-in clears the count, and so
does a quiet `RESET_AFTER` without failures.

Counters are changed with single UPDATE statements, so two workers failing at the same
moment both count; the row stays locked until the transaction ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crm.auth.models import SignInThrottle, hash_token
from crm.auth.services import normalise_email
from crm.db import utcnow
from crm.extensions import db

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(minutes=60)
# Without a failure for this long, lockouts start again at one minute.
RESET_AFTER = timedelta(hours=24)


def throttle_key(email: str) -> str:
    """The row's key: a digest, so addresses (or passwords typed as one) are not kept."""
    return hash_token("sign-in:" + normalise_email(email))


def lock_length(lockouts: int) -> timedelta:
    """How long the lockout numbered `lockouts` (0 for the first) lasts."""
    return min(FIRST_LOCK * (1 << min(lockouts, 16)), MAX_LOCK)


def locked_until(email: str, now: datetime | None = None) -> datetime | None:
    """When the account's lockout ends, or None when it may try now."""
    now = now or utcnow()
    until = db.session.scalar(
        sa.select(SignInThrottle.locked_until).where(SignInThrottle.key_hash == throttle_key(email))
    )
    return until if until is not None and until > now else None


def note_failure(email: str, now: datetime | None = None) -> datetime | None:
    """Count one failure; returns when the lockout it starts ends (None if it starts none)."""
    now = now or utcnow()
    key = throttle_key(email)
    row = SignInThrottle
    # A row quiet for RESET_AFTER and not locked counts nothing any more (its next failure
    # would start again from one): deleting such rows keeps addresses sprayed at the
    # sign-in page from filling the table.
    db.session.execute(
        sa.delete(row)
        .where(
            row.last_failure_at <= now - RESET_AFTER,
            sa.or_(row.locked_until.is_(None), row.locked_until <= now),
        )
        .execution_options(synchronize_session=False)
    )
    window_over = row.window_started_at <= now - WINDOW
    # Every right-hand side reads the values before the update.
    counted = db.session.execute(
        sa.update(row)
        .where(row.key_hash == key)
        .values(
            failures=sa.case((window_over, 1), else_=row.failures + 1),
            window_started_at=sa.case((window_over, now), else_=row.window_started_at),
            lockouts=sa.case((row.last_failure_at <= now - RESET_AFTER, 0), else_=row.lockouts),
            last_failure_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not cast("sa.CursorResult[Any]", counted).rowcount:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    sa.insert(row).values(
                        key_hash=key, failures=1, window_started_at=now, last_failure_at=now,
                        lockouts=0,
                    )
                )  # fmt: skip
        except IntegrityError:
            # Another worker inserted the row first: count on it instead.
            return note_failure(email, now)
    failures, lockouts = db.session.execute(
        sa.select(row.failures, row.lockouts).where(row.key_hash == key)
    ).one()
    if failures < MAX_FAILURES:
        return None
    until = now + lock_length(lockouts)
    db.session.execute(
        sa.update(row)
        .where(row.key_hash == key)
        .values(failures=0, window_started_at=now, lockouts=lockouts + 1, locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return until


def clear(email: str) -> None:
    """Forget the failures of an account that has just signed in completely."""
    db.session.execute(
        sa.delete(SignInThrottle).where(SignInThrottle.key_hash == throttle_key(email))
    )


def minutes_left(until: datetime, now: datetime | None = None) -> int:
    seconds = (until - (now or utcnow())).total_seconds()
    return max(1, -(-int(seconds) // 60))
