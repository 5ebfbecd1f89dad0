"""Chambers, parties, committees, representatives, their memberships and stances.

Names follow Popolo (Organization, Person, Membership, Post) so that imports and exports
map one to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from crm.db import (
    ArchivableMixin,
    Base,
    IdMixin,
    LabelledEnum,
    StateRecordMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    month_end,
    say,
    utcnow,
)
from crm.i18n import marked_label

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.interactions.models import Interaction
    from crm.states.models import State
    from crm.votes.models import Vote


class ChamberKind(LabelledEnum):
    LOWER = "lower", marked_label("chamber kind", "Lower")
    UPPER = "upper", marked_label("chamber kind", "Upper")
    UNICAMERAL = "unicameral", marked_label("chamber kind", "Unicameral")


class MajorityRule(LabelledEnum):
    # more yes than no among those voting
    VOTES_CAST = "votes_cast", marked_label("majority rule", "Majority of votes cast")
    # more than half of all seats
    MEMBERS = "members", marked_label("majority rule", "Majority of all members")
    TWO_THIRDS_PRESENT = (
        "two_thirds_present",
        marked_label("majority rule", "Two thirds of members present"),
    )
    TWO_THIRDS_MEMBERS = (
        "two_thirds_members",
        marked_label("majority rule", "Two thirds of all members"),
    )


class CommitteeFocus(LabelledEnum):
    FOREIGN_AFFAIRS = "foreign_affairs", marked_label("committee focus", "Foreign affairs")
    LEGAL = "legal", marked_label("committee focus", "Legal")
    DEFENCE = "defence", marked_label("committee focus", "Defence")
    HUMAN_RIGHTS = "human_rights", marked_label("committee focus", "Human rights")
    OTHER = "other", marked_label("committee focus", "Other")


class CommitteeRole(LabelledEnum):
    MEMBER = "member", marked_label("committee role", "Member")
    CHAIR = "chair", marked_label("committee role", "Chair")
    VICE_CHAIR = "vice_chair", marked_label("committee role", "Vice chair")
    RAPPORTEUR = "rapporteur", marked_label("committee role", "Rapporteur")


class Stance(LabelledEnum):
    """Position on ratifying the agreement (about the agreement, not about us).

    `label` says what the position is about in full ("Leaning for" alone reads "for what?");
    `short_label` is for the few places too narrow for it (legends inside table cells). The
    values, which the API and the CSV files carry, do not change with either.
    """

    FOR_RATIFICATION = "for_ratification", marked_label("stance", "For ratification")
    LEANING_FOR = "leaning_for", marked_label("stance", "Leaning for ratification")
    UNDECIDED = "undecided", marked_label("stance", "Undecided")
    LEANING_AGAINST = "leaning_against", marked_label("stance", "Leaning against ratification")
    AGAINST_RATIFICATION = "against_ratification", marked_label("stance", "Against ratification")
    UNKNOWN = "unknown", marked_label("stance", "Unknown")

    @property
    def short_label(self) -> str:
        return say(_SHORT_STANCES.get(self.value, self._label))


_SHORT_STANCES = {
    "for_ratification": marked_label("stance, short", "For"),
    "leaning_for": marked_label("stance, short", "Leaning for"),
    "leaning_against": marked_label("stance, short", "Leaning against"),
    "against_ratification": marked_label("stance, short", "Against"),
}


def stance_label(value: Stance | str | None, short: bool = False) -> str:
    """The words for a stance given as a member, its value or None (unknown)."""
    stance = Stance(value) if value else Stance.UNKNOWN
    return stance.short_label if short else stance.label


class StanceSource(LabelledEnum):
    PRIVATE_MEETING = "private_meeting", marked_label("stance source", "Private meeting")
    PUBLIC_STATEMENT = "public_statement", marked_label("stance source", "Public statement")
    VOTE = "vote", marked_label("stance source", "Vote")
    THIRD_PARTY = "third_party", marked_label("stance source", "Third party")
    MEDIA = "media", marked_label("stance source", "Media")


class Confidence(LabelledEnum):
    LOW = "low", marked_label("confidence", "Low")
    MEDIUM = "medium", marked_label("confidence", "Medium")
    HIGH = "high", marked_label("confidence", "High")


class ContactKind(LabelledEnum):
    EMAIL = "email", marked_label("contact kind", "Email")
    PHONE = "phone", marked_label("contact kind", "Phone")
    FAX = "fax", marked_label("contact kind", "Fax")
    ADDRESS = "address", marked_label("contact kind", "Address")
    WEBSITE = "website", marked_label("contact kind", "Website")
    SOCIAL = "social", marked_label("contact kind", "Social")
    OTHER = "other", marked_label("contact kind", "Other")


class Chamber(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A house of parliament (Popolo Organization, classification lower/upper/unicameral)."""

    __tablename__ = "chambers"
    __table_args__ = (
        sa.UniqueConstraint("state_id", "name"),
        sa.CheckConstraint("seats > 0", name="seats_positive"),
        sa.CheckConstraint("attendance > 0 AND attendance <= 1", name="attendance_range"),
    )

    # Chambers hold history (memberships, votes): a state with chambers is not deleted.
    state_id: Mapped[int] = mapped_column(sa.ForeignKey("states.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(120))
    classification: Mapped[ChamberKind] = mapped_column(enum_column(ChamberKind, "chamber_kind"))
    position: Mapped[int] = mapped_column(default=0)
    seats: Mapped[int]
    majority_rule: Mapped[MajorityRule] = mapped_column(
        enum_column(MajorityRule, "majority_rule"), default=MajorityRule.VOTES_CAST
    )
    attendance: Mapped[float] = mapped_column(default=0.9)
    roster_verified_on: Mapped[date | None]
    popolo_id: Mapped[str | None] = mapped_column(sa.String(200))

    state: Mapped[State] = relationship(back_populates="chambers")
    committees: Mapped[list[Committee]] = relationship(
        back_populates="chamber", order_by="Committee.name"
    )

    def __repr__(self) -> str:
        return f"<Chamber {self.name}>"


class Party(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A political party or group (Popolo Organization, classification party)."""

    __tablename__ = "parties"
    __table_args__ = (sa.UniqueConstraint("state_id", "name"),)

    # Parties are referenced by memberships and votes; they outlive nothing they describe.
    state_id: Mapped[int] = mapped_column(sa.ForeignKey("states.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(200))
    abbreviation: Mapped[str | None] = mapped_column(sa.String(20))
    in_government: Mapped[bool] = mapped_column(default=False)
    popolo_id: Mapped[str | None] = mapped_column(sa.String(200))

    state: Mapped[State] = relationship(back_populates="parties")

    @property
    def short_name(self) -> str:
        return self.abbreviation or self.name


class Committee(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A committee of a chamber (Popolo Organization, classification committee)."""

    __tablename__ = "committees"
    __table_args__ = (sa.UniqueConstraint("chamber_id", "name"),)

    # Committees are part of their chamber.
    chamber_id: Mapped[int] = mapped_column(sa.ForeignKey("chambers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    abbreviation: Mapped[str | None] = mapped_column(sa.String(20))
    focus: Mapped[CommitteeFocus] = mapped_column(
        enum_column(CommitteeFocus, "committee_focus"), default=CommitteeFocus.OTHER
    )

    chamber: Mapped[Chamber] = relationship(back_populates="committees")

    @property
    def is_key(self) -> bool:
        """Foreign-affairs and legal committees handle the agreement first."""
        return self.focus in (CommitteeFocus.FOREIGN_AFFAIRS, CommitteeFocus.LEGAL)


def sort_name_for(name: str, given_name: str | None, family_name: str | None) -> str:
    """How a person is sorted when no sort name is given: "Family, Given" when both parts
    are known, else the name as written (a page, the API, a CSV or Popolo file alike)."""
    if given_name and family_name:
        return f"{family_name}, {given_name}"
    return name


class Representative(StateRecordMixin, Base):
    """A member (or former member) of parliament: a Popolo Person."""

    __tablename__ = "representatives"
    __table_args__ = (
        sa.CheckConstraint("influence BETWEEN 1 AND 5", name="influence_range"),
        sa.Index("ix_representatives_state_sort", "state_id", "sort_name"),
        # The list of every state's representatives, by name: its first page reads 50 rows
        # of the index instead of sorting 100,000 at campaign scale.
        sa.Index("ix_representatives_sort", "sort_name", "id"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    sort_name: Mapped[str] = mapped_column(sa.String(200))
    given_name: Mapped[str | None] = mapped_column(sa.String(120))
    family_name: Mapped[str | None] = mapped_column(sa.String(120))
    # Name and other names folded (case, accents) and in Latin letters, for search across
    # scripts; their sound keys (crm.text.name_keys) find other spellings of the same name.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    name_keys: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    gender: Mapped[str | None] = mapped_column(sa.String(20))
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    influence: Mapped[int] = mapped_column(default=3)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    do_not_contact_reason: Mapped[str | None] = mapped_column(sa.String(300))
    # The current stance is a cache of the newest stance record, kept by the one function
    # that records stances (`parliament.services.record_stance`): lists filter and sort on
    # it for 100,000 people, which a window over every record cannot do cheaply.
    stance: Mapped[Stance] = mapped_column(
        enum_column(Stance, "current_stance"), default=Stance.UNKNOWN, index=True
    )
    stance_on: Mapped[date | None]
    # Whether that newest record was observed in a restricted contact: readers who may not
    # see the contact see the stance, but its date only as a month (SPEC §2).
    stance_restricted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A duplicate merged into another record (crm.parliament.services.merge) is archived and
    # points here to the record that holds its history; its page leads there. RESTRICT: the
    # kept record is never deleted from under it. Deferred to the commit, so a backup's rows
    # restore whatever the order of the two records' ids.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "representatives.id", ondelete="RESTRICT", deferrable=True, initially="DEFERRED"
        )
    )

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="representative",
        order_by="Membership.start_date.desc()",
        cascade="all, delete-orphan",
    )
    committee_memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="representative", cascade="all, delete-orphan"
    )
    other_names: Mapped[list[OtherName]] = relationship(
        back_populates="representative", cascade="all, delete-orphan"
    )
    contact_details: Mapped[list[ContactDetail]] = relationship(
        back_populates="representative", cascade="all, delete-orphan"
    )
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="representative", cascade="all, delete-orphan"
    )

    def stance_date(self, *, withheld: bool) -> StanceDate:
        """When the current stance was observed, as a reader may see it; `withheld` when it
        was observed in a restricted contact they may not read
        (`crm.auth.permissions.stance_withheld`)."""
        if self.stance_on is None or not withheld:
            return StanceDate(self.stance, self.stance_on, exact=True)
        return StanceDate(self.stance, month_end(self.stance_on), exact=False)

    def __repr__(self) -> str:
        return f"<Representative {self.id} {self.name}>"


def seated_on(start: date | None, end: date | None, on: date) -> bool:
    """Whether a seat from `start` to `end` (either open) is held on the day `on`."""
    return (start is None or start <= on) and (end is None or end >= on)


@dataclass(frozen=True)
class StanceDate:
    """A current stance's date as one reader may see it: the day, or — observed in a
    restricted contact they may not read — the month only, placed at its last day, so that
    neither the date shown nor the day the "stale" flag turns tells when the contact was
    (SPEC §2). The one "is it stale" rule of pages, PDFs, files and the API."""

    stance: Stance
    on: date | None
    exact: bool

    def is_stale(self, today: date, stale_days: int) -> bool:
        """A known stance last observed more than `stale_days` ago."""
        return (
            self.stance is not Stance.UNKNOWN
            and self.on is not None
            and (today - self.on).days > stale_days
        )

    @property
    def month(self) -> str | None:
        """The month observed, as files and the API give it ("2026-03")."""
        return self.on.strftime("%Y-%m") if self.on is not None else None


class PartOfPersonMixin(IdMixin):
    """A row that is part of a representative's record (another name, a contact detail, an
    identifier, a seat): it goes with the person, who lists such rows under their table's
    name (`Representative.other_names`, `.memberships`…)."""

    __tablename__: str  # each row's own, which also names the person's list of them

    # Right after the id. Part of the person's record.
    representative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representatives.id", ondelete="CASCADE"), index=True, sort_order=-1
    )

    @declared_attr
    def representative(cls) -> Mapped[Representative]:
        return relationship("Representative", back_populates=cls.__tablename__)


class OtherName(PartOfPersonMixin, Base):
    """Another name of a person: another script, a transliteration, a former name."""

    __tablename__ = "other_names"

    name: Mapped[str] = mapped_column(sa.String(200))
    lang: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(200))


