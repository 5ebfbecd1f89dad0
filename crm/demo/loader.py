"""The demonstration data set: `flask --app wsgi crm demo`.

States, chambers and the campaign come from `signatory-states.json` (shipped in this
package). Everything about people is generated from a fixed seed: fictitious names filling
every seat, parties, committees, stances, contacts, follow-ups, events and a few stages.
Dates are placed relative to the day of loading so the pages always show a campaign in
progress. Loading is all or nothing, and loading twice changes nothing.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from crm.audit.services import record
from crm.auth.models import Role, Section, User
from crm.auth.services import create_user
from crm.demo.names import COMMITTEE_NAMES, CONSTITUENCY_NAMES, NAME_POOLS, PARTY_POOLS, full_name
from crm.events.models import Event, EventKind, EventStatus, Invitation, Rsvp
from crm.extensions import db
from crm.interactions.models import (
    Confidentiality,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
)
from crm.parliament.models import (
    Chamber,
    ChamberKind,
    Committee,
    CommitteeFocus,
    CommitteeMembership,
    CommitteeRole,
    Confidence,
    ContactDetail,
    ContactKind,
    Identifier,
    MajorityRule,
    Membership,
    OtherName,
    Party,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.parliament.services import refresh_current_stances, refresh_search_text
from crm.risk.models import SnapshotReason
from crm.risk.services import backfill, take_snapshots
from crm.states.models import (
    Agreement,
    AgreementStatus,
    Campaign,
    CampaignGoal,
    KeyMessage,
    RatificationRoute,
    RomeStatuteStatus,
    Stage,
    StageKind,
    StageResult,
    StageStatus,
    State,
)
from crm.votes.models import Count, Vote, VoteEvent, VoteOption

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

# How each state's agreement stands in the demo, and its parliament's habits.
# status, majority rule, government's leaning toward ratifying (0..1), share of seats
# with a recorded stance.
_STATE_PLAN: dict[str, tuple[AgreementStatus, MajorityRule, float, float]] = {
    "AF": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.0),
    "DJ": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.7, 0.35),
    "DO": (AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.65, 0.55),
    "TL": (AgreementStatus.SIGNED, MajorityRule.MEMBERS, 0.45, 0.4),
    "SV": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.3),
    "GM": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.7, 0.25),
    "HN": (AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.7, 0.5),
    "IN": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.15),
    "IL": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.8, 0.2),
    "MH": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.6),
    "MR": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.65, 0.2),
    "FM": (AgreementStatus.SIGNED, MajorityRule.TWO_THIRDS_MEMBERS, 0.55, 0.7),
    "NP": (AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.5, 0.45),
    "PW": (AgreementStatus.SIGNED, MajorityRule.TWO_THIRDS_PRESENT, 0.5, 0.65),
    "RO": (AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.55, 0.7),
    "SL": (AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.MEMBERS, 0.6, 0.45),
    "LK": (AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.55, 0.35),
    "TJ": (AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.MEMBERS, 0.75, 0.4),
    "UZ": (AgreementStatus.SIGNED, MajorityRule.MEMBERS, 0.8, 0.2),
}

_EXECUTIVE_PROBABILITY = {"IN": 0.55, "IL": 0.7}
_STANCE_SCALE = (
    Stance.FOR_RATIFICATION,
    Stance.LEANING_FOR,
    Stance.UNDECIDED,
    Stance.LEANING_AGAINST,
    Stance.AGAINST_RATIFICATION,
)
_LANGUAGES = {
    "AF": ["fa", "ps"], "DJ": ["fr", "ar"], "DO": ["es"], "TL": ["pt", "tet"], "SV": ["es"],
    "GM": ["en"], "HN": ["es"], "IN": ["hi", "en"], "IL": ["he", "en"], "MH": ["mh", "en"],
    "MR": ["ar", "fr"], "FM": ["en"], "NP": ["ne", "en"], "PW": ["pau", "en"],
    "RO": ["ro", "fr"], "SL": ["en"], "LK": ["si", "ta", "en"], "TJ": ["tg", "ru"],
    "UZ": ["uz", "ru"],
}  # fmt: skip
_TAGS = ("foreign-affairs", "lawyer", "former-minister", "human-rights", "military", "media")

_MEETING_SUMMARIES = (
    "Discussed the impunity agreement and the obligations under the Rome Statute.",
    "Presented the coalition's legal analysis; asked about the committee timetable.",
    "Handed over the briefing paper and the petition figures for the constituency.",
    "Raised the risk to the state's obligations to prosecute international crimes.",
    "Explained that the agreement lacks any US commitment to investigate or prosecute.",
    "Short meeting in the parliament corridor; agreed to meet again before the vote.",
)
_OUTCOMES = (
    "Will read the legal analysis before the committee meets.",
    "Undecided; under pressure from the party leadership.",
    "Supportive in private, will not speak publicly yet.",
    "Asked for the comparison with other states' decisions.",
    "Firmly in favour of ratification; cites aid commitments.",
    "Offered to raise the issue in the party group.",
)
_FOLLOW_UPS = (
    "Send the legal analysis in the member's language",
    "Arrange a meeting with the committee rapporteur",
    "Share the petition figures for the constituency",
    "Ask for the committee's timetable",
    "Invite to the public briefing",
)


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


class _Builder:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        self.users: dict[str, User] = {}
        self.sections: dict[str, Section] = {}
        self.states: dict[str, State] = {}
        self.representatives: list[Representative] = []

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

    # -- the whole set ------------------------------------------------------------------

    def build(self, say: Callable[[str], None]) -> None:
        campaign = self._campaign()
        self._sections()
        self._accounts()
        for entry in self.data["states"]:
            say(f"  {entry['name']}…")
            state = self._state(entry)
            agreement = self._agreement(campaign, state, entry)
            chambers = self._chambers(state, entry)
            parties = self._parties(state)
            seated = self._seat_everyone(state, chambers, parties)
            self._committees(state, chambers, seated)
            db.session.flush()
            self._stances(state, seated)
            self._stages(agreement, chambers, seated)
            self._contacts(state, seated)
            self._events(state, agreement, seated)
        db.session.flush()
        refresh_current_stances([r.id for r in self.representatives])
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

    def _accounts(self) -> None:
        for email, name, role, section_names in ACCOUNTS:
            self.users[email] = create_user(
                None,
                email=email,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                sections=[self.sections[s] for s in section_names],
            )

    # -- states and parliaments -----------------------------------------------------------

    def _state(self, entry: dict) -> State:
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
        self.states[state.iso2] = state
        return state

    def _agreement(self, campaign: Campaign, state: State, entry: dict) -> Agreement:
        route_text: str = entry["ratification_route"]
        if route_text.startswith("executive"):
            route = RatificationRoute.EXECUTIVE
        elif route_text.startswith("parliament"):
            route = RatificationRoute.PARLIAMENT
        else:
            route = RatificationRoute.NONE_SITTING
        status = _STATE_PLAN[state.iso2][0]
        agreement = Agreement(
            campaign=campaign,
            state=state,
            # The seed says only "by 29 January 2003": spread signatures over 2002.
            signed_on=date(2002, 1, 1) + timedelta(days=self.rng.randrange(8, 360)),
            status=status,
            route=route,
            route_note=route_text if route_text not in ("parliament", "executive") else None,
            executive_probability=_EXECUTIVE_PROBABILITY.get(state.iso2),
        )
        db.session.add(agreement)
        return agreement

    def _chambers(self, state: State, entry: dict) -> list[Chamber]:
        rule = _STATE_PLAN[state.iso2][1]
        chambers = []
        for position, facts in enumerate(entry["chambers"]):
            chamber = Chamber(
                state=state,
                name=facts["name"],
                classification=ChamberKind(facts["kind"]),
                position=position,
                seats=facts["seats"],
                majority_rule=rule,
                attendance=self.rng.choice((0.85, 0.9, 0.9, 0.95)),
                roster_verified_on=self.today - timedelta(days=self.rng.randrange(10, 400)),
            )
            db.session.add(chamber)
            chambers.append(chamber)
        return chambers

    def _parties(self, state: State) -> list[tuple[Party | None, float]]:
        """The state's parties with their seat shares; independents sit for no party."""
        parties: list[tuple[Party | None, float]] = []
        for seed in PARTY_POOLS[state.iso2]:
            if seed.abbreviation == "IND":
                parties.append((None, seed.weight))
                continue
            party = Party(
                state=state,
                name=seed.name,
                abbreviation=seed.abbreviation,
                in_government=seed.in_government,
            )
            db.session.add(party)
            parties.append((party, seed.weight))
        return parties

    def _person(self, state: State) -> Representative:
        pool = NAME_POOLS[state.iso2]
        given, family, display, native = full_name(pool, self.rng)
        rep = Representative(
            state=state,
            name=display,
            sort_name=f"{family}, {given}",
            given_name=given,
            family_name=family,
            languages=list(_LANGUAGES[state.iso2][: self.rng.randint(1, 2)]),
            influence=self.rng.choices((1, 2, 3, 4, 5), weights=(1, 3, 5, 3, 1))[0],
            tags=self.rng.sample(_TAGS, k=self.rng.choice((0, 0, 1, 1, 2))),
        )
        if native:
            rep.other_names.append(OtherName(name=native, lang=pool.lang))
        handle = f"{_ascii(given)}.{_ascii(family)}.{len(self.representatives) + 1}"
        rep.contact_details.append(
            ContactDetail(
                kind=ContactKind.EMAIL,
                value=f"{handle}@{state.iso2.lower()}.parliament.example",
                label="Parliament office",
            )
        )
        if self.rng.random() < 0.6:
            rep.contact_details.append(
                ContactDetail(
                    kind=ContactKind.PHONE,
                    value=f"+000 555 {self.rng.randrange(1000, 9999)} "
                    f"{self.rng.randrange(100, 999)}",
                    label="Office (fictitious)",
                )
            )
        rep.identifiers.append(Identifier(scheme="demo", value=f"demo/{state.iso2}/{handle}"))
        if self.rng.random() < 0.02:
            rep.do_not_contact = True
            rep.do_not_contact_reason = "Asked not to be contacted by campaigners."
        refresh_search_text(rep)
        db.session.add(rep)
        self.representatives.append(rep)
        return rep

    def _seat_everyone(
        self, state: State, chambers: list[Chamber], parties: list[tuple[Party | None, float]]
    ) -> dict[Chamber, list[tuple[Representative, Party | None]]]:
        """Fill every seat; a few members left during the term and were replaced."""
        seated: dict[Chamber, list[tuple[Representative, Party | None]]] = {}
        constituencies = CONSTITUENCY_NAMES[state.iso2]
        weights = [w for _p, w in parties]
        for chamber in chambers:
            term_start = self.today - timedelta(days=self.rng.randrange(200, 1300))
            members = []
            for _seat in range(chamber.seats):
                party = self.rng.choices([p for p, _w in parties], weights=weights)[0]
                party_for_seat = party
                rep = self._person(state)
                seat = Membership(
                    chamber=chamber,
                    party=party_for_seat,
                    constituency=self.rng.choice(constituencies),
                    legislative_period=f"{term_start.year}–{term_start.year + 4}",
                    start_date=term_start,
                )
                rep.memberships.append(seat)
                roll = self.rng.random()
                if roll < 0.03:
                    # Left mid-term: the seat went to someone else, the history stays.
                    left_on = term_start + timedelta(days=self.rng.randrange(60, 180))
                    seat.end_date = left_on
                    rep = self._person(state)
                    rep.memberships.append(
                        Membership(
                            chamber=chamber,
                            party=party_for_seat,
                            constituency=seat.constituency,
                            legislative_period=seat.legislative_period,
                            start_date=left_on + timedelta(days=1),
                        )
                    )
                elif roll < 0.06 and len(parties) > 1:
                    # Changed party group mid-term (or left it to sit as an independent).
                    moved_on = term_start + timedelta(days=self.rng.randrange(90, 190))
                    seat.end_date = moved_on - timedelta(days=1)
                    new_party = self.rng.choice([p for p, _w in parties if p is not party])
                    party_for_seat = new_party
                    rep.memberships.append(
                        Membership(
                            chamber=chamber,
                            party=new_party,
                            constituency=seat.constituency,
                            legislative_period=seat.legislative_period,
                            start_date=moved_on,
                        )
                    )
                members.append((rep, party_for_seat))
            seated[chamber] = members
        return seated

    def _committees(
        self,
        state: State,
        chambers: list[Chamber],
        seated: dict[Chamber, list[tuple[Representative, Party | None]]],
    ) -> None:
        for chamber in chambers:
            count = 2 if chamber.seats < 30 else self.rng.randint(3, len(COMMITTEE_NAMES))
            for name, focus in COMMITTEE_NAMES[:count]:
                committee = Committee(chamber=chamber, name=name, focus=CommitteeFocus(focus))
                db.session.add(committee)
                size = max(3, min(21, chamber.seats // 8))
                members = self.rng.sample(seated[chamber], k=min(size, len(seated[chamber])))
                roles = [CommitteeRole.CHAIR, CommitteeRole.VICE_CHAIR, CommitteeRole.RAPPORTEUR]
                for index, (rep, _party) in enumerate(members):
                    rep.committee_memberships.append(
                        CommitteeMembership(
                            committee=committee,
                            role=roles[index] if index < len(roles) else CommitteeRole.MEMBER,
                            start_date=rep.memberships[-1].start_date,
                        )
                    )

    # -- what the sections have learned ---------------------------------------------------

    def _leaning(self, state: State, party: Party | None) -> float:
        """The chance a member of this party favours ratification."""
        government = _STATE_PLAN[state.iso2][2]
        if party is None:
            return 0.4
        return government if party.in_government else 1 - government * 0.9

    def _draw_stance(self, state: State, party: Party | None) -> Stance:
        p_for = self._leaning(state, party)
        # Centre the five-step scale on the party's leaning, with some spread.
        centre = (1 - p_for) * 4 + self.rng.gauss(0, 0.9)
        return _STANCE_SCALE[min(4, max(0, round(centre)))]

    def _stances(
        self, state: State, seated: dict[Chamber, list[tuple[Representative, Party | None]]]
    ) -> None:
        coverage = _STATE_PLAN[state.iso2][3]
        recorder = self._section_user(state)
        for members in seated.values():
            for rep, party in members:
                if self.rng.random() >= coverage:
                    continue
                for _n in range(self.rng.choice((1, 1, 2, 3))):
                    age = self.rng.choice((self.rng.randrange(5, 90), self.rng.randrange(90, 600)))
                    db.session.add(
                        StanceRecord(
                            representative=rep,
                            stance=self._draw_stance(state, party),
                            source=self.rng.choice(
                                (
                                    StanceSource.PUBLIC_STATEMENT,
                                    StanceSource.MEDIA,
                                    StanceSource.THIRD_PARTY,
                                    StanceSource.PRIVATE_MEETING,
                                )
                            ),
                            confidence=self.rng.choice(list(Confidence)),
                            observed_on=self.today - timedelta(days=age),
                            recorded_by=recorder,
                            note=None,
                        )
                    )

    def _section_user(self, state: State) -> User | None:
        for user in self.users.values():
            if any(section in state.sections for section in user.sections):
                return user
        return None

    def _stages(
        self,
        agreement: Agreement,
        chambers: list[Chamber],
        seated: dict[Chamber, list[tuple[Representative, Party | None]]],
    ) -> None:
        if agreement.status is not AgreementStatus.BEFORE_PARLIAMENT or not chambers:
            return
        lower = chambers[0]
        key = next((c for c in lower.committees if c.is_key), None)
        offset = {"RO": 12, "DO": 40, "HN": 26, "SL": 55, "LK": 75, "TJ": 9}[agreement.state.iso2]
        stages = [
            Stage(
                kind=StageKind.SUBMITTED_TO_PARLIAMENT,
                chamber=lower,
                scheduled_on=self.today - timedelta(days=offset + 40),
                held_on=self.today - timedelta(days=offset + 40),
                status=StageStatus.HELD,
            ),
            Stage(
                kind=StageKind.COMMITTEE_VOTE,
                chamber=lower,
                committee=key,
                scheduled_on=self.today + timedelta(days=offset - 14),
                status=StageStatus.SCHEDULED,
            ),
            Stage(
                kind=StageKind.PLENARY_VOTE,
                chamber=lower,
                scheduled_on=self.today + timedelta(days=offset),
                status=StageStatus.SCHEDULED,
            ),
        ]
        for chamber in chambers[1:]:
            stages.append(
                Stage(
                    kind=StageKind.PLENARY_VOTE,
                    chamber=chamber,
                    scheduled_on=self.today + timedelta(days=offset + 21),
                    status=StageStatus.SCHEDULED,
                )
            )
        for position, stage in enumerate(stages):
            stage.position = position
            agreement.stages.append(stage)
        committee_vote = stages[1]
        if committee_vote.scheduled_on and committee_vote.scheduled_on < self.today and key:
            self._held_committee_vote(committee_vote, key, seated[lower])

    def _held_committee_vote(
        self,
        stage: Stage,
        committee: Committee,
        members: list[tuple[Representative, Party | None]],
    ) -> None:
        """A committee vote already held, with its roll call (Tajikistan in the demo)."""
        stage.status = StageStatus.HELD
        stage.held_on = stage.scheduled_on
        party_of = {rep.id: party for rep, party in members}
        seats = committee_seats(committee, members)
        vote_event = VoteEvent(
            stage=stage,
            chamber=committee.chamber,
            motion=f"That the {committee.name} recommend ratification of the agreement",
            held_on=stage.held_on,
        )
        tally = dict.fromkeys(VoteOption, 0)
        for rep in seats:
            option = self.rng.choices(
                (VoteOption.YES, VoteOption.NO, VoteOption.ABSTAIN, VoteOption.ABSENT),
                weights=(6, 3, 1, 1),
            )[0]
            tally[option] += 1
            vote = Vote(representative=rep, option=option, party=party_of.get(rep.id))
            vote_event.votes.append(vote)
            if option in (VoteOption.YES, VoteOption.NO):
                db.session.add(
                    StanceRecord(
                        representative=rep,
                        stance=Stance.FOR_RATIFICATION
                        if option is VoteOption.YES
                        else Stance.AGAINST_RATIFICATION,
                        source=StanceSource.VOTE,
                        confidence=Confidence.HIGH,
                        observed_on=stage.held_on,
                        note=f"Voted {option.value} in the {committee.name}.",
                        vote=vote,
                    )
                )
        for option, value in tally.items():
            if value:
                vote_event.counts.append(Count(option=option, value=value))
        passed = tally[VoteOption.YES] > tally[VoteOption.NO]
        stage.result = StageResult.PASS if passed else StageResult.FAIL
        vote_event.result = "pass" if passed else "fail"
        db.session.add(vote_event)

    def _contacts(
        self, state: State, seated: dict[Chamber, list[tuple[Representative, Party | None]]]
    ) -> None:
        members = [pair for chamber_members in seated.values() for pair in chamber_members]
        if not members:
            return
        author = self._section_user(state)
        busy = author is not None
        count = self.rng.randint(25, 40) if busy else self.rng.randint(0, 6)
        zone = ZoneInfo(state.timezone)
        for _n in range(count):
            day = self.today - timedelta(days=self.rng.randrange(0, 150))
            at = datetime.combine(day, time(self.rng.randrange(8, 19), self.rng.choice((0, 30))))
            met = self.rng.sample(members, k=self.rng.choice((1, 1, 1, 2, 3)))
            restricted = self.rng.random() < 0.2
            interaction = Interaction(
                state=state,
                occurred_at=at.replace(tzinfo=zone).astimezone(UTC),
                kind=self.rng.choice(
                    (
                        InteractionKind.MEETING,
                        InteractionKind.MEETING,
                        InteractionKind.CALL,
                        InteractionKind.LETTER,
                        InteractionKind.EMAIL,
                        InteractionKind.EVENT_ENCOUNTER,
                    )
                ),
                summary=self.rng.choice(_MEETING_SUMMARIES)
                + (
                    " Spoke about pressure from the embassy; not to be shared."
                    if restricted
                    else ""
                ),
                outcome=self.rng.choice(_OUTCOMES),
                confidentiality=Confidentiality.RESTRICTED
                if restricted
                else Confidentiality.NORMAL,
                created_by=author,
                representatives=[rep for rep, _party in met],
                participants=[author] if author else [],
            )
            db.session.add(interaction)
            for rep, party in met:
                if self.rng.random() < 0.7:
                    db.session.add(
                        StanceRecord(
                            representative=rep,
                            stance=self._draw_stance(state, party),
                            source=StanceSource.PRIVATE_MEETING,
                            confidence=self.rng.choice((Confidence.MEDIUM, Confidence.HIGH)),
                            observed_on=day,
                            recorded_by=author,
                            interaction=interaction,
                            note="Observed in the meeting."
                            if not restricted
                            else "Said so only in confidence.",
                        )
                    )
            for _f in range(self.rng.choice((0, 0, 1, 1, 2))):
                due = day + timedelta(days=self.rng.randrange(3, 30))
                status = FollowUpStatus.OPEN
                if due < self.today and self.rng.random() < 0.6:
                    status = self.rng.choice((FollowUpStatus.DONE, FollowUpStatus.CANCELLED))
                rep = met[0][0]
                db.session.add(
                    FollowUp(
                        state=state,
                        title=self.rng.choice(_FOLLOW_UPS),
                        assignee=author,
                        due_on=due,
                        status=status,
                        completed_at=datetime.combine(due, time(12), UTC)
                        if status is FollowUpStatus.DONE
                        else None,
                        interaction=interaction,
                        representative=rep,
                        created_by=author,
                    )
                )

    def _events(
        self,
        state: State,
        agreement: Agreement,
        seated: dict[Chamber, list[tuple[Representative, Party | None]]],
    ) -> None:
        members = [rep for chamber_members in seated.values() for rep, _p in chamber_members]
        zone = ZoneInfo(state.timezone)
        section = state.sections[0] if state.sections else None
        vote = next((s for s in agreement.stages if s.kind is StageKind.PLENARY_VOTE), None)
        plans = [(-35, EventKind.PETITION_HANDOVER, EventStatus.HELD)]
        if members:
            plans.append(
                (self.rng.randrange(3, 20), EventKind.PARLIAMENTARY_BRIEFING, EventStatus.CONFIRMED)
            )
        if self.rng.random() < 0.5:
            plans.append((self.rng.randrange(20, 60), EventKind.VIGIL, EventStatus.PLANNED))
        for offset, kind, status in plans:
            day = self.today + timedelta(days=offset)
            starts = datetime.combine(day, time(self.rng.choice((10, 11, 17, 18)))).replace(
                tzinfo=zone
            )
            event = Event(
                state=state,
                title=f"{kind.label} in {state.capital}",
                kind=kind,
                status=status,
                city=state.capital,
                venue="Parliament square" if kind is EventKind.VIGIL else "Press centre",
                starts_at=starts.astimezone(UTC),
                ends_at=(starts + timedelta(hours=2)).astimezone(UTC),
                section=section,
                stage=vote if offset > 0 else None,
                expected_attendance=self.rng.choice((40, 80, 150, 300)),
                description="Demonstration event.",
            )
            if status is EventStatus.HELD:
                event.actual_attendance = self.rng.randrange(30, 400)
                event.signatures_handed_over = self.rng.randrange(500, 9000)
                event.outcome = "The petition was received by the speaker's office."
            if members and kind is EventKind.PARLIAMENTARY_BRIEFING:
                for rep in self.rng.sample(members, k=min(6, len(members))):
                    event.invitations.append(
                        Invitation(representative=rep, rsvp=self.rng.choice(list(Rsvp)))
                    )
            db.session.add(event)


def committee_seats(
    committee: Committee, members: list[tuple[Representative, Party | None]]
) -> list[Representative]:
    """The chamber members holding a seat on the committee."""
    return [
        rep
        for rep, _party in members
        if any(cm.committee is committee for cm in rep.committee_memberships)
    ]


def _ascii(text: str) -> str:
    from crm.text import fold

    return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum()) or "member"
