"""What the events pages share: the blueprint, and the helpers other features' templates use."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint

from crm.dates import format_when
from crm.events import services
from crm.events.models import Event

bp = Blueprint("events", __name__)


# --- Helpers shared with other features' templates ---------------------------------------


@bp.app_template_global()
def event_after_vote(event: Event) -> bool:
    """Whether the event starts after the stage it targets (stage and state loaded)."""
    return services.starts_after_stage(event, event.stage, event.state.timezone)


@bp.app_template_filter()
def in_zone(value: datetime | None, timezone: str, fmt: str = "%d %b %Y %H:%M %Z") -> str:
    """A UTC datetime formatted in a time zone (%Z gives the zone's abbreviation)."""
    if value is None:
        return ""
    return format_when(value.astimezone(ZoneInfo(timezone)), fmt)