class ContactDetail(PartOfPersonMixin, Base):
    """A way to reach a person (Popolo contact_detail)."""

    __tablename__ = "contact_details"

    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind, "contact_kind"))
    value: Mapped[str] = mapped_column(sa.String(300))
    label: Mapped[str | None] = mapped_column(sa.String(120))


class Identifier(PartOfPersonMixin, Base):
    """An identifier of a person in another data set (EveryPolitician, Wikidata, …)."""

    __tablename__ = "identifiers"
    __table_args__ = (sa.UniqueConstraint("scheme", "value"),)

    scheme: Mapped[str] = mapped_column(sa.String(60))
    value: Mapped[str] = mapped_column(sa.String(200))


class Membership(PartOfPersonMixin, VersionedMixin, Base):
    """A seat in a chamber for a period, on behalf of a party, for a constituency (Post)."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
        sa.Index("ix_memberships_chamber_end", "chamber_id", "end_date"),
    )

    # Chambers and parties are kept while memberships name them.
    chamber_id: Mapped[int] = mapped_column(sa.ForeignKey("chambers.id", ondelete="RESTRICT"))
    party_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("parties.id", ondelete="RESTRICT"), index=True
    )
    constituency: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(80))
    legislative_period: Mapped[str | None] = mapped_column(sa.String(80))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    chamber: Mapped[Chamber] = relationship()
    party: Mapped[Party | None] = relationship()

    def is_current(self, on: date) -> bool:
        return seated_on(self.start_date, self.end_date, on)


class CommitteeMembership(PartOfPersonMixin, VersionedMixin, Base):
    """A seat on a committee, with a role (chair, rapporteur…), for a period."""

    __tablename__ = "committee_memberships"
    __table_args__ = (
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
    )

    # A committee's seats go with the committee.
    committee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committees.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[CommitteeRole] = mapped_column(
        enum_column(CommitteeRole, "committee_role"), default=CommitteeRole.MEMBER
    )
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    committee: Mapped[Committee] = relationship()

    def is_current(self, on: date) -> bool:
        return seated_on(self.start_date, self.end_date, on)


class StanceRecord(IdMixin, ArchivableMixin, Base):
    """One observation of a representative's stance, with where it came from."""

    __tablename__ = "stance_records"
    __table_args__ = (
        sa.Index("ix_stance_records_rep_observed", "representative_id", "observed_on", "id"),
    )

    # Stance history is evidence: a person with records is archived, not deleted.
    representative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representatives.id", ondelete="RESTRICT")
    )
    stance: Mapped[Stance] = mapped_column(enum_column(Stance, "stance"))
    source: Mapped[StanceSource] = mapped_column(enum_column(StanceSource, "stance_source"))
    confidence: Mapped[Confidence] = mapped_column(
        enum_column(Confidence, "confidence"), default=Confidence.MEDIUM
    )
    observed_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The record stays when the user who made it is removed.
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the observation was made; the record survives its source's removal.
    interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    vote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("votes.id", ondelete="SET NULL"), index=True
    )

    representative: Mapped[Representative] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()
    vote: Mapped[Vote | None] = relationship()
