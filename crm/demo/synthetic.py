"""Synthetic data at a chosen scale: `flask --app wsgi crm bench-data`.

The campaign's promise is that pages stay quick with 200 states, 100,000 representatives
and 1,000,000 interactions (the defaults here). The demo data set is 19 states; this fills
an empty database with as much as asked, fast: rows go in with bulk inserts in the
caller's transaction, with ids chosen here so that links need no round trips. The data
are plausible rather than realistic: every state has a section, an agreement before
parliament, one or two chambers with their seats filled, parties, a plenary vote
scheduled, stances, interactions (a tenth restricted) naming one or two members,
follow-ups and events. The demo accounts are created too, with the section accounts on
the first two states, so the result can be looked at in the browser.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from crm.auth.models import Role, Section
from crm.backup import BackupSummary, reset_sequences, row_counts, schema_revision
from crm.db import analyse_after_bulk_write
from crm.demo.loader import create_accounts
from crm.demo.parliament import STANCE_SCALE, draw_influence, draw_term_start, legislative_period
from crm.errors import ValidationFailed
from crm.events.models import Event, EventKind, EventStatus
from crm.extensions import db
from crm.interactions.models import (
    Confidentiality,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
    interaction_representatives,
)
from crm.parliament.models import (
    Chamber,
    ChamberKind,
    Confidence,
    MajorityRule,
    Membership,
    Party,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.risk.models import SnapshotReason
from crm.risk.services import take_snapshots
from crm.states.models import (
    Agreement,
    AgreementStatus,
    Campaign,
    CampaignGoal,
    RatificationRoute,
    RomeStatuteStatus,
    Stage,
    StageKind,
    State,
)
from crm.text import name_columns

BATCH = 5000
MAX_STATES = 26 * 26  # two-letter codes
PARTIES_PER_STATE = 5
EVENTS_PER_STATE = 10
FOLLOW_UP_EVERY = 20  # one interaction in 20 has a follow-up
RESTRICTED_EVERY = 10

Progress = Callable[[int], None]

# fmt: off
_GIVEN = [
    "Ana", "Ion", "Maria", "Elena", "Mihai", "Andrei", "Sita", "Ram", "Gita", "Hari", "Aisha",
    "Omar", "Lina", "Yusuf", "Amara", "Kofi", "Ada", "Chidi", "Mele", "Sione", "Talia",
    "Nikolai", "Irina", "Dilnoza", "Timur", "Lucía", "Mateo", "Sofía", "Tomás", "Grace",
]
_FAMILY = [
    "Popescu", "Ionescu", "Shrestha", "Adhikari", "Thapa", "Mensah", "Okafor", "Tui", "Fifita",
    "Rahimov", "Karimova", "García", "Fernández", "López", "Moreau", "Petit", "Haddad",
    "Nasser", "Silva", "Costa", "Novak", "Horvat", "Kaya", "Demir",
]
# fmt: on
# A vote's stance records come only from recorded votes.
_SOURCES = [source for source in StanceSource if source is not StanceSource.VOTE]


@dataclass(frozen=True)
class Scale:
    states: int = 200
    representatives: int = 100_000
    interactions: int = 1_000_000

    def problems(self) -> list[str]:
        found = []
        if not 1 <= self.states <= MAX_STATES:
            found.append(f"states must be between 1 and {MAX_STATES}")
        if self.representatives < self.states:
            found.append("at least one representative per state is needed")
        if self.interactions < 0:
            found.append("interactions cannot be negative")
        return found

    @property
    def rows(self) -> int:
        """About how many rows will be written (for a progress bar)."""
        return (
            self.states * (4 + PARTIES_PER_STATE + EVENTS_PER_STATE)
            + self.representatives * 3
            + self.interactions * 2
            + self.interactions // FOLLOW_UP_EVERY
        )


class Generator:
    def __init__(self, scale: Scale, seed: int, progress: Progress | None) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.progress = progress
        self.today = datetime.now(UTC).date()
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.codes = [
            "".join(pair) for pair in itertools.product(string.ascii_uppercase, repeat=2)
        ][: scale.states]
        # Per state: its representatives' ids; per section, its account (first two only).
        self.members: dict[int, list[int]] = {}
        self.section_users: dict[int, int] = {}

    def _insert(self, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                self._flush(table, batch)
                batch = []
        if batch:
            self._flush(table, batch)

    def _flush(self, table: sa.Table, batch: list[dict[str, Any]]) -> None:
        db.session.execute(sa.insert(table), batch)
        if self.progress:
            self.progress(len(batch))

    def run(self) -> None:
        campaign = Campaign(
            slug="synthetic",
            name="Synthetic campaign",
            agreement_title="Bilateral non-surrender agreement",
            goal=CampaignGoal.BLOCK,
            description="Synthetic data for measuring the application at scale.",
        )
        db.session.add(campaign)
        db.session.flush()
        self._states(campaign.id)
        self._accounts()
        self._parliaments()
        self._interactions()
        self._events()
        db.session.flush()
        # PostgreSQL plans for empty tables until autovacuum analyses them: a state's contacts
        # took 3.5 s at campaign scale before, 25 ms after.
        analyse_after_bulk_write(db.session, db.metadata.sorted_tables, self.scale.rows)
        reset_sequences()
        take_snapshots(db.session.get(Campaign, campaign.id), SnapshotReason.DAILY)

    def _states(self, campaign_id: int) -> None:
        ids = range(1, self.scale.states + 1)
        statuses = [self.rng.choice(list(RomeStatuteStatus)) for _ in ids]
        self._insert(
            State.__table__,
            (
                {
                    "id": n,
                    "iso2": code,
                    "name": f"Synthetic State {code}",
                    "capital": f"Capital {code}",
                    "timezone": "UTC",
                    "rome_statute_status": status.value,
                    "rome_statute_date": (
                        None
                        if status is RomeStatuteStatus.NOT_PARTY
                        else date(1998, 7, 17) + timedelta(days=self.rng.randrange(5000))
                    ),
                }
                for n, code, status in zip(ids, self.codes, statuses, strict=True)
            ),
        )
        self._insert(
            Section.__table__,
            ({"id": n, "name": f"Section {code}"} for n, code in zip(ids, self.codes, strict=True)),
        )
        self._insert(
            db.metadata.tables["section_states"], ({"section_id": n, "state_id": n} for n in ids)
        )
        self._insert(
            Agreement.__table__,
            (
                {
                    "id": n,
                    "campaign_id": campaign_id,
                    "state_id": n,
                    "signed_on": date(2002, 1, 1) + timedelta(days=self.rng.randrange(360)),
                    "status": AgreementStatus.BEFORE_PARLIAMENT.value,
                    "route": RatificationRoute.PARLIAMENT.value,
                }
                for n in ids
            ),
        )

    def _accounts(self) -> None:
        """The demo accounts; the section accounts get the first two states' sections."""
        sections = {1: db.session.get(Section, 1), 2: db.session.get(Section, 2)}
        section_accounts = iter(range(1, 3))

        def own(section_names: tuple[str, ...]) -> list[Section]:
            if section_names:
                state_id = next(section_accounts, None)
                section = sections.get(state_id) if state_id is not None else None
                if section is not None:
                    return [section]
            return []

        for user in create_accounts(own).values():
            if user.role is Role.SECTION and user.sections:
                self.section_users[user.sections[0].id] = user.id

    def _parliaments(self) -> None:
        states = self.scale.states
        per_state = [self.scale.representatives // states] * states
        for n in range(self.scale.representatives % states):
            per_state[n] += 1
        chambers, parties, reps, seats, stances, stages = [], [], [], [], [], []
        rep_id = 0
        for state_id, count in enumerate(per_state, start=1):
            code = self.codes[state_id - 1]
            split = [count] if count < 100 else [count - count // 5, count // 5]
            party_ids = [
                (state_id - 1) * PARTIES_PER_STATE + p + 1 for p in range(PARTIES_PER_STATE)
            ]
            for p, party_id in enumerate(party_ids):
                parties.append(
                    {
                        "id": party_id,
                        "state_id": state_id,
                        "name": f"Party {p + 1} of {code}",
                        "abbreviation": f"P{p + 1}",
                        "in_government": p == 0,
                    }
                )
            self.members[state_id] = []
            for position, seats_here in enumerate(split):
                chamber_id = len(chambers) + 1
                chambers.append(
                    {
                        "id": chamber_id,
                        "state_id": state_id,
                        "name": "Senate" if position else "National Assembly",
                        "classification": (
                            ChamberKind.UPPER
                            if position
                            else ChamberKind.LOWER
                            if len(split) > 1
                            else ChamberKind.UNICAMERAL
                        ).value,
                        "position": position,
                        "seats": seats_here,
                        "majority_rule": MajorityRule.VOTES_CAST.value,
                        "attendance": 0.9,
                        "roster_verified_on": self.today - timedelta(days=30),
                    }
                )
                stages.append(
                    {
                        "id": len(stages) + 1,
                        "agreement_id": state_id,
                        "position": position,
                        "kind": StageKind.PLENARY_VOTE.value,
                        "chamber_id": chamber_id,
                        "scheduled_on": self.today + timedelta(days=self.rng.randrange(5, 120)),
                    }
                )
                start = draw_term_start(self.rng, self.today)
                for _seat in range(seats_here):
                    rep_id += 1
                    self.members[state_id].append(rep_id)
                    given, family = self.rng.choice(_GIVEN), self.rng.choice(_FAMILY)
                    name = f"{given} {family}"
                    lean = self.rng.randrange(len(STANCE_SCALE))
                    known = self.rng.random() < 0.7
                    observed = self.today - timedelta(days=self.rng.randrange(1, 600))
                    reps.append(
                        {
                            "id": rep_id,
                            "state_id": state_id,
                            "name": name,
                            "sort_name": f"{family}, {given}",
                            "given_name": given,
                            "family_name": family,
                            **name_columns([name]),
                            "languages": [],
                            "tags": [],
                            "influence": draw_influence(self.rng),
                            "stance": (STANCE_SCALE[lean] if known else Stance.UNKNOWN).value,
                            "stance_on": observed if known else None,
                        }
                    )
                    seats.append(
                        {
                            "id": rep_id,
                            "representative_id": rep_id,
                            "chamber_id": chamber_id,
                            "party_id": self.rng.choice(party_ids),
                            "legislative_period": legislative_period(start),
                            "start_date": start,
                        }
                    )
                    if known:
                        stances.append(
                            {
                                "id": len(stances) + 1,
                                "representative_id": rep_id,
                                "stance": STANCE_SCALE[lean].value,
                                "source": self.rng.choice(_SOURCES).value,
                                "confidence": self.rng.choice(list(Confidence)).value,
                                "observed_on": observed,
                                "recorded_at": self.now,
                            }
                        )
        self._insert(Chamber.__table__, chambers)
        self._insert(Party.__table__, parties)
        self._insert(Representative.__table__, reps)
        self._insert(Membership.__table__, seats)
        self._insert(StanceRecord.__table__, stances)
        self._insert(Stage.__table__, stages)

    def _interaction_rows(self) -> Iterator[tuple[dict[str, Any], list[int]]]:
        states = self.scale.states
        kinds = [kind.value for kind in InteractionKind]
        for n in range(1, self.scale.interactions + 1):
            state_id = (n - 1) % states + 1
            members = self.members[state_id]
            met = self.rng.sample(members, k=min(len(members), self.rng.choice((1, 1, 2))))
            yield (
                {
                    "id": n,
                    "state_id": state_id,
                    "occurred_at": self.now - timedelta(minutes=self.rng.randrange(3 * 525_600)),
                    "kind": self.rng.choice(kinds),
                    "summary": f"Synthetic contact {n}: the agreement and the Rome Statute.",
                    "confidentiality": (
                        Confidentiality.RESTRICTED
                        if n % RESTRICTED_EVERY == 0
                        else Confidentiality.NORMAL
                    ).value,
                    "created_by_id": self.section_users.get(state_id),
                },
                met,
            )

    def _interactions(self) -> None:
        """Contacts in batches, each batch followed by its links to the members met."""
        contacts: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        follow_ups: list[dict[str, Any]] = []
        for row, met in self._interaction_rows():
            contacts.append(row)
            links.extend({"interaction_id": row["id"], "representative_id": r} for r in met)
            if row["id"] % FOLLOW_UP_EVERY == 0:
                follow_ups.append(self._follow_up(len(follow_ups) + 1, row, met[0]))
            if len(contacts) == BATCH:
                self._flush(Interaction.__table__, contacts)
                self._flush(interaction_representatives, links)
                contacts, links = [], []
        if contacts:
            self._flush(Interaction.__table__, contacts)
            self._flush(interaction_representatives, links)
        self._insert(FollowUp.__table__, follow_ups)

    def _follow_up(self, n: int, contact: dict[str, Any], rep_id: int) -> dict[str, Any]:
        done = self.rng.random() < 0.7
        return {
            "id": n,
            "state_id": contact["state_id"],
            "title": f"Send the briefing after contact {contact['id']}",
            "assignee_id": self.section_users.get(contact["state_id"]),
            "due_on": contact["occurred_at"].date() + timedelta(days=14),
            "status": (FollowUpStatus.DONE if done else FollowUpStatus.OPEN).value,
            "completed_at": (
                min(contact["occurred_at"] + timedelta(days=3), self.now) if done else None
            ),
            "interaction_id": contact["id"],
            "representative_id": rep_id,
            "created_by_id": contact["created_by_id"],
        }

    def _events(self) -> None:
        kinds = [kind.value for kind in EventKind]

        def rows() -> Iterator[dict[str, Any]]:
            n = 0
            for state_id in range(1, self.scale.states + 1):
                for k in range(EVENTS_PER_STATE):
                    n += 1
                    day = self.today + timedelta(days=self.rng.randrange(-200, 120))
                    starts = datetime.combine(day, time(10 + k % 6), tzinfo=UTC)
                    yield {
                        "id": n,
                        "state_id": state_id,
                        "title": f"Synthetic event {n}",
                        "kind": self.rng.choice(kinds),
                        "status": (
                            EventStatus.HELD if day < self.today else EventStatus.PLANNED
                        ).value,
                        "city": f"Capital {self.codes[state_id - 1]}",
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=2),
                        "section_id": state_id,
                        "press_links": [],
                    }

        self._insert(Event.__table__, rows())


def generate(scale: Scale, *, seed: int = 1, progress: Progress | None = None) -> BackupSummary:
    """Fill this empty database with synthetic data, in the caller's transaction."""
    problems = scale.problems()
    if problems:
        raise ValidationFailed("; ".join(problems))
    held = sum(row_counts().values())
    if held:
        raise ValidationFailed(
            f"the database already holds {held:,} rows; synthetic data go into an empty one"
        )
    Generator(scale, seed, progress).run()
    db.session.flush()
    return BackupSummary(schema_revision=schema_revision(), tables=row_counts())
