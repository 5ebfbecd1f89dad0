"""Records as the API shows them to one reader: the dicts its schemas dump.

Restricted content is withheld here, once, by `may_see_restricted` for that reader
(SPEC §2): a restricted contact shows only its state and day; a stance or follow-up from
one keeps what it is but loses its note, title and link to the contact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crm.auth.models import User
from crm.auth.permissions import is_restricted, stance_withheld, withheld
from crm.events.models import Event, Invitation
from crm.events.services import starts_after_stage
from crm.interactions.models import FollowUp, Interaction
from crm.parliament.models import (
    Chamber,
    MajorityRule,
    Membership,
    Party,
    Representative,
    StanceRecord,
)
from crm.risk.model import RiskConfig, StateForecast
from crm.risk.queries import risk_config
from crm.risk.services import StateRisk
from crm.states.models import Agreement, Stage, State


def ref(record: Any | None) -> dict[str, Any] | None:
    return None if record is None else {"id": record.id, "name": record.name}


def me(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "sections": [
            {"id": s.id, "name": s.name, "states": [st.iso2 for st in s.states]}
            for s in user.sections
        ],
    }


def state(record: State, agreement: Agreement | None) -> dict[str, Any]:
    return {
        "iso2": record.iso2,
        "name": record.name,
        "capital": record.capital,
        "timezone": record.timezone,
        "rome_statute_status": record.rome_statute_status,
        "rome_statute_date": record.rome_statute_date,
        "sections": [ref(s) for s in record.sections],
        "agreement": None
        if agreement is None
        else {
            "status": agreement.status,
            "route": agreement.route,
            "signed_on": agreement.signed_on,
            "executive_probability": agreement.executive_probability,
        },
    }


def chamber(record: Chamber) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state.iso2,
        "name": record.name,
        "classification": record.classification,
        "seats": record.seats,
        "majority_rule": record.majority_rule,
        "attendance": record.attendance,
        "roster_verified_on": record.roster_verified_on,
        "popolo_id": record.popolo_id,
        "committees": [
            {"id": c.id, "name": c.name, "abbreviation": c.abbreviation, "focus": c.focus}
            for c in record.committees
        ],
    }


def party(record: Party) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state.iso2,
        "name": record.name,
        "abbreviation": record.abbreviation,
        "in_government": record.in_government,
        "popolo_id": record.popolo_id,
    }


def _unless(hide: bool, values: dict[str, Any]) -> dict[str, Any]:
    """`values` as they are, or each None when the restricted contact they come from is
    withheld from the reader."""
    return {key: None if hide else value for key, value in values.items()}


def _month(day: date | None) -> str | None:
    return day.strftime("%Y-%m") if day is not None else None


def representative_summary(
    reader: User, record: Representative, seat: Membership | None, on: date, stale_days: int
) -> dict[str, Any]:
    # Observed in a restricted contact the reader may not read: the month only (SPEC §2).
    seen = record.stance_date(withheld=stance_withheld(reader, record))
    return {
        "id": record.id,
        "state": record.state.iso2,
        "name": record.name,
        "sort_name": record.sort_name,
        "stance": record.stance,
        "stance_on": seen.on if seen.exact else None,
        "stance_month": seen.month,
        "stance_stale": seen.is_stale(on, stale_days),
        "influence": record.influence,
        "do_not_contact": record.do_not_contact,
        "seat": None
        if seat is None
        else {
            "chamber": ref(seat.chamber),
            "party": ref(seat.party),
            "constituency": seat.constituency,
        },
    }


def representative(
    reader: User, record: Representative, seat: Membership | None, on: date, stale_days: int
) -> dict[str, Any]:
    return representative_summary(reader, record, seat, on, stale_days) | {
        "given_name": record.given_name,
        "family_name": record.family_name,
        "gender": record.gender,
        "languages": list(record.languages or []),
        "tags": list(record.tags or []),
        "notes": record.notes,
        "do_not_contact_reason": record.do_not_contact_reason,
        "archived": record.archived_at is not None,
        "memberships": [
            {
                "id": m.id,
                "chamber": ref(m.chamber),
                "party": ref(m.party),
                "constituency": m.constituency,
                "legislative_period": m.legislative_period,
                "start_date": m.start_date,
                "end_date": m.end_date,
            }
            for m in sorted(record.memberships, key=lambda m: (m.start_date or date.min, m.id))
        ],
        "committee_seats": [
            {
                "id": c.id,
                "committee": ref(c.committee),
                "role": c.role,
                "start_date": c.start_date,
                "end_date": c.end_date,
            }
            for c in record.committee_memberships
        ],
        "contact_details": [
            {"kind": c.kind, "value": c.value, "label": c.label} for c in record.contact_details
        ],
        "other_names": [
            {"name": o.name, "lang": o.lang, "note": o.note} for o in record.other_names
        ],
        "identifiers": [{"scheme": i.scheme, "value": i.value} for i in record.identifiers],
    }


def stance_record(reader: User, record: StanceRecord) -> dict[str, Any]:
    """Observed in a restricted contact the reader may not read, a record keeps its stance
    and month only: no source, confidence, exact date, note, time recorded or contact."""
    return {
        "id": record.id,
        "representative_id": record.representative_id,
        "stance": record.stance,
        "observed_month": _month(record.observed_on),
        "vote_id": record.vote_id,
        "from_restricted_contact": is_restricted(record),
        **_unless(
            withheld(reader, record),
            {
                "source": record.source,
                "confidence": record.confidence,
                "observed_on": record.observed_on,
                "note": record.note,
                "recorded_at": record.recorded_at,
                "interaction_id": record.interaction_id,
            },
        ),
    }


def interaction(reader: User, record: Interaction) -> dict[str, Any]:
    day = record.occurred_at.astimezone(ZoneInfo(record.state.timezone)).date()
    if withheld(reader, record):
        return {
            "id": None,
            "state": record.state.iso2,
            "date": day,
            "restricted": True,
            "redacted": True,
        }
    return {
        "id": record.id,
        "state": record.state.iso2,
        "date": day,
        "restricted": record.is_restricted,
        "redacted": False,
        "occurred_at": record.occurred_at,
        "kind": record.kind,
        "summary": record.summary,
        "outcome": record.outcome,
        "representatives": [ref(r) for r in record.representatives],
        "participants": [ref(u) for u in record.participants],
        "follow_up_ids": [f.id for f in record.follow_ups if f.archived_at is None],
        "version": record.version,
    }


def follow_up(reader: User, record: FollowUp, on: date) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state.iso2,
        "due_on": record.due_on,
        "overdue": record.is_overdue(on),
        "status": record.status,
        "from_restricted_contact": is_restricted(record),
        **_unless(
            withheld(reader, record),
            {
                "title": record.title,
                "details": record.details,
                # Who was met, and who follows up, are part of the restricted contact too.
                "assignee": ref(record.assignee),
                "representative": ref(record.representative),
                "interaction_id": record.interaction_id,
                "completed_at": record.completed_at,
            },
        ),
    }


def event(record: Event) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state.iso2,
        "title": record.title,
        "kind": record.kind,
        "status": record.status,
        "city": record.city,
        "venue": record.venue,
        "starts_at": record.starts_at,
        "ends_at": record.ends_at,
        "timezone": record.state.timezone,
        "description": record.description,
        "section": ref(record.section),
        "stage_id": record.stage_id,
        "after_the_vote": starts_after_stage(record, record.stage, record.state.timezone),
        "expected_attendance": record.expected_attendance,
        "actual_attendance": record.actual_attendance,
        "signatures_handed_over": record.signatures_handed_over,
        "press_links": list(record.press_links or []),
        "outcome": record.outcome,
        "version": record.version,
    }


def invitation(record: Invitation) -> dict[str, Any]:
    return {
        "id": record.id,
        "event_id": record.event_id,
        "representative": ref(record.representative),
        "rsvp": record.rsvp,
        "attended": record.attended,
        "note": record.note,
        "version": record.version,
    }


def stage(record: Stage) -> dict[str, Any]:
    vote_event = record.vote_event
    return {
        "id": record.id,
        "position": record.position,
        "kind": record.kind,
        "chamber": ref(record.chamber),
        "committee": ref(record.committee),
        "scheduled_on": record.scheduled_on,
        "held_on": record.held_on,
        "status": record.status,
        "result": record.result,
        "notes": record.notes,
        "vote_event": None
        if vote_event is None
        else {
            "id": vote_event.id,
            "chamber_id": vote_event.chamber_id,
            "motion": vote_event.motion,
            "held_on": vote_event.held_on,
            "result": vote_event.result,
            "source": vote_event.source,
            "counts": [
                {"option": c.option, "value": c.value, "party": ref(c.party)}
                for c in vote_event.counts
            ],
            "votes": [
                {
                    "representative": ref(v.representative),
                    "option": v.option,
                    "party_id": v.party_id,
                }
                for v in vote_event.votes
            ],
        },
    }


def items(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"items": list(rows)}


def page(pagination: Any, show: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The rows of a page, each as `show` presents it, with the page's position."""
    return {
        "items": [show(row) for row in pagination.items],
        "pagination": {
            "page": pagination.page,
            "per_page": pagination.per_page,
            "total": pagination.total or 0,
            "pages": pagination.pages,
        },
    }


