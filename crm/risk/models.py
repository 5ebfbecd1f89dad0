"""Risk history: one snapshot per state per day, and one whenever a change moves the risk."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, LabelledEnum, UTCDateTime, enum_column, utcnow


class SnapshotReason(LabelledEnum):
    DAILY = "daily"  # the scheduled `crm snapshot-risk`
    CHANGE = "change"  # a write moved the state's risk
    BACKFILL = "backfill"  # rebuilt from dated stance records


class RiskSnapshot(Base):
    """A state's ratification risk as computed at one moment."""

    __tablename__ = "risk_snapshots"
    __table_args__ = (
        sa.Index("ix_risk_snapshots_state_taken", "state_id", "campaign_id", "taken_on"),
        sa.CheckConstraint("probability BETWEEN 0 AND 1", name="probability_range"),
        sa.CheckConstraint("risk BETWEEN 0 AND 1", name="risk_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # History goes with its state and campaign only if those are ever removed for good.
    state_id: Mapped[int] = mapped_column(sa.ForeignKey("states.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    taken_on: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[SnapshotReason] = mapped_column(enum_column(SnapshotReason, "snapshot_reason"))
    probability: Mapped[float]
    risk: Mapped[float]
    level: Mapped[str] = mapped_column(sa.String(16))
    coverage: Mapped[float | None]
    # Per chamber: id, pass probability, expected yes and threshold, for later explanation.
    chambers: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
