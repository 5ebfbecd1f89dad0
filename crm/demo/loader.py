"""The demonstration data set: `flask --app wsgi crm demo`.

States, chambers and the campaign come from `signatory-states.json` (shipped in this
package). Everything about people is generated from a fixed seed: fictitious names filling
every seat, parties, committees, stances, contacts, follow-ups, events and a few stages.
Dates are placed relative to the day of loading so the pages always show a campaign in
progress. Loading is all or nothing, and loading twice changes nothing.

This module holds the campaign, the states, the sections and the accounts, and the order
in which everything is built; `plan` says how each state stands, `parliament` builds the
chambers and the people in them, `activity` the stages, contacts and events.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crm.audit.services import record
from crm.auth.models import Role, Section, User
from crm.auth.services import create_user
from crm.demo.activity import ActivityBuilder
from crm.demo.parliament import ParliamentBuilder, add_parties
from crm.demo.plan import EXECUTIVE_PROBABILITY, PLANS
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.models import FollowUp, Interaction
from crm.parliament.models import Chamber, Representative, StanceRecord
from crm.parliament.services import refresh_current_stances
from crm.risk.models import SnapshotReason
from crm.risk.services import backfill, take_snapshots
from crm.states.models import (
    Agreement,
    Campaign,
    CampaignGoal,
    KeyMessage,
    RatificationRoute,
    RomeStatuteStatus,
    Stage,
    State,
)

DEMO_PASSWORD = "impunity-demo"  # noqa: S105 - the documented password of demo accounts
CAMPAIGN_SLUG = "no-impunity-agreements"
DATA_FILE = Path(__file__).with_name("signatory-states.json")
SEED = 20030129  # the seed document's date: the same people every time

DEMO_NOTE = (
    "Demonstration data: chamber names, seat counts and dates are approximate, and every "
    "representative is fictitious. Check before operational use."
)

# (e-mail, name, role, section names)
ACCOUNTS: tuple[tuple[str, str, Role, tuple[str, ...]], ...] = (
    ("admin@demo.example", "Demo Administrator", Role.ADMIN, ()),
    ("coordinator@demo.example", "Demo Coordinator", Role.COORDINATOR, ()),
    ("section.ro@demo.example", "Demo Romania Section Member", Role.SECTION, ("Romania",)),
    ("section.ne@demo.example", "Demo Nepal Section Member", Role.SECTION, ("Nepal",)),
    ("staff@demo.example", "Demo Briefings Staff", Role.STAFF, ()),
)

# Sections responsible for several states; every other state has a section of its own.
GROUPED_SECTIONS = {"Pacific Islands": ("FM", "MH", "PW"), "Central Asia": ("TJ", "UZ")}

_ROME = {
    "ratified": RomeStatuteStatus.RATIFIED,
    "acceded": RomeStatuteStatus.ACCEDED,
    "signed": RomeStatuteStatus.SIGNED,
    "not a party": RomeStatuteStatus.NOT_PARTY,
    "signed, intention not to ratify notified": RomeStatuteStatus.UNSIGNED,
}


@dataclass
class DemoReport:
    created: bool
    accounts_present: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        if not self.created:
            return "The demo data set is already loaded; nothing was changed."
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"Loaded the demo data set: {parts}."


def _accounts() -> list[tuple[str, str]]:
    return [(email, role.value) for email, _name, role, _sections in ACCOUNTS]


def load_demo(
    progress: Callable[[str], None] | None = None,
    today: date | None = None,
    *,
    dry_run: bool = False,
) -> DemoReport:
    """Load the demo data set, in the caller's transaction; nothing if it is there already.

    With `dry_run`, only report whether the demo set (and its accounts) is present.
    """
    loaded = db.session.scalar(sa.select(Campaign.id).where(Campaign.slug == CAMPAIGN_SLUG))
    if loaded or dry_run:
        return DemoReport(created=False, accounts_present=bool(loaded), accounts=_accounts())
    say = progress or (lambda _message: None)
    builder = _Builder(random.Random(SEED), today or datetime.now(UTC).date())
    builder.build(say)
    return DemoReport(created=True, counts=builder.counts(), accounts=_accounts())


def create_accounts(sections_for: Callable[[tuple[str, ...]], list[Section]]) -> dict[str, User]:
    """The demo accounts (`ACCOUNTS`, with `DEMO_PASSWORD`), by e-mail, in order; each
    account's sections are what `sections_for` gives for its section names."""
    return {
        email: create_user(
            None,
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            sections=sections_for(section_names),
        )
        for email, name, role, section_names in ACCOUNTS
    }


