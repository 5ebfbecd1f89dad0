"""factory_boy factories for the domain. Each factory commits, like a real request would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from crm.auth.models import Role, Section, User
from crm.events.models import Event, EventKind, EventStatus
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction, InteractionKind
from crm.parliament.models import (
    Chamber,
    ChamberKind,
    Committee,
    Membership,
    OtherName,
    Party,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.parliament.services import refresh_current_stances
from crm.states.models import (
    Agreement,
    Campaign,
    CampaignGoal,
    KeyMessage,
    RatificationRoute,
    RomeStatuteStatus,
    Stage,
    StageKind,
    State,
)
from crm.text import name_keys, search_text

PASSWORD = "correct horse battery"
# Hashed once: per-user hashing would dominate the suite's time.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the app's session
        sqlalchemy_session_persistence = "commit"


# Never made by StateFactory: the code tests use for a state that does not exist.
UNKNOWN_ISO2 = "QQ"


def _iso2(n: int) -> str:
    """Codes unlikely to be real states first (Q…, X…, Z…), then any two letters."""
    letters = "QXZWABCDEFGHIJKLMNOPRSTUVY"
    n = n % 675 + 1  # 0 would be "QQ", UNKNOWN_ISO2
    return letters[n // 26] + letters[n % 26]


class CampaignFactory(Base):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    agreement_title = "Bilateral non-surrender agreement"
    goal = CampaignGoal.BLOCK
    petition_signatures = 1000
    key_messages = factory.LazyFunction(lambda: [KeyMessage(text="Impunity is not an option.")])


class StateFactory(Base):
    class Meta:
        model = State

    iso2 = factory.Sequence(_iso2)
    name = factory.LazyAttribute(lambda o: f"State {o.iso2}")
    capital = "Capital"
    timezone = "Europe/Bucharest"
    rome_statute_status = RomeStatuteStatus.RATIFIED


class SectionFactory(Base):
    class Meta:
        model = Section

    name = factory.Sequence(lambda n: f"Section {n}")

    @factory.post_generation
    def states(self, create, extracted, **_kwargs):
        if extracted:
            self.states.extend(extracted)
            if create:
                db.session.commit()


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.STAFF
    password_hash = _PASSWORD_HASH
    is_enabled = True

    @factory.post_generation
    def sections(self, create, extracted, **_kwargs):
        if extracted:
            self.sections.extend(extracted)
            if create:
                db.session.commit()


def section_member(*states: State, **kwargs) -> User:
    """A section user responsible for the given states."""
    section = SectionFactory(states=list(states))
    return UserFactory(role=Role.SECTION, sections=[section], **kwargs)


class AgreementFactory(Base):
    class Meta:
        model = Agreement

    campaign = factory.SubFactory(CampaignFactory)
    state = factory.SubFactory(StateFactory)
    signed_on = date(2002, 8, 1)
    route = RatificationRoute.PARLIAMENT


class ChamberFactory(Base):
    class Meta:
        model = Chamber

    state = factory.SubFactory(StateFactory)
    name = factory.Sequence(lambda n: f"Chamber {n}")
    classification = ChamberKind.UNICAMERAL
    seats = 10


class PartyFactory(Base):
    class Meta:
        model = Party

    state = factory.SubFactory(StateFactory)
    name = factory.Sequence(lambda n: f"Party {n}")
    abbreviation = factory.Sequence(lambda n: f"P{n}")


class CommitteeFactory(Base):
    class Meta:
        model = Committee

    chamber = factory.SubFactory(ChamberFactory)
    name = factory.Sequence(lambda n: f"Committee {n}")


class RepresentativeFactory(Base):
    class Meta:
        model = Representative

    state = factory.SubFactory(StateFactory)
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    name = factory.LazyAttribute(lambda o: f"{o.given_name} {o.family_name}")
    sort_name = factory.LazyAttribute(lambda o: f"{o.family_name}, {o.given_name}")
    influence = 3
    search_text = factory.LazyAttribute(lambda o: search_text([o.name]))
    name_keys = factory.LazyAttribute(lambda o: name_keys([o.name]))


class OtherNameFactory(Base):
    class Meta:
        model = OtherName

    representative = factory.SubFactory(RepresentativeFactory)
    name = "Другое имя"
    lang = "ru"


class MembershipFactory(Base):
    class Meta:
        model = Membership

    representative = factory.SubFactory(RepresentativeFactory)
    chamber = factory.SubFactory(
        ChamberFactory, state=factory.SelfAttribute("..representative.state")
    )
    party = None
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=400))


def seated_representative(chamber: Chamber, party: Party | None = None, **kwargs) -> Representative:
    """A representative with a current seat in the chamber."""
    rep = RepresentativeFactory(state=chamber.state, **kwargs)
    MembershipFactory(representative=rep, chamber=chamber, party=party)
    return rep


class StanceRecordFactory(Base):
    class Meta:
        model = StanceRecord

    representative = factory.SubFactory(RepresentativeFactory)
    stance = Stance.UNDECIDED
    source = StanceSource.PUBLIC_STATEMENT
    observed_on = factory.LazyFunction(date.today)

    @factory.post_generation
    def cache(self, create, _extracted, **_kwargs):
        if create:
            refresh_current_stances([self.representative_id])
            db.session.commit()


class InteractionFactory(Base):
    class Meta:
        model = Interaction

    state = factory.SubFactory(StateFactory)
    occurred_at = factory.LazyFunction(lambda: datetime.now(UTC) - timedelta(days=2))
    kind = InteractionKind.MEETING
    summary = "Discussed the agreement."
    outcome = "Will think about it."
    confidentiality = Confidentiality.NORMAL

    @factory.post_generation
    def representatives(self, create, extracted, **_kwargs):
        if extracted:
            self.representatives.extend(extracted)
            if create:
                db.session.commit()


class FollowUpFactory(Base):
    class Meta:
        model = FollowUp

    state = factory.SubFactory(StateFactory)
    title = "Send the legal analysis"
    due_on = factory.LazyFunction(lambda: date.today() + timedelta(days=7))


class EventFactory(Base):
    class Meta:
        model = Event

    state = factory.SubFactory(StateFactory)
    title = "Petition hand-over"
    kind = EventKind.PETITION_HANDOVER
    status = EventStatus.PLANNED
    starts_at = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(days=5))


class StageFactory(Base):
    class Meta:
        model = Stage

    agreement = factory.SubFactory(AgreementFactory)
    kind = StageKind.PLENARY_VOTE
    scheduled_on = factory.LazyFunction(lambda: date.today() + timedelta(days=20))
