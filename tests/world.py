"""A small, complete world for tests that cross features: two states and everyone in them.

`build_world()` makes a home state (whose section is `member`) and another state (whose
section is `other_member`), each with a chamber, parties, a committee, seated
representatives with stances, a normal and a restricted interaction with follow-ups, an
event with an invitation, and an agreement with stages; plus a coordinator, a staff member
and an admin. Feature tests and the cross-cutting tests (write routes, permissions,
restricted content) all use it, so every record type exists in both states.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from crm.auth.models import Role, User
from crm.backup import reset_sequences, row_counts, tables
from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction
from crm.parliament.models import (
    Chamber,
    Committee,
    CommitteeMembership,
    CommitteeRole,
    Party,
    Representative,
    Stance,
    StanceSource,
)
from crm.states.models import Agreement, AgreementStatus, Campaign, Stage, StageKind, State
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    CommitteeFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    PartyFactory,
    StageFactory,
    StanceRecordFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)

# Text that only people allowed to read restricted content may ever see.
RESTRICTED_MARK = "RESTRICTED-CONTENT-"


@dataclass
class Side:
    """Everything in one state."""

    state: State
    agreement: Agreement
    chamber: Chamber
    parties: list[Party]
    committee: Committee
    reps: list[Representative]
    interaction: Interaction
    restricted: Interaction
    follow_up: FollowUp
    restricted_follow_up: FollowUp
    event: Event
    invitation: Invitation
    stages: list[Stage]


@dataclass
class World:
    campaign: Campaign
    home: Side
    other: Side
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def _side(campaign: Campaign, iso_hint: str) -> Side:
    state = StateFactory(name=f"{iso_hint} land", timezone="Europe/Bucharest")
    agreement = AgreementFactory(
        campaign=campaign, state=state, status=AgreementStatus.BEFORE_PARLIAMENT
    )
    chamber = ChamberFactory(state=state, seats=6, name=f"{iso_hint} Assembly")
    parties = [
        PartyFactory(state=state, in_government=True, name=f"{iso_hint} Government Party"),
        PartyFactory(state=state, in_government=False, name=f"{iso_hint} Opposition Party"),
    ]
    committee = CommitteeFactory(chamber=chamber, name=f"{iso_hint} Foreign Affairs")
    reps = [
        seated_representative(chamber, parties[n % 2], name=f"{iso_hint} Member {n}")
        for n in range(4)
    ]
    reps[0].committee_memberships.append(
        CommitteeMembership(committee=committee, role=CommitteeRole.CHAIR)
    )
    for n, rep in enumerate(reps[:3]):
        StanceRecordFactory(
            representative=rep,
            stance=[Stance.LEANING_FOR, Stance.UNDECIDED, Stance.AGAINST_RATIFICATION][n],
            source=StanceSource.PUBLIC_STATEMENT,
            observed_on=date.today() - timedelta(days=10 + n),
        )
    now = datetime.now(UTC)
    interaction = InteractionFactory(
        state=state,
        representatives=[reps[0]],
        summary=f"{iso_hint} open meeting summary",
        occurred_at=now - timedelta(days=3),
    )
    restricted = InteractionFactory(
        state=state,
        representatives=[reps[1]],
        confidentiality=Confidentiality.RESTRICTED,
        summary=f"{RESTRICTED_MARK}{iso_hint}-summary",
        outcome=f"{RESTRICTED_MARK}{iso_hint}-outcome",
        occurred_at=now - timedelta(days=1),
    )
    StanceRecordFactory(
        representative=reps[1],
        interaction=restricted,
        stance=Stance.LEANING_AGAINST,
        source=StanceSource.PRIVATE_MEETING,
        note=f"{RESTRICTED_MARK}{iso_hint}-stance-note",
    )
    follow_up = FollowUpFactory(
        state=state,
        representative=reps[0],
        interaction=interaction,
        title=f"{iso_hint} open follow-up",
    )
    restricted_follow_up = FollowUpFactory(
        state=state,
        representative=reps[1],
        interaction=restricted,
        title=f"{RESTRICTED_MARK}{iso_hint}-follow-up",
    )
    stages = [
        StageFactory(
            agreement=agreement,
            kind=StageKind.COMMITTEE_VOTE,
            chamber=chamber,
            committee=committee,
            position=0,
            scheduled_on=date.today() + timedelta(days=10),
        ),
        StageFactory(
            agreement=agreement,
            kind=StageKind.PLENARY_VOTE,
            chamber=chamber,
            position=1,
            scheduled_on=date.today() + timedelta(days=20),
        ),
    ]
    event = EventFactory(state=state, title=f"{iso_hint} vigil", stage=stages[1])
    invitation = Invitation(event=event, representative=reps[2])
    db.session.add(invitation)
    db.session.commit()
    return Side(
        state=state,
        agreement=agreement,
        chamber=chamber,
        parties=parties,
        committee=committee,
        reps=reps,
        interaction=interaction,
        restricted=restricted,
        follow_up=follow_up,
        restricted_follow_up=restricted_follow_up,
        event=event,
        invitation=invitation,
        stages=stages,
    )


def build_world() -> World:
    """The world, in the current (normally empty) database.

    Building it through the factories takes about half a second on PostgreSQL, and over a
    thousand tests build one. So the first world a process builds is read back as rows, and
    later empty databases get those rows written straight back (same ids, same values: a few
    milliseconds). Kept per database kind and per day, as the world's dates are relative to
    today. A database that already holds rows gets a world built the slow way."""
    if not _is_empty():
        return _build()
    key = (db.engine.dialect.name, date.today())
    if key in _SNAPSHOTS:
        return _SNAPSHOTS[key].restore()
    world = _build()
    _SNAPSHOTS[key] = _Snapshot.take(world)
    return world


def _is_empty() -> bool:
    return not any(row_counts().values())


@dataclass(frozen=True)
class _Row:
    model: type
    id: int


@dataclass(frozen=True)
class _Shape:
    cls: type
    fields: dict[str, Any]


def _refs(value: Any) -> Any:
    """The world's shape with each record replaced by its model and id."""
    if isinstance(value, list):
        return [_refs(item) for item in value]
    if isinstance(value, dict):
        return {key: _refs(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return _Shape(type(value), {f.name: _refs(getattr(value, f.name)) for f in fields(value)})
    return _Row(type(value), value.id)


def _load(ref: Any) -> Any:
    if isinstance(ref, list):
        return [_load(item) for item in ref]
    if isinstance(ref, dict):
        return {key: _load(item) for key, item in ref.items()}
    if isinstance(ref, _Shape):
        return ref.cls(**{name: _load(item) for name, item in ref.fields.items()})
    return db.session.get(ref.model, ref.id)


def _fetch(ref: Any) -> list[Any]:
    """Read the world's records a table at a time, so that `_load` finds each in the
    session instead of asking for it alone (forty-odd queries). Returns them: the session
    holds only what something else keeps alive."""
    wanted: dict[type, set[int]] = {}

    def collect(item: Any) -> None:
        if isinstance(item, list):
            for each in item:
                collect(each)
        elif isinstance(item, dict):
            for each in item.values():
                collect(each)
        elif isinstance(item, _Shape):
            for each in item.fields.values():
                collect(each)
        else:
            wanted.setdefault(item.model, set()).add(item.id)

    collect(ref)
    return [
        record
        for model, ids in wanted.items()
        for record in db.session.scalars(sa.select(model).where(model.id.in_(ids)))
    ]


@dataclass
class _Snapshot:
    rows: list[tuple[sa.Table, list[dict[str, Any]]]]
    shape: _Shape
    # PostgreSQL: the rows as one script, sent in one round trip (a statement a table cost
    # about 35 ms a test there, and over a thousand tests restore a world).
    script: str | None = None

    @classmethod
    def take(cls, world: World) -> _Snapshot:
        db.session.commit()
        rows = []
        inserts = []
        postgresql = db.engine.dialect.name == "postgresql"
        for table in tables():
            found = [dict(row) for row in db.session.execute(sa.select(table)).mappings()]
            if not found:
                continue
            rows.append((table, found))
            if postgresql:
                # The rows as PostgreSQL itself writes them, read back into the same types.
                as_json = db.session.scalar(
                    sa.text(f'SELECT json_agg(t)::text FROM "{table.name}" t')
                )
                assert "$rows$" not in as_json
                inserts.append(
                    f'INSERT INTO "{table.name}" SELECT * FROM '
                    f'json_populate_recordset(NULL::"{table.name}", $rows${as_json}$rows$)'
                )
        return cls(rows=rows, shape=_refs(world), script="; ".join(inserts) or None)

    def restore(self) -> World:
        if self.script is not None:
            db.session.connection().exec_driver_sql(self.script)
        else:
            for table, found in self.rows:
                db.session.execute(sa.insert(table), found)
        reset_sequences()
        db.session.commit()
        fetched = _fetch(self.shape)
        world = _load(self.shape)
        del fetched  # the world holds what it needs
        assert isinstance(world, World)
        return world


_SNAPSHOTS: dict[tuple[str, date], _Snapshot] = {}


def _build() -> World:
    campaign = CampaignFactory()
    home = _side(campaign, "Home")
    other = _side(campaign, "Other")
    member = section_member(home.state, email="member@home.example", name="Home Member")
    other_member = section_member(other.state, email="member@other.example", name="Other Member")
    for side, user in ((home, member), (other, other_member)):
        for item in (side.interaction, side.restricted):
            item.participants.append(user)
        side.follow_up.assignee = user
        side.restricted_follow_up.assignee = user
    db.session.commit()
    world = World(campaign=campaign, home=home, other=other)
    world.users = {
        "member": member,
        "other_member": other_member,
        "coordinator": UserFactory(role=Role.COORDINATOR, email="coordinator@world.example"),
        "staff": UserFactory(role=Role.STAFF, email="staff@world.example"),
        "admin": UserFactory(role=Role.ADMIN, email="admin@world.example"),
    }
    return world
