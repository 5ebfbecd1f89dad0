"""The iCalendar feed: the campaign's events and the ratification stages, for one user.

Calendar programs poll the feed with a per-user token (scope `calendar`) in the URL, so
the feed shows what that user may see: events and stages are not restricted data, so
that is every event and every dated stage. UIDs are stable across requests and hosts
(`event-<id>@…`, `stage-<id>@…`) and SEQUENCE follows the record's version, so clients
update an event in place instead of duplicating it. Event times carry the TZID of their
state's zone, with a VTIMEZONE for each zone; stages are all-day entries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.auth.permissions import Action, may
from crm.events.models import Event, EventStatus
from crm.extensions import db
from crm.states.models import Agreement, Stage, StageStatus

# Not a host name: UIDs must not change when the app moves to another address.
UID_DOMAIN = "icc-campaign-crm"
# How far back the feed reaches; older entries stay in the app.
HISTORY = timedelta(days=365)

EVENT_STATUS = {
    EventStatus.PLANNED: "TENTATIVE",
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.HELD: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
}
STAGE_STATUS = {
    StageStatus.SCHEDULED: "CONFIRMED",
    StageStatus.POSTPONED: "TENTATIVE",
    StageStatus.HELD: "CONFIRMED",
    StageStatus.CANCELLED: "CANCELLED",
}


def feed_events(user: Any, now: datetime) -> list[Event]:
    """The events the feed shows (two queries)."""
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.archived_at.is_(None), Event.starts_at >= now - HISTORY)
        .options(selectinload(Event.state), selectinload(Event.stage))
        .order_by(Event.starts_at, Event.id)
    )
    return [event for event in events if may(user, Action.VIEW, event)]


def feed_stages(user: Any, now: datetime) -> list[Stage]:
    """The dated stages the feed shows (a fixed number of queries)."""
    since = (now - HISTORY).date()
    stages = db.session.scalars(
        sa.select(Stage)
        .where(sa.or_(Stage.scheduled_on >= since, Stage.held_on >= since))
        .options(
            selectinload(Stage.agreement).selectinload(Agreement.state),
            selectinload(Stage.chamber),
            selectinload(Stage.committee),
        )
        .order_by(Stage.scheduled_on, Stage.id)
    )
    return [stage for stage in stages if may(user, Action.VIEW, stage)]


def stage_day(stage: Stage) -> date | None:
    if stage.status is StageStatus.HELD and stage.held_on is not None:
        return stage.held_on
    return stage.scheduled_on


def _event(event: Event, url: str) -> icalendar.Event:
    zone = ZoneInfo(event.state.timezone)
    entry = icalendar.Event()
    entry.add("uid", f"event-{event.id}@{UID_DOMAIN}")
    entry.add("dtstamp", event.updated_at)
    entry.add("created", event.created_at)
    entry.add("last-modified", event.updated_at)
    entry.add("sequence", max(event.version - 1, 0))
    entry.add("summary", f"{event.title} ({event.state.name})")
    entry.add("dtstart", event.starts_at.astimezone(zone))
    if event.ends_at is not None:
        entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("status", EVENT_STATUS[event.status])
    location = ", ".join(part for part in (event.venue, event.city) if part)
    if location:
        entry.add("location", location)
    lines = [f"{event.kind.label} in {event.state.name} ({event.status.label.lower()})."]
    if event.stage is not None:
        day = stage_day(event.stage)
        lines.append(
            f"Aims at the {event.stage.kind.label.lower()}"
            + (f" of {day:%d %b %Y}." if day else ".")
        )
    if event.description:
        lines += ["", event.description]
    lines += ["", url]
    entry.add("description", "\n".join(lines))
    entry.add("categories", [event.kind.label])
    entry.add("url", url)
    return entry


def _stage(stage: Stage, day: date, url: str) -> icalendar.Event:
    state = stage.agreement.state
    where = stage.committee or stage.chamber
    entry = icalendar.Event()
    entry.add("uid", f"stage-{stage.id}@{UID_DOMAIN}")
    entry.add("dtstamp", stage.updated_at)
    entry.add("last-modified", stage.updated_at)
    entry.add("sequence", max(stage.version - 1, 0))
    title = stage.kind.label + (f" ({where.name})" if where else "")
    entry.add("summary", f"{title}: {state.name}")
    entry.add("dtstart", day)
    entry.add("dtend", day + timedelta(days=1))
    entry.add("transp", "TRANSPARENT")
    entry.add("status", STAGE_STATUS[stage.status])
    lines = [f"Stage of ratification in {state.name}: {stage.status.label.lower()}."]
    if stage.result is not None:
        lines.append(f"Result: {stage.result.label.lower()}.")
    if stage.notes:
        lines += ["", stage.notes]
    lines += ["", url]
    entry.add("description", "\n".join(lines))
    entry.add("categories", ["Ratification stage"])
    entry.add("url", url)
    return entry


def build_feed(
    user: Any,
    now: datetime,
    *,
    event_url: Callable[[Event], str],
    stage_url: Callable[[Stage], str],
) -> bytes:
    """The user's feed as iCalendar bytes."""
    events = feed_events(user, now)
    stages = [(stage, day) for stage in feed_stages(user, now) if (day := stage_day(stage))]
    feed = icalendar.Calendar()
    feed.add("prodid", "-//ICC Campaign CRM//Events and ratification stages//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", "ICC campaign: events and votes")
    feed.add("x-wr-caldesc", "Public events and stages of ratification, from the campaign CRM.")
    feed.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", "PT1H")

    for event in events:
        feed.add_component(_event(event, event_url(event)))
    for stage, day in stages:
        feed.add_component(_stage(stage, day, stage_url(stage)))
    # One VTIMEZONE for each zone a time refers to (UTC times end in Z and need none),
    # built from zoneinfo for the span the feed covers.
    days = [e.starts_at.date() for e in events] + [d for _, d in stages] + [now.date()]
    feed.add_missing_timezones(
        first_date=min(days) - timedelta(days=366),
        last_date=max(max(days) + timedelta(days=366), date(2038, 1, 1)),
    )
    return feed.to_ical()
