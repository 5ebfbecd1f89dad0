"""The state pack (and its full roster, a pack of its own): the state at a glance, its
parliament, whom to meet next, recent contacts, stages, events and open follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.auth.permissions import may_see_restricted
from crm.briefings.packs.common import (
    CONTACT_DAYS,
    CONTACTS_CAP,
    EVENTS_CAP,
    FOLLOW_UPS_CAP,
    ROSTER_CAP,
    TARGETS,
    Imprint,
    Pack,
    Roster,
    Seat,
    asks,
    committee_seats,
    current_seats,
    imprint,
    people_by_id,
    roster,
    stance_counts_chart,
)
from crm.charts import Hemicycle
from crm.db import today, utcnow
from crm.events import queries as event_queries
from crm.events.models import Event
from crm.extensions import db
from crm.i18n import DEFAULT_LOCALE, marked
from crm.interactions.models import FollowUp, FollowUpStatus, Interaction
from crm.mail.compose import public_url
from crm.parliament import queries as parliament_queries
from crm.parliament.models import CommitteeMembership, Representative
from crm.risk import services as risk_services
from crm.risk.model import RiskConfig, SwingEntry
from crm.risk.queries import risk_config
from crm.states import queries as state_queries
from crm.states.models import Agreement, Campaign, Stage, State
from crm.states.queries import ChamberSummary, LocalMessage

# --- The state pack -----------------------------------------------------------------------


@dataclass
class Target:
    """A priority target with a short profile."""

    rank: int
    rep: Representative
    seat: Seat | None
    committees: list[CommitteeMembership]
    last_contact: datetime | None
    swing: SwingEntry | None
    asks: list[str]


@dataclass
class StatePack(Pack):
    imprint: Imprint
    state: State
    campaign: Campaign | None
    agreement: Agreement | None
    can_see_restricted: bool
    today: date
    risk: risk_services.StateRisk | None
    model: RiskConfig
    chambers: list[ChamberSummary]
    charts: dict[int, Hemicycle]
    expected_yes: dict[tuple[int, str | None], float]
    targets: list[Target]
    targets_are_swing: bool
    contacts: list[Interaction]
    contacts_total: int
    stages: list[Stage]
    events: list[Event]
    late_events: set[int]
    follow_ups: list[FollowUp]
    follow_ups_total: int
    overdue: int
    roster: Roster
    next_stage: Stage | None = None
    last_contact: datetime | None = None
    # Where the full roster is, printed when the appendix is cut: an absolute address
    # (crm.mail.compose.public_url), the same wherever the pack is made (a request, a
    # worker, the command line), never a request's Host.
    full_roster_url: str | None = None
    representatives_url: str | None = None
    # The campaign's key messages in the pack's language, where entered (else in English).
    key_messages: list[LocalMessage] = field(default_factory=list)

    kind = "state"
    heading = marked("Briefing pack: %(name)s")


def _recent_contacts(state: State, since: datetime) -> tuple[list[Interaction], int]:
    where = (
        Interaction.state_id == state.id,
        Interaction.archived_at.is_(None),
        Interaction.occurred_at >= since,
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Interaction).where(*where))
    rows = db.session.scalars(
        sa.select(Interaction)
        .where(*where)
        .options(selectinload(Interaction.representatives), selectinload(Interaction.participants))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(CONTACTS_CAP)
    )
    return list(rows), int(total or 0)


def _open_follow_ups(state: State, on: date) -> tuple[list[FollowUp], int, int]:
    where = (
        FollowUp.state_id == state.id,
        FollowUp.status == FollowUpStatus.OPEN,
        FollowUp.archived_at.is_(None),
    )
    total, overdue = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(FollowUp.due_on < on)).where(*where)
    ).one()
    rows = db.session.scalars(
        sa.select(FollowUp)
        .where(*where)
        .options(
            selectinload(FollowUp.assignee),
            selectinload(FollowUp.representative),
            selectinload(FollowUp.interaction),
        )
        .order_by(FollowUp.due_on.is_(None), FollowUp.due_on, FollowUp.id)
        .limit(FOLLOW_UPS_CAP)
    )
    return list(rows), int(total or 0), int(overdue or 0)


def _targets(
    state: State,
    result: risk_services.StateRisk | None,
    config: RiskConfig,
    goal: str,
    on: date,
    reader: User | None,
) -> tuple[list[Target], bool]:
    """The swing list with profiles; where no vote can change the risk (an executive
    decision, no sitting parliament), the most influential members instead."""
    swing = risk_services.swing(result, config, limit=TARGETS, reader=reader) if result else []
    if swing:
        ids = [e.member_id for e in swing]
        entries: dict[int, SwingEntry | None] = {e.member_id: e for e in swing}
    else:
        ids = list(
            db.session.scalars(
                sa.select(Representative.id)
                .where(
                    parliament_queries.members_of(state, on),
                    Representative.do_not_contact.is_(False),
                )
                .order_by(
                    Representative.influence.desc(), Representative.sort_name, Representative.id
                )
                .limit(TARGETS)
            )
        )
        entries = dict.fromkeys(ids)
    people = people_by_id(ids)
    seats = current_seats(ids, on)
    committees = committee_seats(ids, on)
    contacts = parliament_queries.last_contacts(ids, reader=reader)
    targets = []
    for rank, rep_id in enumerate(ids, start=1):
        rep = people[rep_id]
        targets.append(
            Target(
                rank=rank,
                rep=rep,
                seat=seats.get(rep_id),
                committees=committees.get(rep_id, []),
                last_contact=contacts.get(rep_id),
                swing=entries[rep_id],
                asks=asks(rep.stance.value, goal)[:2],
            )
        )
    return targets, bool(swing)


def state_pack(
    state: State, actor: User | None, *, roster_cap: int | None = ROSTER_CAP
) -> StatePack:
    """Everything the state pack shows, for `actor` (None: the command line, which sees
    no restricted content)."""
    on = today()
    now = utcnow()
    config = risk_config()
    campaign = state_queries.active_campaign()
    agreement = state_queries.agreement_for(state, campaign)
    result = None
    if campaign is not None and agreement is not None:
        found = risk_services.forecasts(campaign, on, config, state_ids=[state.id], open_only=False)
        result = found[0] if found else None
    chambers = state_queries.chamber_summaries(state, on)
    expected: dict[tuple[int, str | None], float] = {}
    # Expected votes mean something only where parliament decides.
    if result is not None and result.forecast.route == "parliament":
        for chamber_id, rows in risk_services.party_breakdown(result, config).items():
            for row in rows:
                expected[(chamber_id, row.party_key)] = row.expected_yes
    goal = campaign.goal.value if campaign is not None else "block"
    targets, are_swing = _targets(state, result, config, goal, on, actor)
    contacts, contacts_total = _recent_contacts(state, now - timedelta(days=CONTACT_DAYS))
    events = event_queries.upcoming_events(state, now, limit=EVENTS_CAP)
    follow_ups, follow_ups_total, overdue = _open_follow_ups(state, on)
    stages = list(agreement.stages) if agreement is not None else []
    upcoming = [s for s in stages if s.is_ahead(on)]
    can_see = may_see_restricted(actor, state.id)
    members = roster(state, on, config, cap=roster_cap, can_see_restricted=can_see)
    return StatePack(
        imprint=imprint(actor),
        state=state,
        campaign=campaign,
        agreement=agreement,
        can_see_restricted=can_see,
        today=on,
        risk=result,
        model=config,
        chambers=chambers,
        charts={s.chamber.id: stance_counts_chart(s) for s in chambers},
        expected_yes=expected,
        targets=targets,
        targets_are_swing=are_swing,
        contacts=contacts,
        contacts_total=contacts_total,
        stages=stages,
        events=events,
        late_events=event_queries.late_event_ids(events),
        follow_ups=follow_ups,
        follow_ups_total=follow_ups_total,
        overdue=overdue,
        roster=members,
        next_stage=min(upcoming, key=lambda s: s.scheduled_on or on, default=None),
        last_contact=result.context.last_contact if result is not None else None,
        full_roster_url=(
            public_url("briefings.ask_roster_pack", iso2=state.iso2) if members.capped else None
        ),
        representatives_url=(
            public_url("parliament.index", state=state.iso2) if members.capped else None
        ),
        # Read under the pack's language (crm.briefings.services.ask, tasks.make).
        key_messages=state_queries.key_messages(campaign, str(get_locale() or DEFAULT_LOCALE)),
    )


# --- The full roster: its own pack, on the web (/states/<iso2>/roster) and the command line


@dataclass
class RosterPack(Pack):
    imprint: Imprint
    state: State
    campaign: Campaign | None
    roster: Roster
    today: date
    can_see_restricted: bool = False

    kind = "roster"
    heading = marked("Roster: %(name)s")


def roster_pack(state: State, actor: User | None) -> RosterPack:
    """Every current member of the state's chambers with their stance (no cap)."""
    on = today()
    can_see = may_see_restricted(actor, state.id)
    return RosterPack(
        imprint=imprint(actor),
        state=state,
        campaign=state_queries.active_campaign(),
        roster=roster(state, on, risk_config(), cap=None, can_see_restricted=can_see),
        today=on,
        can_see_restricted=can_see,
    )
