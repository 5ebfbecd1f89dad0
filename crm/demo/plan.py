"""How each state stands in the demo: where its agreement is and how its parliament leans.

Invented, not researched: the plan gives every page something to show (agreements signed and
before parliament, every majority rule, parliaments well and barely known) and decides the
people the generator draws. The loader, the parliaments and the activity all read it.
"""

from __future__ import annotations

from typing import NamedTuple

from crm.parliament.models import MajorityRule
from crm.states.models import AgreementStatus


class StatePlan(NamedTuple):
    status: AgreementStatus
    majority_rule: MajorityRule
    # The government's leaning toward ratifying (0..1): its parties vote with it, the
    # opposition against it.
    government_for: float
    # The share of seats with a recorded stance.
    stance_coverage: float


PLANS: dict[str, StatePlan] = {
    "AF": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.0),
    "DJ": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.7, 0.35),
    "DO": StatePlan(AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.65, 0.55),
    "TL": StatePlan(AgreementStatus.SIGNED, MajorityRule.MEMBERS, 0.45, 0.4),
    "SV": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.3),
    "GM": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.7, 0.25),
    "HN": StatePlan(AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.7, 0.5),
    "IN": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.15),
    "IL": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.8, 0.2),
    "MH": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.6, 0.6),
    "MR": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.65, 0.2),
    "FM": StatePlan(AgreementStatus.SIGNED, MajorityRule.TWO_THIRDS_MEMBERS, 0.55, 0.7),
    "NP": StatePlan(AgreementStatus.SIGNED, MajorityRule.VOTES_CAST, 0.5, 0.45),
    "PW": StatePlan(AgreementStatus.SIGNED, MajorityRule.TWO_THIRDS_PRESENT, 0.5, 0.65),
    "RO": StatePlan(AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.55, 0.7),
    "SL": StatePlan(AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.MEMBERS, 0.6, 0.45),
    "LK": StatePlan(AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.VOTES_CAST, 0.55, 0.35),
    "TJ": StatePlan(AgreementStatus.BEFORE_PARLIAMENT, MajorityRule.MEMBERS, 0.75, 0.4),
    "UZ": StatePlan(AgreementStatus.SIGNED, MajorityRule.MEMBERS, 0.8, 0.2),
}

# Where the executive may ratify alone: the chance it does.
EXECUTIVE_PROBABILITY = {"IN": 0.55, "IL": 0.7}

# For each agreement before parliament: in how many days the lower chamber votes (its
# committee two weeks earlier, so Romania's and Tajikistan's committees have already voted).
PLENARY_VOTE_IN_DAYS = {"RO": 12, "DO": 40, "HN": 26, "SL": 55, "LK": 75, "TJ": 9}
