"""The weekly digests: a section's states, and the whole campaign for coordinators.

Each arrives once a week, on the reader's day and from the reader's hour in their time
zone (the first run of `notify` at or after it). A digest is written for a reader who may
not read restricted content, whoever receives it: mail leaves our control. So a follow-up
from a restricted contact shows as one, with its state and date; a contact logged in one
is counted, never listed; a stance observed in one shows its value and month only.

What a digest holds is worked out once for every reader of the same states (and once for
all coordinators) and is said in no language: labels, levels and dates stay values until
each reader's message is written in their language (crm.mail.compose)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from crm.auth.models import Role, Section, User, section_states
from crm.auth.permissions import is_restricted
from crm.events.models import Event, EventStatus
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, FollowUpStatus, Interaction
from crm.mail import services
from crm.mail.compose import in_language_of, public_url
from crm.mail.models import Notification, wants
from crm.mail.notify import zone
from crm.parliament.models import Representative, Stance
from crm.risk.models import RiskSnapshot
from crm.risk.services import StateRisk, forecasts, swing
from crm.states.models import Agreement, Campaign, Stage, StageStatus
from crm.states.queries import active_campaign

AHEAD = timedelta(days=14)
WHO_NEXT = 5


def digests(
    now: datetime, *, whatever_the_hour: bool = False
) -> Iterable[tuple[Notification, int]]:
    """Queue the digests due at `now`: each reader's, once in their week (and, when
    `whatever_the_hour`, this week's of every reader who has not had it yet)."""
    campaign = active_campaign()
    if campaign is None:
        return []
    readers = db.session.scalars(
        sa.select(User)
        .where(
            User.is_enabled.is_(True), User.role.in_([Role.SECTION, Role.COORDINATOR, Role.ADMIN])
        )
        .options(selectinload(User.sections).selectinload(Section.states))
        .order_by(User.id)
    ).all()
    counts = {Notification.SECTION_DIGEST: 0, Notification.COORDINATOR_DIGEST: 0}
    sections_cache: dict[frozenset[int], dict[str, Any]] = {}
    campaign_digest: dict[str, Any] | None = None
    for user in readers:
        local = now.astimezone(zone(user.time_zone))
        due = local.weekday() == user.digest_weekday and local.hour >= user.digest_hour
        if not (due or whatever_the_hour):
            continue
        year, week, _day = local.date().isocalendar()
        about = f"week:{year}-W{week:02d}"
        for kind in counts:
            if not wants(user, kind) or services.queued_before(user, kind, about):
                continue
            if kind is Notification.SECTION_DIGEST:
                states = frozenset(user.state_ids)
                if not states:
                    continue
                if states not in sections_cache:
                    sections_cache[states] = section_digest(campaign, sorted(states), now.date())
                context = sections_cache[states]
                with in_language_of(user):
                    subject = _("Your week: %(states)s", states=", ".join(context["state_names"]))
            else:
                if campaign_digest is None:
                    campaign_digest = coordinator_digest(campaign, now.date())
                context = campaign_digest
                with in_language_of(user):
                    subject = _(
                        "The campaign this week: %(headline)s", headline=_headline(context["moves"])
                    )
            context = context | {"week": f"{year}-W{week:02d}", "today": local.date()}
            counts[kind] += services.queue(user, kind, about, subject, context) is not None
    return list(counts.items())


# --- what a section reads ---------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpLine:
    state: str
    title: str | None  # None: from a restricted contact
    due_on: date
    assignee: str | None
    overdue: bool


@dataclass(frozen=True)
class RiskLine:
    state: str
    iso2: str
    level: str
    now: float
    week_ago: float | None

    @property
    def change(self) -> float | None:
        return None if self.week_ago is None else self.now - self.week_ago


@dataclass(frozen=True)
class WhoNext:
    state: str
    name: str
    stance: Stance
    stance_on: date | None  # None: never recorded
    # False when observed in a restricted contact: its month only is told.
    stance_exact: bool
    stale_days: int | None
    risk_drop: float
    url: str