class _Builder:
    """One load: the campaign, the sections and accounts, then each state in turn.

    The order of the steps is the order of the random draws: changing it changes the people.
    """

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        self.parliament = ParliamentBuilder(rng, today)
        self.activity = ActivityBuilder(rng, today)
        self.users: dict[str, User] = {}
        self.sections: dict[str, Section] = {}

    def counts(self) -> dict[str, int]:
        models = {
            "states": State,
            "chambers": Chamber,
            "representatives": Representative,
            "stance records": StanceRecord,
            "interactions": Interaction,
            "follow-ups": FollowUp,
            "events": Event,
            "stages": Stage,
            "accounts": User,
        }
        return {
            name: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for name, model in models.items()
        }

    def build(self, say: Callable[[str], None]) -> None:
        campaign = self._campaign()
        self._sections()
        self.users = create_accounts(lambda names: [self.sections[s] for s in names])
        for entry in self.data["states"]:
            say(f"  {entry['name']}…")
            state = self._state(entry)
            plan = PLANS[state.iso2]
            agreement = self._agreement(campaign, state, entry)
            chambers = self.parliament.chambers(state, entry, plan.majority_rule)
            parties = add_parties(state)
            seated = self.parliament.seat_everyone(state, chambers, parties)
            self.parliament.committees(chambers, seated)
            db.session.flush()
            section_user = self._section_user(state)
            self.parliament.stances(plan, seated, recorder=section_user)
            self.activity.stages(agreement, chambers, seated)
            self.activity.contacts(state, plan, seated, author=section_user)
            self.activity.events(state, agreement, seated)
        db.session.flush()
        refresh_current_stances([r.id for r in self.parliament.representatives])
        record(None, "demo_loaded", campaign, summary=DEMO_NOTE, actor_email="crm demo")
        db.session.flush()
        say("  risk history…")
        # The trend lines start with the history the dated stance records already tell.
        backfill(campaign, days=90, step=7)
        take_snapshots(campaign, SnapshotReason.DAILY)

    def _campaign(self) -> Campaign:
        facts = self.data["campaign"]
        campaign = Campaign(
            slug=CAMPAIGN_SLUG,
            name=facts["name"],
            agreement_title=facts["agreement"],
            goal=CampaignGoal(facts["goal"]),
            coalition=facts["coalition"],
            petition_signatures=facts["petition_signatures"],
            as_of=date.fromisoformat(facts["as_of"]),
            description=(
                "Parliaments of the states that signed an impunity agreement with the USA are "
                "urged to refuse ratification. " + DEMO_NOTE
            ),
            key_messages=[KeyMessage(text=text) for text in facts["key_messages"]],
        )
        db.session.add(campaign)
        return campaign

    def _sections(self) -> None:
        grouped = {code for codes in GROUPED_SECTIONS.values() for code in codes}
        for name in GROUPED_SECTIONS:
            self.sections[name] = Section(name=name)
        for entry in self.data["states"]:
            if entry["iso2"] not in grouped:
                self.sections[entry["name"]] = Section(name=entry["name"])
        db.session.add_all(self.sections.values())

    def _section_user(self, state: State) -> User | None:
        """The demo account of the state's section, if it has one."""
        for user in self.users.values():
            if any(section in state.sections for section in user.sections):
                return user
        return None

    def _state(self, entry: dict[str, Any]) -> State:
        rome = entry["rome_statute"]
        state = State(
            iso2=entry["iso2"],
            name=entry["name"],
            capital=entry["capital"],
            timezone=entry["tz"],
            rome_statute_status=_ROME[rome["status"]],
            rome_statute_date=date.fromisoformat(rome["date"]) if rome["date"] else None,
            notes=DEMO_NOTE,
        )
        section = next(
            (self.sections[n] for n, codes in GROUPED_SECTIONS.items() if entry["iso2"] in codes),
            self.sections.get(entry["name"]),
        )
        if section is not None:
            state.sections.append(section)
        db.session.add(state)
        return state

    def _agreement(self, campaign: Campaign, state: State, entry: dict[str, Any]) -> Agreement:
        route_text: str = entry["ratification_route"]
        if route_text.startswith("executive"):
            route = RatificationRoute.EXECUTIVE
        elif route_text.startswith("parliament"):
            route = RatificationRoute.PARLIAMENT
        else:
            route = RatificationRoute.NONE_SITTING
        agreement = Agreement(
            campaign=campaign,
            state=state,
            # The seed says only "by 29 January 2003": spread signatures over 2002.
            signed_on=date(2002, 1, 1) + timedelta(days=self.rng.randrange(8, 360)),
            status=PLANS[state.iso2].status,
            route=route,
            route_note=route_text if route_text not in ("parliament", "executive") else None,
            executive_probability=EXECUTIVE_PROBABILITY.get(state.iso2),
        )
        db.session.add(agreement)
        return agreement
