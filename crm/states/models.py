"""Campaigns, states, the agreements they signed and the stages of ratification."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import Section, section_states
from crm.db import Base, IdMixin, LabelledEnum, TimestampMixin, VersionedMixin, enum_column
from crm.i18n import DEFAULT_LOCALE, LOCALES, marked_label

if TYPE_CHECKING:
    from crm.parliament.models import Chamber, Committee, Party
    from crm.votes.models import VoteEvent


class CampaignGoal(LabelledEnum):
    # the campaign wants ratification refused
    BLOCK = "block", marked_label("campaign goal", "Block")
    # the campaign wants ratification
    SECURE = "secure", marked_label("campaign goal", "Secure")


class RomeStatuteStatus(LabelledEnum):
    NOT_PARTY = "not_party", marked_label("Rome Statute status", "Not a party")
    SIGNED = "signed", marked_label("Rome Statute status", "Signed")
    UNSIGNED = (
        "unsigned",
        marked_label("Rome Statute status", "Signed; intention not to ratify notified"),
    )
    RATIFIED = "ratified", marked_label("Rome Statute status", "Ratified")
    ACCEDED = "acceded", marked_label("Rome Statute status", "Acceded")


class AgreementStatus(LabelledEnum):
    SIGNED = "signed", marked_label("agreement status", "Signed")
    BEFORE_PARLIAMENT = "before_parliament", marked_label("agreement status", "Before parliament")
    RATIFIED = "ratified", marked_label("agreement status", "Ratified")
    REJECTED = "rejected", marked_label("agreement status", "Rejected")
    WITHDRAWN = "withdrawn", marked_label("agreement status", "Withdrawn")
    LAPSED = "lapsed", marked_label("agreement status", "Lapsed")

    @property
    def is_open(self) -> bool:
        return self in (AgreementStatus.SIGNED, AgreementStatus.BEFORE_PARLIAMENT)


class RatificationRoute(LabelledEnum):
    PARLIAMENT = "parliament", marked_label("ratification route", "Parliament")
    EXECUTIVE = "executive", marked_label("ratification route", "Executive (no parliamentary vote)")
    NONE_SITTING = "none_sitting", marked_label("ratification route", "No sitting legislature")


class StageKind(LabelledEnum):
    SUBMITTED_TO_PARLIAMENT = (
        "submitted_to_parliament",
        marked_label("stage kind", "Submitted to parliament"),
    )
    COMMITTEE_REVIEW = "committee_review", marked_label("stage kind", "Committee review")
    COMMITTEE_VOTE = "committee_vote", marked_label("stage kind", "Committee vote")
    PLENARY_VOTE = "plenary_vote", marked_label("stage kind", "Plenary vote")
    CONSTITUTIONAL_REVIEW = (
        "constitutional_review",
        marked_label("stage kind", "Constitutional review"),
    )
    ASSENT = "assent", marked_label("stage kind", "Assent")
    DEPOSIT = "deposit", marked_label("stage kind", "Deposit")

    @property
    def is_vote(self) -> bool:
        return self in (StageKind.COMMITTEE_VOTE, StageKind.PLENARY_VOTE)


class StageStatus(LabelledEnum):
    SCHEDULED = "scheduled", marked_label("stage status", "Scheduled")
    POSTPONED = "postponed", marked_label("stage status", "Postponed")
    HELD = "held", marked_label("stage status", "Held")
    CANCELLED = "cancelled", marked_label("stage status", "Cancelled")


# A stage on the calendar: held and cancelled ones are behind us whatever their date.
_STILL_TO_COME = (StageStatus.SCHEDULED, StageStatus.POSTPONED)


class StageResult(LabelledEnum):
    PASS = "pass", marked_label("stage result", "Pass")
    FAIL = "fail", marked_label("stage result", "Fail")
    DEFERRED = "deferred", marked_label("stage result", "Deferred")


class Campaign(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A campaign about one kind of agreement, with a goal and its key messages."""

    __tablename__ = "campaigns"

    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    agreement_title: Mapped[str] = mapped_column(sa.Text)
    goal: Mapped[CampaignGoal] = mapped_column(enum_column(CampaignGoal, "campaign_goal"))
    description: Mapped[str | None] = mapped_column(sa.Text)
    coalition: Mapped[str | None] = mapped_column(sa.Text)
    petition_signatures: Mapped[int] = mapped_column(default=0)
    as_of: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)

    key_messages: Mapped[list[KeyMessage]] = relationship(
        back_populates="campaign",
        order_by="KeyMessage.position, KeyMessage.id",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
    )
    agreements: Mapped[list[Agreement]] = relationship(back_populates="campaign")

    __table_args__ = (sa.CheckConstraint("petition_signatures >= 0", name="signatures_positive"),)