def section_digest(campaign: Campaign, state_ids: list[int], today: date) -> dict[str, Any]:
    results = forecasts(campaign, today, state_ids=state_ids, open_only=False)
    stale_days = current_app.config["STALE_STANCE_DAYS"]
    return {
        "state_names": sorted(r.state.name for r in results),
        "states": [(r.state.name, public_url("states.show", iso2=r.state.iso2)) for r in results],
        "follow_ups": _follow_ups(state_ids, today),
        "stages": _stages(campaign, state_ids, today),
        "events": _events(state_ids, today),
        "who_next": _who_next(results, today),
        "risks": _risks(results, _week_ago(campaign, [r.state.id for r in results], today)),
        "contacts": _contacts(state_ids, today),
        "stale_days": stale_days,
    }


def _follow_ups(state_ids: list[int], today: date) -> list[FollowUpLine]:
    rows = db.session.scalars(
        sa.select(FollowUp)
        .where(
            FollowUp.state_id.in_(state_ids),
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.archived_at.is_(None),
            FollowUp.due_on <= today + AHEAD,
        )
        .options(
            selectinload(FollowUp.state),
            selectinload(FollowUp.assignee),
            selectinload(FollowUp.interaction),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(50)
    )
    return [_follow_up_line(f, f.due_on, today) for f in rows if f.due_on is not None]


def _follow_up_line(f: FollowUp, due_on: date, today: date) -> FollowUpLine:
    # From a restricted contact: its state and day only, as the pages show a withheld one
    # (templates/interactions/_macros.html) — not its title, nor who took it on, who is
    # most often who was at the meeting.
    withheld = is_restricted(f)
    return FollowUpLine(
        state=f.state.name,
        title=None if withheld else f.title,
        due_on=due_on,
        assignee=None if withheld or f.assignee is None else f.assignee.name,
        overdue=f.is_overdue(today),
    )


def _stages(campaign: Campaign, state_ids: list[int] | None, today: date) -> list[dict[str, Any]]:
    stmt = (
        sa.select(Stage)
        .join(Agreement)
        .where(
            Agreement.campaign_id == campaign.id,
            Stage.status == StageStatus.SCHEDULED,
            Stage.scheduled_on.between(today, today + AHEAD),
        )
        .options(
            selectinload(Stage.agreement).selectinload(Agreement.state), selectinload(Stage.chamber)
        )
        .order_by(Stage.scheduled_on, Stage.id)
    )
    if state_ids is not None:
        stmt = stmt.where(Agreement.state_id.in_(state_ids))
    return [
        {
            "state": s.agreement.state.name,
            "kind": s.kind,
            "chamber": s.chamber.name if s.chamber else None,
            "on": s.scheduled_on,
            "days": (s.scheduled_on - today).days if s.scheduled_on else None,
        }
        for s in db.session.scalars(stmt)
    ]


def _events(state_ids: list[int], today: date) -> list[dict[str, Any]]:
    start = datetime.combine(today, datetime.min.time()).astimezone()
    rows = db.session.scalars(
        sa.select(Event)
        .where(
            Event.state_id.in_(state_ids),
            Event.archived_at.is_(None),
            Event.status.in_([EventStatus.PLANNED, EventStatus.CONFIRMED]),
            Event.starts_at.between(start, start + AHEAD),
        )
        .options(selectinload(Event.state))
        .order_by(Event.starts_at)
    )
    return [
        {
            "state": e.state.name,
            "title": e.title,
            "starts": e.starts_at.astimezone(zone(e.state.timezone)),
            "url": public_url("events.show", event_id=e.id),
        }
        for e in rows
    ]


def _who_next(results: list[StateRisk], today: date) -> list[WhoNext]:
    """The five members across the reader's states whose move would lower the risk most,
    as a reader who may not read restricted contacts would be told."""
    entries = [
        (result, entry)
        for result in results
        for entry in swing(result, limit=WHO_NEXT, reader=None)
    ]
    entries.sort(key=lambda pair: -pair[1].score)
    entries = entries[:WHO_NEXT]
    reps = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Representative).where(
                Representative.id.in_([entry.member_id for _, entry in entries])
            )
        )
    }
    lines = []
    for result, entry in entries:
        rep = reps[entry.member_id]
        shown = rep.stance_date(withheld=rep.stance_restricted)
        lines.append(
            WhoNext(
                state=result.state.name,
                name=rep.name,
                stance=rep.stance,
                stance_on=shown.on,
                stance_exact=shown.exact,
                stale_days=None if shown.on is None else (today - shown.on).days,
                risk_drop=entry.risk_drop,
                url=public_url("parliament.show", representative_id=rep.id),
            )
        )
    return lines


