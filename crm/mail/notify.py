"""What is due to be sent: reminders and digests, found and queued.

`notify(now)` looks at the records and queues every message due at `now`; the outbox's
(recipient, kind, about) makes running it twice, or from two schedulers, queue each
message once. "Today" and "tomorrow" are the recipient's, in their time zone. Each
message, its subject included, is in the recipient's language (crm.mail.compose).

Nothing restricted goes into a message: mail leaves our control. A follow-up agreed in a
restricted contact is named only by its state and date, whoever receives it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from crm.auth.models import Role, Section, User
from crm.auth.permissions import is_restricted, may
from crm.dates import format_when
from crm.events.models import Event, EventStatus
from crm.extensions import db
from crm.interactions.models import FollowUp, FollowUpStatus
from crm.mail import services
from crm.mail.compose import in_language_of, public_url
from crm.mail.models import Notification
from crm.states.models import Agreement, Stage, StageStatus, State
from crm.states.queries import active_campaign

# Overdue notices go out for follow-ups that fell due this recently: older ones are in the
# weekly digest, not in a burst of mail the day reminders are switched on.
OVERDUE_NOTICE_DAYS = 7
# Votes: a notice when scheduled (or moved), then these many days before.
VOTE_MILESTONES = (14, 3)


@dataclass
class Queued:
    """How many messages of each kind one run queued."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def notify(now: datetime, *, digests_now: bool = False) -> Queued:
    """Queue every reminder and digest due at `now` (UTC), and with `digests_now` this
    week's digests whatever the day and hour. The caller commits."""
    counts: dict[str, int] = defaultdict(int)
    for kind, queued in (*follow_up_reminders(now), *vote_notices(now), *event_reminders(now)):
        counts[kind.value] += queued
    from crm.mail.digests import digests

    for kind, queued in digests(now, whatever_the_hour=digests_now):
        counts[kind.value] += queued
    return Queued(dict(counts))


def local_today(user: User, now: datetime) -> date:
    return now.astimezone(zone(user.time_zone)).date()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


# --- follow-ups -----------------------------------------------------------------------------