# The longest a key message may be, in any language, in characters: a sentence or two that a
# delegation says in a meeting and a pack prints in a numbered list. Checked by the forms,
# by the services (crm.states.key_messages) and by a CHECK constraint, which counts
# characters alike on SQLite and PostgreSQL (`length()`), unlike VARCHAR(n) that SQLite
# does not enforce.
KEY_MESSAGE_LIMIT = 500
# The languages a key message is translated into: English is the message itself.
TRANSLATED_LOCALES: tuple[str, ...] = tuple(code for code in LOCALES if code != DEFAULT_LOCALE)


def translation_field(locale: str) -> str:
    """What a key message's translation into `locale` is called in its form and its audit
    entries: `text_fr` (the English is `text`)."""
    return f"text_{locale}"


def _text_length(name: str = "text") -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"length({name}) BETWEEN 1 AND {KEY_MESSAGE_LIMIT}", name=f"{name}_length"
    )


class KeyMessage(IdMixin, VersionedMixin, TimestampMixin, Base):
    """One of a campaign's key messages, in the order they should be delivered.

    `text` is the message in English, which every pack prints when the message has no
    translation in the pack's language (`texts`, one per language at most)."""

    __tablename__ = "key_messages"
    __table_args__ = (_text_length(),)

    # Messages belong to their campaign.
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)

    campaign: Mapped[Campaign] = relationship(back_populates="key_messages")
    texts: Mapped[list[KeyMessageText]] = relationship(
        back_populates="key_message", cascade="all, delete-orphan", order_by="KeyMessageText.id"
    )

    def translation(self, locale: str) -> str | None:
        """The message as entered in `locale` (English: `text`), or None."""
        if locale == DEFAULT_LOCALE:
            return self.text
        return next((t.text for t in self.texts if t.locale == locale), None)

    @property
    def missing_locales(self) -> list[str]:
        """The languages it has no translation in (their packs print the English)."""
        entered = {t.locale for t in self.texts}
        return [code for code in TRANSLATED_LOCALES if code not in entered]


class KeyMessageText(IdMixin, Base):
    """A key message in another language than English, as a coordinator entered it."""

    __tablename__ = "key_message_texts"
    __table_args__ = (sa.UniqueConstraint("key_message_id", "locale"), _text_length())

    # A translation is part of its message, and goes with it.
    key_message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("key_messages.id", ondelete="CASCADE")
    )
    # One of TRANSLATED_LOCALES (crm.i18n.LOCALES but English).
    locale: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.Text)

    key_message: Mapped[KeyMessage] = relationship(back_populates="texts")


