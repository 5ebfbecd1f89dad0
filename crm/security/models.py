"""Refused requests, kept for the admins' security log page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, IdMixin, UTCDateTime, utcnow

# The statuses that count as refusals: not signed in (API) and not allowed.
REFUSAL_STATUSES = (401, 403)


class SecurityEvent(IdMixin, Base):
    """One refused request: who asked (if anyone), for which route and object, from where.

    Values are copied, not linked, so an entry stays readable after the account is gone.
    """

    __tablename__ = "security_events"
    __table_args__ = (
        sa.CheckConstraint("status IN (401, 403)", name="status"),
        # Repeated refusals of one account in the last hour, and one account's history.
        sa.Index("ix_security_events_user_at", "user_id", "at"),
        # How many anonymous refusals one address had stored in the last minute.
        sa.Index("ix_security_events_address_at", "ip_address", "at"),
    )

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    # The log outlives the account it names: the link is cleared, the e-mail copy stays.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    user_email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[str | None] = mapped_column(sa.String(32))
    method: Mapped[str] = mapped_column(sa.String(10))
    # The route's endpoint (None when no route matched), the path without its query string
    # (a calendar link carries its token there), and the objects the route names.
    endpoint: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    path: Mapped[str] = mapped_column(sa.String(2000))
    object_ids: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
