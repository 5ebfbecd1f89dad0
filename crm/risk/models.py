"""Risk history: one snapshot per state per day, and one whenever a change moves the risk."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, IdMixin, LabelledEnum, UTCDateTime, enum_column, utcnow
from crm.i18n import marked_label


class SnapshotReason(LabelledEnum):
    # the scheduled `crm snapshot-risk`
    DAILY = "daily", marked_label("snapshot reason", "Daily")
    # a write moved the state's risk
    CHANGE = "change", marked_label("snapshot reason", "Change")
    # rebuilt from dated stance records
    BACKFILL = "backfill", marked_label("snapshot reason", "Backfill")


class StateCampaignMixin(IdMixin):
    """A row computed for one state in one campaign: a snapshot, a kept forecast."""

    # Right after the id. Derived rows go with their state and campaign only if those are
    # ever removed for good.
    state_id: Mapped[int] = mapped_column(
        sa.ForeignKey("states.id", ondelete="CASCADE"), sort_order=-1
    )
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), sort_order=-1
    )


class RiskSnapshot(StateCampaignMixin, Base):
    """A state's ratification risk as computed at one moment."""

    __tablename__ = "risk_snapshots"
    __table_args__ = (
        sa.Index("ix_risk_snapshots_state_taken", "state_id", "campaign_id", "taken_on"),
        sa.CheckConstraint("probability BETWEEN 0 AND 1", name="probability_range"),
        sa.CheckConstraint("risk BETWEEN 0 AND 1", name="risk_range"),
    )

    taken_on: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[SnapshotReason] = mapped_column(enum_column(SnapshotReason, "snapshot_reason"))
    probability: Mapped[float]
    risk: Mapped[float]
    level: Mapped[str] = mapped_column(sa.String(16))
    coverage: Mapped[float | None]
    # Per chamber: id, pass probability, expected yes and threshold, for later explanation.
    chambers: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)


class KeptForecast(StateCampaignMixin, Base):
    """A state's forecast as of one day, kept so that pages and the API read it instead of
    recomputing every seat of every state (crm/risk/kept.py). Brought up to date in the
    transaction of every write that changes what the forecast reads (crm.risk.changes), and
    each day by the daily snapshot; one computed on another day, or under other settings,
    is computed again when read. Only states whose agreement is open have one."""

    __tablename__ = "kept_forecasts"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "state_id"),)

    # The day the forecast is of (stances age and votes draw nearer from one day to the next).
    computed_on: Mapped[date]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The risk model's settings it was computed under (crm.risk.kept.settings_key).
    settings: Mapped[str] = mapped_column(sa.String(64))
    # The next vote the forecast counted the days to (a stage of the state's agreement).
    next_vote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stages.id", ondelete="SET NULL")
    )
    # The StateForecast without each member's probability (crm.risk.kept.to_json).
    forecast: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