class State(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A state whose parliament is lobbied; its ISO 3166 alpha-2 code is the URL key."""

    __tablename__ = "states"

    iso2: Mapped[str] = mapped_column(sa.String(2), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    capital: Mapped[str | None] = mapped_column(sa.String(120))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    rome_statute_status: Mapped[RomeStatuteStatus] = mapped_column(
        enum_column(RomeStatuteStatus, "rome_statute_status")
    )
    rome_statute_date: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)

    sections: Mapped[list[Section]] = relationship(
        secondary=section_states, back_populates="states", order_by="Section.name"
    )
    agreements: Mapped[list[Agreement]] = relationship(back_populates="state")
    chambers: Mapped[list[Chamber]] = relationship(
        back_populates="state", order_by="Chamber.position"
    )
    parties: Mapped[list[Party]] = relationship(back_populates="state", order_by="Party.name")

    __table_args__ = (sa.CheckConstraint("length(iso2) = 2", name="iso2_length"),)

    def __repr__(self) -> str:
        return f"<State {self.iso2}>"


class Agreement(IdMixin, VersionedMixin, TimestampMixin, Base):
    """The agreement a state signed, within one campaign, and how it would be ratified."""

    __tablename__ = "agreements"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "state_id"),
        sa.CheckConstraint(
            "executive_probability IS NULL OR executive_probability BETWEEN 0 AND 1",
            name="executive_probability_range",
        ),
    )

    # Agreements are history: a campaign or state with agreements cannot be deleted.
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="RESTRICT"))
    state_id: Mapped[int] = mapped_column(
        sa.ForeignKey("states.id", ondelete="RESTRICT"), index=True
    )
    signed_on: Mapped[date | None]
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column(AgreementStatus, "agreement_status"), default=AgreementStatus.SIGNED
    )
    route: Mapped[RatificationRoute] = mapped_column(
        enum_column(RatificationRoute, "ratification_route"), default=RatificationRoute.PARLIAMENT
    )
    route_note: Mapped[str | None] = mapped_column(sa.String(300))
    # For the executive route: the coordinators' estimate that the government ratifies.
    executive_probability: Mapped[float | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)

    campaign: Mapped[Campaign] = relationship(back_populates="agreements")
    state: Mapped[State] = relationship(back_populates="agreements")
    stages: Mapped[list[Stage]] = relationship(
        back_populates="agreement", order_by="Stage.position, Stage.id"
    )


class Stage(IdMixin, VersionedMixin, TimestampMixin, Base):
    """One step of ratification: a committee review, a plenary vote, assent, deposit…"""

    __tablename__ = "stages"
    __table_args__ = (sa.CheckConstraint("position >= 0", name="position_positive"),)

    # Stages are part of their agreement's record.
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[StageKind] = mapped_column(enum_column(StageKind, "stage_kind"))
    # A chamber or committee is kept while stages refer to it.
    chamber_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chambers.id", ondelete="RESTRICT"), index=True
    )
    committee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("committees.id", ondelete="RESTRICT")
    )
    scheduled_on: Mapped[date | None]
    held_on: Mapped[date | None]
    status: Mapped[StageStatus] = mapped_column(
        enum_column(StageStatus, "stage_status"), default=StageStatus.SCHEDULED
    )
    result: Mapped[StageResult | None] = mapped_column(enum_column(StageResult, "stage_result"))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    agreement: Mapped[Agreement] = relationship(back_populates="stages")
    chamber: Mapped[Chamber | None] = relationship()
    committee: Mapped[Committee | None] = relationship()
    vote_event: Mapped[VoteEvent | None] = relationship(back_populates="stage")

    def _is_ahead(self, on: date) -> bool:
        return (
            self.status in _STILL_TO_COME
            and self.scheduled_on is not None
            and self.scheduled_on >= on
        )

    @classmethod
    def _is_ahead_in_sql(cls, on: date) -> sa.ColumnElement[bool]:
        # A stage with no date is not ahead: a comparison with NULL is never true.
        return sa.and_(cls.status.in_(_STILL_TO_COME), cls.scheduled_on >= on)

    # Still to come on the day `on`: scheduled or postponed, to that day or later (a state's
    # next stage on its pages and pack, the vote the risk model waits for). A stage's
    # `is_ahead(on)` is the Python value; `Stage.is_ahead(on)` the same test in a query.
    is_ahead = hybrid_method(_is_ahead, _is_ahead_in_sql)
