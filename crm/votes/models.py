"""Votes held at a stage: the vote event, its counts and each member's vote (Popolo)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, IdMixin, LabelledEnum, TimestampMixin, VersionedMixin, enum_column
from crm.i18n import marked_label

if TYPE_CHECKING:
    from crm.parliament.models import Chamber, Party, Representative
    from crm.states.models import Stage


class VoteOption(LabelledEnum):
    YES = "yes", marked_label("vote option", "Yes")
    NO = "no", marked_label("vote option", "No")
    ABSTAIN = "abstain", marked_label("vote option", "Abstain")
    ABSENT = "absent", marked_label("vote option", "Absent")
    NOT_VOTING = "not_voting", marked_label("vote option", "Not voting")
    PAIRED = "paired", marked_label("vote option", "Paired")


class VoteEvent(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A vote on the agreement held at a stage (Popolo VoteEvent)."""

    __tablename__ = "vote_events"

    # The vote is part of the stage's record; one vote event per stage.
    stage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stages.id", ondelete="CASCADE"), unique=True
    )
    # Kept while votes name the chamber.
    chamber_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chambers.id", ondelete="RESTRICT")
    )
    motion: Mapped[str | None] = mapped_column(sa.Text)
    held_on: Mapped[date | None]
    result: Mapped[str | None] = mapped_column(sa.String(40))
    popolo_id: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(500))

    stage: Mapped[Stage] = relationship(back_populates="vote_event")
    chamber: Mapped[Chamber | None] = relationship()
    counts: Mapped[list[Count]] = relationship(
        back_populates="vote_event", cascade="all, delete-orphan"
    )
    votes: Mapped[list[Vote]] = relationship(
        back_populates="vote_event", cascade="all, delete-orphan"
    )


class Count(IdMixin, Base):
    """The number of votes for one option, overall or for one party (a group result)."""

    __tablename__ = "counts"
    __table_args__ = (
        sa.UniqueConstraint("vote_event_id", "option", "party_id"),
        sa.CheckConstraint("value >= 0", name="value_positive"),
    )

    vote_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vote_events.id", ondelete="CASCADE"), index=True
    )
    option: Mapped[VoteOption] = mapped_column(enum_column(VoteOption, "count_option"))
    value: Mapped[int]
    # A group result; NULL for the whole chamber.
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id", ondelete="RESTRICT"))

    vote_event: Mapped[VoteEvent] = relationship(back_populates="counts")
    party: Mapped[Party | None] = relationship()


class Vote(IdMixin, Base):
    """How one member voted (Popolo Vote). Only what was recorded, never a prediction."""

    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("vote_event_id", "representative_id"),)

    vote_event_id: Mapped[int] = mapped_column(sa.ForeignKey("vote_events.id", ondelete="CASCADE"))
    # The person stays: representatives are archived, never deleted.
    representative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representatives.id", ondelete="RESTRICT"), index=True
    )
    option: Mapped[VoteOption] = mapped_column(enum_column(VoteOption, "vote_option"))
    # The party the member voted for (on_behalf_of at the time of the vote).
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id", ondelete="RESTRICT"))

    vote_event: Mapped[VoteEvent] = relationship(back_populates="votes")
    representative: Mapped[Representative] = relationship()
    party: Mapped[Party | None] = relationship()
