"""Contacts with representatives, and the follow-ups they lead to."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, CreatedByMixin, LabelledEnum, StateRecordMixin, UTCDateTime, enum_column
from crm.i18n import marked_label

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.parliament.models import Representative


class InteractionKind(LabelledEnum):
    MEETING = "meeting", marked_label("interaction kind", "Meeting")
    CALL = "call", marked_label("interaction kind", "Call")
    LETTER = "letter", marked_label("interaction kind", "Letter")
    EMAIL = "email", marked_label("interaction kind", "E-mail")
    EVENT_ENCOUNTER = "event_encounter", marked_label("interaction kind", "Event encounter")
    PETITION_HANDOVER = "petition_handover", marked_label("interaction kind", "Petition handover")
    OTHER = "other", marked_label("interaction kind", "Other")


class Confidentiality(LabelledEnum):
    NORMAL = "normal", marked_label("confidentiality", "Normal")
    RESTRICTED = "restricted", marked_label("confidentiality", "Restricted")


# How many follow-ups one logged contact may add: the form's rows, the API's list and the
# service all read this one number.
MAX_FOLLOW_UPS = 3


class FollowUpStatus(LabelledEnum):
    OPEN = "open", marked_label("follow-up status", "Open")
    DONE = "done", marked_label("follow-up status", "Done")
    CANCELLED = "cancelled", marked_label("follow-up status", "Cancelled")


interaction_representatives = sa.Table(
    "interaction_representatives",
    Base.metadata,
    sa.Column(
        "interaction_id", sa.ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    # A person met stays on record: representatives are archived, not deleted.
    sa.Column(
        "representative_id",
        sa.ForeignKey("representatives.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)

interaction_participants = sa.Table(
    "interaction_participants",
    Base.metadata,
    sa.Column(
        "interaction_id", sa.ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Interaction(CreatedByMixin, StateRecordMixin, Base):
    """A meeting, call, letter… with one or more representatives of one state.

    A restricted interaction is visible only to its state's section, coordinators and
    admins; everyone else learns only that a restricted contact happened on that date.
    """

    __tablename__ = "interactions"
    __table_args__ = (sa.Index("ix_interactions_state_occurred", "state_id", "occurred_at"),)

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[InteractionKind] = mapped_column(enum_column(InteractionKind, "interaction_kind"))
    summary: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    confidentiality: Mapped[Confidentiality] = mapped_column(
        enum_column(Confidentiality, "confidentiality"), default=Confidentiality.NORMAL
    )

    representatives: Mapped[list[Representative]] = relationship(
        secondary=interaction_representatives, order_by="Representative.sort_name"
    )
    participants: Mapped[list[User]] = relationship(
        secondary=interaction_participants, order_by="User.name"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="interaction", order_by="FollowUp.due_on"
    )

    @property
    def is_restricted(self) -> bool:
        return self.confidentiality is Confidentiality.RESTRICTED


class FollowUp(CreatedByMixin, StateRecordMixin, Base):
    """Something to do by a date, for a person, about an interaction, representative or state."""

    __tablename__ = "follow_ups"
    __table_args__ = (sa.Index("ix_follow_ups_assignee_status", "assignee_id", "status", "due_on"),)

    # Indexed on its own: a state's follow-up lists and counts filter on it (the other state
    # records lead a composite index with it).
    state_id: Mapped[int] = mapped_column(
        sa.ForeignKey("states.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    details: Mapped[str | None] = mapped_column(sa.Text)
    # An unassigned follow-up is still the section's to do.
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_column(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Follow-ups keep their text when what they came from is archived.
    interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    representative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("representatives.id", ondelete="SET NULL"), index=True
    )

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    interaction: Mapped[Interaction | None] = relationship(back_populates="follow_ups")
    representative: Mapped[Representative | None] = relationship()

    def is_overdue(self, on: date) -> bool:
        return self.status is FollowUpStatus.OPEN and self.due_on is not None and self.due_on < on
