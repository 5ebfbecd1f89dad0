"""One-time submission keys: a form or an API request sent twice is carried out once.

A form carries a key made when it was drawn (a hidden field, so it works without
JavaScript); an API client sends one in `Idempotency-Key`. The first request with a key
claims it, in its own transaction and before it writes anything, and stores with it what it
answered; a second request with the same key (a double tap, a resend after a timeout)
finds the claim and answers the same again instead of writing twice.

Why the claim comes first, in the request's transaction: the key row and the record it
made are committed together or not at all, so a failed request leaves the key unused and a
key found is always one whose write happened. Two requests with one key at the same moment
cannot both write: on SQLite a request that writes holds the write lock from its first
statement (BEGIN IMMEDIATE), so the second waits and then finds the first's row; on
PostgreSQL the second's insert waits on the unique index for the first transaction and then
fails, and the second reads the row the first committed.

Keys are per user: another user's key is a different key (it finds nothing and replays
nothing). They are kept for a day (`KEPT_FOR`); older ones are forgotten.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, IdMixin, UTCDateTime, utcnow
from crm.extensions import db

# A resend comes within minutes; a day covers a phone that was offline overnight.
KEPT_FOR = timedelta(hours=24)
KEY_MAX_LENGTH = 100
# Printable ASCII without spaces: what a header carries unchanged, and a form's own keys.
KEY_PATTERN = r"^[!-~]{1,100}$"


class SubmissionKey(IdMixin, Base):
    """A submission key a user's request claimed, and what that request answered."""

    __tablename__ = "submission_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    # A key means nothing without its user: it goes with the account.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX_LENGTH))
    # SHA-256 of the method, path and canonical body: the same key with another request is
    # the client's mistake, not a resend.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    # What the first request answered (null only inside that request).
    status: Mapped[int | None] = mapped_column(sa.SmallInteger)
    location: Mapped[str | None] = mapped_column(sa.String(2000))
    body: Mapped[Any | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_key() -> str:
    """A fresh key for a form being drawn."""
    return secrets.token_urlsafe(24)


def fingerprint(method: str, path: str, body: Any) -> str:
    """The hash of a request: its method, path and body (keys sorted, so that the same JSON
    written in another order is the same request)."""
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """A key claimed: `row` is ours to fill (`first`), or holds the earlier request's answer;
    `same_request` says whether that earlier request was this one again."""

    row: SubmissionKey
    first: bool
    same_request: bool = True


def claim(user_id: int, key: str, request_hash: str) -> Claim:
    """Claim `key` for the user in the request's transaction, before its write; or find the
    earlier request that claimed it (waiting for it to commit, when it is still running)."""
    forget_expired(user_id)
    found = _find(user_id, key)
    if found is None:
        row = SubmissionKey(user_id=user_id, key=key, request_hash=request_hash)
        try:
            # A savepoint: losing the race undoes the insert, not the request's reads.
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            found = _find(user_id, key)
            if found is None:  # the winner rolled back between its insert and our read
                raise
        else:
            return Claim(row, first=True)
    return Claim(found, first=False, same_request=found.request_hash == request_hash)


def remember(claimed: Claim, status: int, *, location: str | None, body: Any = None) -> None:
    """Store what the first request answered, with its key (committed with its write)."""
    if not claimed.first:
        raise ValueError("only the request that claimed a key answers for it")
    claimed.row.status = status
    claimed.row.location = location
    claimed.row.body = body
    db.session.flush()


def release(claimed: Claim) -> None:
    """Give a key back: the request failed, so it may be sent again."""
    if claimed.first:
        db.session.delete(claimed.row)
        db.session.flush()


def _find(user_id: int, key: str) -> SubmissionKey | None:
    return db.session.scalar(
        sa.select(SubmissionKey).where(SubmissionKey.user_id == user_id, SubmissionKey.key == key)
    )


def forget_expired(user_id: int | None = None) -> int:
    """Delete keys older than KEPT_FOR (one user's, or everyone's); returns how many. A
    request forgets its user's old keys as it claims one; `crm submissions prune` the rest."""
    stmt = sa.delete(SubmissionKey).where(SubmissionKey.created_at < utcnow() - KEPT_FOR)
    if user_id is not None:
        stmt = stmt.where(SubmissionKey.user_id == user_id)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
