"""The one-pager for a meeting with a representative."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import get_locale

from crm.auth.models import User
from crm.auth.permissions import may_see_restricted
from crm.briefings.packs.common import (
    REP_CONTACTS_CAP,
    STANCE_HISTORY_CAP,
    Imprint,
    Pack,
    asks,
    imprint,
)
from crm.db import today
from crm.i18n import DEFAULT_LOCALE, marked
from crm.interactions.models import FollowUp, Interaction
from crm.parliament import queries as parliament_queries
from crm.parliament.models import CommitteeMembership, Membership, Representative, StanceRecord
from crm.risk import services as risk_services
from crm.risk.model import RiskLevel, SwingEntry
from crm.risk.queries import risk_config
from crm.states import queries as state_queries
from crm.states.models import Campaign, Stage, State
from crm.states.queries import LocalMessage

# --- The representative one-pager ---------------------------------------------------------


@dataclass
class RepresentativePack(Pack):
    imprint: Imprint
    rep: Representative
    state: State
    campaign: Campaign | None
    can_see_restricted: bool
    today: date
    seats: list[Membership]
    committees: list[CommitteeMembership]
    stance_history: list[StanceRecord]
    stance_history_total: int
    contacts: list[Interaction]
    follow_ups: list[FollowUp]
    last_contact: datetime | None
    asks: list[str]
    stale: bool
    probability: float | None
    swing_rank: int | None
    swing: SwingEntry | None
    next_stage: Stage | None
    level: RiskLevel | None
    # The campaign's key messages in the pack's language, where entered (else in English).
    key_messages: list[LocalMessage] = field(default_factory=list)

    kind = "representative"
    heading = marked("Meeting brief: %(name)s")
    about = "rep"


def representative_pack(rep: Representative, actor: User | None) -> RepresentativePack:
    """Everything the one-pager shows; `rep` comes from `parliament.queries.get_representative`
    (memberships, committee seats, names and contact details loaded)."""
    on = today()
    config = risk_config()
    state = rep.state
    campaign = state_queries.active_campaign()
    goal = campaign.goal.value if campaign is not None else "block"
    history = parliament_queries.stance_history(rep, reader=actor)
    probability = swing_rank = entry = next_stage = level = None
    if campaign is not None:
        found = risk_services.forecasts(campaign, on, config, state_ids=[state.id], open_only=False)
        if found:
            result = found[0]
            level = result.forecast.level
            next_stage = result.context.next_vote
            for chamber in result.forecast.chambers:
                if rep.id in chamber.member_probabilities:
                    probability = chamber.member_probabilities[rep.id]
            for n, candidate in enumerate(
                risk_services.swing(result, config, limit=25, reader=actor), 1
            ):
                if candidate.member_id == rep.id:
                    swing_rank, entry = n, candidate
    can_see_restricted = may_see_restricted(actor, state.id)
    seen = rep.stance_date(withheld=rep.stance_restricted and not can_see_restricted)
    return RepresentativePack(
        imprint=imprint(actor),
        rep=rep,
        state=state,
        campaign=campaign,
        can_see_restricted=can_see_restricted,
        today=on,
        seats=[m for m in rep.memberships if m.is_current(on)],
        committees=sorted(
            (c for c in rep.committee_memberships if c.is_current(on)),
            key=lambda c: (not c.committee.is_key, c.committee.name),
        ),
        stance_history=history[:STANCE_HISTORY_CAP],
        stance_history_total=len(history),
        contacts=parliament_queries.contacts(rep, reader=actor, limit=REP_CONTACTS_CAP),
        follow_ups=parliament_queries.open_follow_ups(rep, reader=actor),
        last_contact=parliament_queries.last_contacts([rep.id], reader=actor).get(rep.id),
        asks=asks(rep.stance.value, goal),
        stale=seen.is_stale(on, config.stale_days),
        probability=probability,
        swing_rank=swing_rank,
        swing=entry,
        next_stage=next_stage,
        level=level,
        # Read under the pack's language (crm.briefings.services.ask, tasks.make).
        key_messages=state_queries.key_messages(campaign, str(get_locale() or DEFAULT_LOCALE)),
    )
