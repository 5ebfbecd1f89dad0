"""The campaign's public events and the representatives invited to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import (
    Base,
    CreatedByMixin,
    IdMixin,
    LabelledEnum,
    StateRecordMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)
from crm.i18n import marked_label

if TYPE_CHECKING:
    from crm.auth.models import Section
    from crm.parliament.models import Representative
    from crm.states.models import Stage


class EventKind(LabelledEnum):
    PETITION_HANDOVER = "petition_handover", marked_label("event kind", "Petition handover")
    VIGIL = "vigil", marked_label("event kind", "Vigil")
    PRESS_CONFERENCE = "press_conference", marked_label("event kind", "Press conference")
    DEMONSTRATION = "demonstration", marked_label("event kind", "Demonstration")
    PARLIAMENTARY_BRIEFING = (
        "parliamentary_briefing",
        marked_label("event kind", "Parliamentary briefing"),
    )
    GOVERNMENT_MEETING = "government_meeting", marked_label("event kind", "Government meeting")
    MEDIA = "media", marked_label("event kind", "Media")
    OTHER = "other", marked_label("event kind", "Other")


class EventStatus(LabelledEnum):
    PLANNED = "planned", marked_label("event status", "Planned")
    CONFIRMED = "confirmed", marked_label("event status", "Confirmed")
    HELD = "held", marked_label("event status", "Held")
    CANCELLED = "cancelled", marked_label("event status", "Cancelled")


class Rsvp(LabelledEnum):
    PENDING = "pending", marked_label("invitation answer", "Pending")
    ACCEPTED = "accepted", marked_label("invitation answer", "Accepted")
    TENTATIVE = "tentative", marked_label("invitation answer", "Tentative")
    DECLINED = "declined", marked_label("invitation answer", "Declined")


class Event(CreatedByMixin, StateRecordMixin, Base):
    """A public event: petition hand-over, vigil, press conference…

    Start and end are stored in UTC and shown in the state's time zone.
    """

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="times_ordered"),
        sa.Index("ix_events_state_starts", "state_id", "starts_at"),
    )

    title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.PLANNED
    )
    city: Mapped[str | None] = mapped_column(sa.String(120))
    venue: Mapped[str | None] = mapped_column(sa.String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(sa.Text)
    # An event keeps its record when its organising section is removed.
    section_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="SET NULL")
    )
    # The stage (vote) the event aims to influence; kept if the stage goes.
    stage_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stages.id", ondelete="SET NULL"), index=True
    )
    expected_attendance: Mapped[int | None]
    actual_attendance: Mapped[int | None]
    signatures_handed_over: Mapped[int | None]
    press_links: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(sa.Text)

    section: Mapped[Section | None] = relationship()
    stage: Mapped[Stage | None] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )


class Invitation(IdMixin, VersionedMixin, Base):
    """A representative invited to an event, their answer and whether they came."""

    __tablename__ = "invitations"
    __table_args__ = (sa.UniqueConstraint("event_id", "representative_id"),)

    # Invitations are part of the event.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # Representatives are archived, not deleted, so an invitation never loses its guest.
    representative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representatives.id", ondelete="RESTRICT"), index=True
    )
    rsvp: Mapped[Rsvp] = mapped_column(enum_column(Rsvp, "rsvp"), default=Rsvp.PENDING)
    attended: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(sa.String(300))

    event: Mapped[Event] = relationship(back_populates="invitations")
    representative: Mapped[Representative] = relationship()