def _week_ago(campaign: Campaign, state_ids: list[int], today: date) -> dict[int, RiskSnapshot]:
    """Each state's last snapshot taken at least a week before `today`."""
    cutoff = today - timedelta(days=7)
    latest = (
        sa.select(sa.func.max(RiskSnapshot.id))
        .where(
            RiskSnapshot.campaign_id == campaign.id,
            RiskSnapshot.state_id.in_(state_ids),
            RiskSnapshot.taken_on <= cutoff,
        )
        .group_by(RiskSnapshot.state_id)
    )
    return {
        s.state_id: s
        for s in db.session.scalars(sa.select(RiskSnapshot).where(RiskSnapshot.id.in_(latest)))
    }


def _risks(results: list[StateRisk], before: dict[int, RiskSnapshot]) -> list[RiskLine]:
    """Each state's risk now and in `before` (its snapshot of a week ago, if any)."""
    return [
        RiskLine(
            state=r.state.name,
            iso2=r.state.iso2,
            level=r.forecast.level.value,
            now=r.forecast.risk,
            week_ago=before[r.state.id].risk if r.state.id in before else None,
        )
        for r in results
    ]


def _contacts(state_ids: list[int], today: date) -> dict[str, Any]:
    since = datetime.combine(today - timedelta(days=7), datetime.min.time()).astimezone()
    rows = db.session.scalars(
        sa.select(Interaction)
        .where(
            Interaction.state_id.in_(state_ids),
            Interaction.archived_at.is_(None),
            Interaction.created_at >= since,
        )
        .options(selectinload(Interaction.representatives), selectinload(Interaction.state))
        .order_by(Interaction.occurred_at.desc())
    ).all()
    shown = [i for i in rows if i.confidentiality is not Confidentiality.RESTRICTED]
    return {
        "total": len(rows),
        "restricted": len(rows) - len(shown),
        "shown": [
            {
                "state": i.state.name,
                "kind": i.kind,
                "on": i.occurred_at,
                "with": ", ".join(r.name for r in i.representatives),
            }
            for i in shown[:20]
        ],
    }


# --- what a coordinator reads ------------------------------------------------------------------


def coordinator_digest(campaign: Campaign, today: date) -> dict[str, Any]:
    results = forecasts(campaign, today)
    before = _week_ago(campaign, [r.state.id for r in results], today)
    moves = sorted(_risks(results, before), key=lambda r: -abs(r.change or 0.0))
    target = _coverage_target()
    fell = [
        (r.state.name, r.forecast.coverage)
        for r in results
        if r.forecast.below_seat_target
        and r.state.id in before
        and _was_covered(before[r.state.id], target)
    ]
    return {
        "moves": moves,
        "stages": _stages(campaign, None, today)[:15],
        "coverage_fell": fell,
        "under_target": sum(1 for r in results if r.forecast.below_seat_target),
        "coverage_target": target,
        "overdue_by_section": _overdue_by_section(today),
        "dashboard_url": public_url("risk.dashboard"),
    }


def _headline(moves: list[RiskLine]) -> str:
    """The largest move of the week, for the coordinators' subject, in the current language."""
    if moves and moves[0].change:
        change = f"{moves[0].change * 100:+.1f}"
        return str(_("%(state)s %(change)s points", state=moves[0].state, change=change))
    return str(_("no change in risk"))


def _was_covered(snapshot: RiskSnapshot, target: float) -> bool:
    """Whether a state's coverage was at the target then (or there was nothing to cover)."""
    return snapshot.coverage is None or snapshot.coverage >= target


def _coverage_target() -> float:
    from crm.risk.queries import risk_config

    return risk_config().coverage_target


def _overdue_by_section(today: date) -> list[tuple[str, int]]:
    rows = db.session.execute(
        sa.select(Section.name, sa.func.count(sa.distinct(FollowUp.id)))
        .join(section_states, section_states.c.section_id == Section.id)
        .join(FollowUp, FollowUp.state_id == section_states.c.state_id)
        .where(
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.archived_at.is_(None),
            FollowUp.due_on < today,
        )
        .group_by(Section.name)
        .order_by(sa.func.count(sa.distinct(FollowUp.id)).desc(), Section.name)
    ).all()
    return [(name, count) for name, count in rows]
