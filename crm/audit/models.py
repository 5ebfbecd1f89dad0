"""The audit log: one entry for every write, sign-in, failed sign-in and printed briefing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, IdMixin, UTCDateTime, utcnow


class AuditEntry(IdMixin, Base):
    """Who did what to which record, when, with the values before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_target", "target_type", "target_id"),)

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The log outlives the user it names; the e-mail is copied so the entry stays readable.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Kept as a plain id so entries survive a state's removal and filter cheaply.
    state_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    summary: Mapped[str | None] = mapped_column(sa.String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