def follow_up_reminders(now: datetime) -> Iterable[tuple[Notification, int]]:
    """ "Due tomorrow" the day before, and "overdue" once, to each open follow-up's assignee."""
    utc_today = now.date()
    follow_ups = db.session.scalars(
        sa.select(FollowUp)
        .where(
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.assignee_id.is_not(None),
            FollowUp.archived_at.is_(None),
            FollowUp.due_on.between(
                utc_today - timedelta(days=OVERDUE_NOTICE_DAYS + 1), utc_today + timedelta(days=2)
            ),
        )
        .options(
            selectinload(FollowUp.assignee)
            .selectinload(User.sections)
            .selectinload(Section.states),
            selectinload(FollowUp.interaction),
            selectinload(FollowUp.representative),
            selectinload(FollowUp.state),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    due = overdue = 0
    for follow_up in follow_ups:
        user = follow_up.assignee
        if user is None or follow_up.due_on is None:  # not selected
            continue
        if not may(user, "view", follow_up):
            continue
        today = local_today(user, now)
        if follow_up.due_on == today + timedelta(days=1):
            kind, about = Notification.FOLLOW_UP_DUE, "due"
        elif today - timedelta(days=OVERDUE_NOTICE_DAYS) <= follow_up.due_on < today:
            kind, about = Notification.FOLLOW_UP_OVERDUE, "overdue"
        else:
            continue
        restricted = is_restricted(follow_up)
        state = follow_up.state.name
        with in_language_of(user):
            if kind is Notification.FOLLOW_UP_DUE and restricted:
                subject = _("A follow-up in %(state)s is due tomorrow", state=state)
            elif kind is Notification.FOLLOW_UP_DUE:
                subject = _(
                    "A follow-up in %(state)s is due tomorrow: %(title)s",
                    state=state,
                    title=follow_up.title,
                )
            elif restricted:
                subject = _("A follow-up in %(state)s is overdue", state=state)
            else:
                subject = _(
                    "A follow-up in %(state)s is overdue: %(title)s",
                    state=state,
                    title=follow_up.title,
                )
        message = services.queue(
            user,
            kind,
            f"follow_up:{follow_up.id}:{about}:{follow_up.due_on.isoformat()}",
            subject,
            {
                "follow_up": None if restricted else follow_up,
                "state": follow_up.state,
                "due_on": follow_up.due_on,
                "url": public_url("interactions.follow_ups_state", iso2=follow_up.state.iso2),
            },
        )
        if message is not None:
            due += kind is Notification.FOLLOW_UP_DUE
            overdue += kind is Notification.FOLLOW_UP_OVERDUE
    return [(Notification.FOLLOW_UP_DUE, due), (Notification.FOLLOW_UP_OVERDUE, overdue)]


# --- votes --------------------------------------------------------------------------------


def vote_notices(now: datetime) -> Iterable[tuple[Notification, int]]:
    """A notice when a stage is scheduled or moved, and 14 and 3 days before it, to its
    state's sections and the coordinators."""
    campaign = active_campaign()
    if campaign is None:
        return []
    utc_today = now.date()
    stages = db.session.scalars(
        sa.select(Stage)
        .join(Agreement)
        .where(
            Agreement.campaign_id == campaign.id,
            Stage.status == StageStatus.SCHEDULED,
            Stage.scheduled_on >= utc_today,
        )
        .options(
            selectinload(Stage.agreement).selectinload(Agreement.state), selectinload(Stage.chamber)
        )
        .order_by(Stage.scheduled_on, Stage.id)
    )
    coordinators = _users(sa.select(User).where(User.role == Role.COORDINATOR))
    queued = 0
    for stage in stages:
        assert stage.scheduled_on is not None  # noqa: S101 - selected so
        state = stage.agreement.state
        days = (stage.scheduled_on - utc_today).days
        milestone = next((str(n) for n in sorted(VOTE_MILESTONES) if days <= n), "scheduled")
        about = f"stage:{stage.id}:{stage.scheduled_on.isoformat()}:{milestone}"
        context = {
            "stage": stage,
            "state": state,
            "days": days,
            "milestone": milestone,
            "url": public_url("states.show", iso2=state.iso2),
        }
        for user in _section_members([state.id]) | coordinators:
            with in_language_of(user):
                what = stage_words(stage)
                subject = _(
                    "%(state)s: %(stage)s on %(date)s",
                    state=state.name,
                    stage=what,
                    date=format_when(stage.scheduled_on, "%d %b %Y"),
                )
            queued += (
                services.queue(
                    user, Notification.VOTE_AHEAD, about, subject, context | {"what": what}
                )
                is not None
            )
    return [(Notification.VOTE_AHEAD, queued)]


def stage_words(stage: Stage) -> str:
    """A stage as a vote notice names it, in the current language: "committee vote in the
    Senate", or "plenary vote" where no chamber is named (the label's first letter in lower
    case, the rest as the language writes it)."""
    label = stage.kind.label
    kind = label[:1].lower() + label[1:]
    if stage.chamber is None:
        return kind
    return str(_("%(stage)s in the %(chamber)s", stage=kind, chamber=stage.chamber.name))


# --- events -------------------------------------------------------------------------------


def event_reminders(now: datetime) -> Iterable[tuple[Notification, int]]:
    """The day before an event, to the people taking part: its organising section (or,
    with none named, its state's sections)."""
    events = db.session.scalars(
        sa.select(Event)
        .where(
            Event.status.in_([EventStatus.PLANNED, EventStatus.CONFIRMED]),
            Event.archived_at.is_(None),
            Event.starts_at.between(now, now + timedelta(days=3)),
        )
        .options(selectinload(Event.state))
        .order_by(Event.starts_at, Event.id)
    )
    queued = 0
    for event in events:
        people = (
            _users(sa.select(User).join(User.sections).where(Section.id == event.section_id))
            if event.section_id is not None
            else _section_members([event.state_id])
        )
        state_zone = zone(event.state.timezone)
        for user in people:
            if event.starts_at.astimezone(zone(user.time_zone)).date() != local_today(
                user, now
            ) + timedelta(days=1):
                continue
            with in_language_of(user):
                subject = _(
                    "Tomorrow in %(state)s: %(title)s", state=event.state.name, title=event.title
                )
            context: dict[str, Any] = {
                "event": event,
                "state": event.state,
                "starts": event.starts_at.astimezone(state_zone),
                "url": public_url("events.show", event_id=event.id),
            }
            about = f"event:{event.id}:{event.starts_at.date().isoformat()}"
            queued += (
                services.queue(user, Notification.EVENT_REMINDER, about, subject, context)
                is not None
            )
    return [(Notification.EVENT_REMINDER, queued)]


# --- recipients -----------------------------------------------------------------------------


def _users(stmt: sa.Select[User]) -> set[User]:
    return set(
        db.session.scalars(
            stmt.where(User.is_enabled.is_(True)).options(
                selectinload(User.sections).selectinload(Section.states)
            )
        ).unique()
    )


def _section_members(state_ids: list[int]) -> set[User]:
    """The enabled members of the sections responsible for these states."""
    return _users(
        sa.select(User)
        .join(User.sections)
        .join(Section.states)
        .where(State.id.in_(state_ids), User.role == Role.SECTION)
    )
