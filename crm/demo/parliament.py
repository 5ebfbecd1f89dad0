"""The demo's parliaments: chambers, parties, a fictitious person in every seat, committees,
and the stances the sections have recorded.

Everything is drawn from the one random generator of the load, in a fixed order: the same
seed gives the same people only while every draw stays where it is.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from crm.auth.models import User
from crm.demo.names import COMMITTEE_NAMES, CONSTITUENCY_NAMES, NAME_POOLS, PARTY_POOLS, full_name
from crm.demo.plan import StatePlan
from crm.extensions import db
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
from crm.parliament.services import refresh_search_text
from crm.states.models import State
from crm.text import fold

# Each chamber's members, with the party each sits for now (None: an independent).
Seated = dict[Chamber, list[tuple[Representative, Party | None]]]

# From for to against: a stance is drawn as a position on this scale.
STANCE_SCALE = (
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


def draw_influence(rng: random.Random) -> int:
    """A member's influence, 1 to 5: most are in the middle."""
    return rng.choices((1, 2, 3, 4, 5), weights=(1, 3, 5, 3, 1))[0]


def draw_term_start(rng: random.Random, today: date) -> date:
    """When the sitting chamber's term began: some months to a few years ago."""
    return today - timedelta(days=rng.randrange(200, 1300))


def legislative_period(start: date) -> str:
    return f"{start.year}–{start.year + 4}"


def draw_stance(rng: random.Random, plan: StatePlan, party: Party | None) -> Stance:
    """A member's stance, centred on the party's leaning, with some spread."""
    p_for = _leaning(plan, party)
    centre = (1 - p_for) * 4 + rng.gauss(0, 0.9)
    return STANCE_SCALE[min(4, max(0, round(centre)))]


def _leaning(plan: StatePlan, party: Party | None) -> float:
    """The chance a member of this party favours ratification."""
    if party is None:
        return 0.4
    return plan.government_for if party.in_government else 1 - plan.government_for * 0.9


def add_parties(state: State) -> list[tuple[Party | None, float]]:
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


def _seat_taken_over(seat: Membership, party: Party | None, start_date: date) -> Membership:
    """The seat continued by someone else, or by the same person for another party: the
    same chamber, constituency and term, from `start_date`."""
    return Membership(
        chamber=seat.chamber,
        party=party,
        constituency=seat.constituency,
        legislative_period=seat.legislative_period,
        start_date=start_date,
    )


class ParliamentBuilder:
    """Builds one state's parliament after another; keeps every representative it made, in
    order (their e-mail handles are numbered by it)."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.representatives: list[Representative] = []

    def chambers(self, state: State, entry: dict[str, Any], rule: MajorityRule) -> list[Chamber]:
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

    def seat_everyone(
        self, state: State, chambers: list[Chamber], parties: list[tuple[Party | None, float]]
    ) -> Seated:
        """Fill every seat; a few members left during the term and were replaced."""
        seated: Seated = {}
        constituencies = CONSTITUENCY_NAMES[state.iso2]
        weights = [w for _p, w in parties]
        for chamber in chambers:
            term_start = draw_term_start(self.rng, self.today)
            members = []
            for _seat in range(chamber.seats):
                party = self.rng.choices([p for p, _w in parties], weights=weights)[0]
                party_for_seat = party
                rep = self._person(state)
                seat = Membership(
                    chamber=chamber,
                    party=party_for_seat,
                    constituency=self.rng.choice(constituencies),
                    legislative_period=legislative_period(term_start),
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
                        _seat_taken_over(seat, party_for_seat, left_on + timedelta(days=1))
                    )
                elif roll < 0.06 and len(parties) > 1:
                    # Changed party group mid-term (or left it to sit as an independent).
                    moved_on = term_start + timedelta(days=self.rng.randrange(90, 190))
                    seat.end_date = moved_on - timedelta(days=1)
                    new_party = self.rng.choice([p for p, _w in parties if p is not party])
                    party_for_seat = new_party
                    rep.memberships.append(_seat_taken_over(seat, new_party, moved_on))
                members.append((rep, party_for_seat))
            seated[chamber] = members
        return seated

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
            influence=draw_influence(self.rng),
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

    def committees(self, chambers: list[Chamber], seated: Seated) -> None:
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

    def stances(self, plan: StatePlan, seated: Seated, recorder: User | None) -> None:
        """What the section has learned of each member's stance over the past months."""
        for members in seated.values():
            for rep, party in members:
                if self.rng.random() >= plan.stance_coverage:
                    continue
                for _n in range(self.rng.choice((1, 1, 2, 3))):
                    age = self.rng.choice((self.rng.randrange(5, 90), self.rng.randrange(90, 600)))
                    db.session.add(
                        StanceRecord(
                            representative=rep,
                            stance=draw_stance(self.rng, plan, party),
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


def _ascii(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum()) or "member"