def risk_summary(state: State, agreement: Agreement, f: StateForecast) -> dict[str, Any]:
    """A state's risk in a list: its forecast kept (crm/risk/kept.py) or computed now."""
    return {
        "state": state.iso2,
        "name": state.name,
        "agreement_status": agreement.status,
        "route": agreement.route,
        "probability": f.probability,
        "risk": f.risk,
        "level": f.level,
        "coverage": f.coverage,
        "days_to_next_vote": f.days_to_next_vote,
    }


def state_risk(
    result: StateRisk, campaign_slug: str, computed_at: datetime, config: RiskConfig | None = None
) -> dict[str, Any]:
    """One state's risk with every number needed to check it; `config`, the settings it was
    computed under (the running ones when not given)."""
    config = config or risk_config()
    f = result.forecast
    chambers_by_id = {c.id: c for c in result.context.model_input.chambers}
    return risk_summary(result.state, result.context.agreement, f) | {
        "campaign": campaign_slug,
        "goal": f.goal,
        "computed_at": computed_at,
        "coverage_target": config.coverage_target,
        "coverage_flagged": f.coverage_flagged,
        "seats_covered": f.seats_covered,
        "seats_counted": f.seats_counted,
        "contacts_to_target": f.contacts_to_target,
        "swing_target_top": config.swing_target_top,
        "swing_top_counted": f.swing_top_counted,
        "swing_top_uncovered": f.swing_top_uncovered,
        "chambers": [
            {
                "id": c.chamber_id,
                "name": c.name,
                "majority_rule": MajorityRule(c.majority_rule),
                "seats": c.seats,
                "attendance": c.attendance,
                "status": c.status,
                "pass_probability": c.pass_probability,
                "model_pass_probability": c.model_pass_probability,
                "expected_yes": c.expected_yes,
                "expected_no": c.expected_no,
                "threshold": c.threshold,
                "threshold_label": c.threshold_label,
                "members": [
                    {"id": m.id, "probability": c.member_probabilities[m.id]}
                    for m in chambers_by_id[c.chamber_id].members
                ],
            }
            for c in f.chambers
        ],
    }
