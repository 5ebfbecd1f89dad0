"""Importing a Popolo VoteEvent onto a stage: counts, group results and individual votes.

Voters are matched to representatives by the Popolo person id kept at the roster import
(scheme `popolo`), by the identifiers the file's persons carry, or by an unambiguous name
among the stage's members; a voter who matches nobody stops the import, so a roll call is
never half recorded. Each yes or no becomes a stance record with source `vote`, as when a
vote is entered by hand. Importing the same vote again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from crm.audit.services import record
from crm.auth.permissions import Action, require
from crm.db import today
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interchange.popolo.parties import NO_PARTY_NAMES
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.report import VoteReport
from crm.interchange.popolo.voters import Voters, group_party, parties_of
from crm.interchange.popolo.votes_in import VoteEventIn, VotesIn
from crm.parliament.models import Representative
from crm.risk.changes import inputs_changed
from crm.states.models import Stage, StageResult, StageStatus
from crm.votes.models import VoteEvent, VoteOption
from crm.votes.services import VoteToWrite, final_counts, place, write_vote

if TYPE_CHECKING:
    from crm.auth.models import User

RESULTS = {
    **dict.fromkeys(
        ("pass", "passed", "adopted", "carried", "approved", "agreed"), StageResult.PASS
    ),
    **dict.fromkeys(
        ("fail", "failed", "rejected", "defeated", "lost", "negatived"), StageResult.FAIL
    ),
    **dict.fromkeys(("deferred", "postponed", "withdrawn"), StageResult.DEFERRED),
}


def _choose(votes_in: VotesIn, event_id: str | None) -> VoteEventIn:
    events = votes_in.events
    if event_id is not None:
        found = [e for e in events if e.id == event_id]
        if not found:
            raise PopoloError(f'the file has no vote event with the id "{event_id}"')
        return found[0]
    if len(events) > 1:
        ids = ", ".join(e.id or "(no id)" for e in events[:6])
        raise PopoloError(f"the file has {len(events)} vote events ({ids}): choose one by id")
    return events[0]


def _held_on(event: VoteEventIn, stage: Stage) -> date:
    start = event.start
    if isinstance(start, datetime):
        return start.astimezone(ZoneInfo(stage.agreement.state.timezone)).date()
    if start is None:
        if stage.held_on is None:
            raise PopoloError("the vote event has no start_date: the day of the vote is needed")
        return stage.held_on
    return start


@dataclass
class _Vote:
    """The vote as it will be recorded, every rule checked."""

    held_on: date
    result: StageResult
    motion: str | None
    final: dict[VoteOption, int]
    groups: dict[tuple[VoteOption, int], int]
    roll_call: dict[Representative, VoteOption]


def import_vote_event(
    votes_in: VotesIn,
    stage: Stage,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    source: str = "",
    result: StageResult | None = None,
    event_id: str | None = None,
    on: date | None = None,
) -> VoteReport:
    """Record the file's vote event at `stage` (or correct the vote recorded there).

    Raises PopoloError, before writing anything, when the vote cannot be recorded.
    """
    if actor is not None:
        require(actor, Action.CREATE, VoteEvent, state=stage.agreement.state)
    on = on or today()
    event = _choose(votes_in, event_id)
    if not stage.kind.is_vote:
        raise PopoloError(f"the stage is a {stage.kind.label.lower()}, which holds no vote")
    if stage.status is StageStatus.CANCELLED:
        raise PopoloError("the stage was cancelled: schedule it again before recording its vote")
    held_on = _held_on(event, stage)
    if held_on > on:
        raise PopoloError(f"the vote is dated {held_on}, which is in the future")
    if result is None:
        result = _result(event)
    report = VoteReport(stage=f"{stage.kind.label} in the {place(stage)}", held_on=held_on,
                        result=result)  # fmt: skip
    counts, groups = _counts(event, stage, report)
    roll_call = _roll_call(event, stage, votes_in)
    final = _final_counts(stage, counts, roll_call)
    report.counts = {option.value: value for option, value in final.items()}
    report.group_counts = len(groups)
    report.votes = len(roll_call)
    motion = event.motion[:5000] if event.motion else None
    vote = _Vote(held_on, result, motion, final, groups, roll_call)
    if _recorded_already(stage, vote):
        report.unchanged = True
    else:
        recorded = stage.vote_event
        written = VoteToWrite(
            vote.held_on,
            vote.result,
            vote.final,
            vote.roll_call,
            motion=vote.motion,
            source=(recorded.source if recorded is not None else None)
            or (f"Popolo file {source}"[:500] if source else None),
            groups=vote.groups,
            popolo_id=(event.id or "")[:200] or None,
            via="imported from a Popolo file",
        )
        report.stances = write_vote(actor, stage, written)[1]
    entry = record(
        actor,
        "popolo.votes_imported",
        stage,
        summary=f"Popolo vote {source}: " + report.lines()[0],
        after={"file": source, "counts": report.counts, "votes": report.votes},
        actor_email=actor_label,
    )
    if not report.unchanged:
        inputs_changed(entry.state_id)
    db.session.flush()
    return report


def _result(event: VoteEventIn) -> StageResult:
    """The result the file gives, when the caller gives none."""
    if event.result is None:
        raise PopoloError("the vote event has no result: give one (pass, fail or deferred)")
    if event.result not in RESULTS:
        raise PopoloError(f'the result "{event.result[:30]}" is not pass, fail or deferred')
    return RESULTS[event.result]


def _counts(
    event: VoteEventIn, stage: Stage, report: VoteReport
) -> tuple[dict[VoteOption, int | None], dict[tuple[VoteOption, int], int]]:
    """The file's counts: the chamber's, and each party's (by option and party id)."""
    counts: dict[VoteOption, int | None] = {}
    groups: dict[tuple[VoteOption, int], int] = {}
    parties = parties_of(stage)
    for n, count in enumerate(event.counts):
        if count.group_id is None and count.group_name is None:
            if count.option in counts:
                raise PopoloError(f"counts[{n}]: the count for {count.option.value} is given twice")
            counts[count.option] = count.value
            continue
        party = group_party(parties, count.group_id, count.group_name)
        label = count.group_name or count.group_id or ""
        if party is None and label.casefold() in NO_PARTY_NAMES:
            report.warnings.append(f"counts[{n}]: a result for members of no party: left out")
            continue
        if party is None:
            raise PopoloError(
                f'counts[{n}]: the group "{label[:40]}" is not a party of '
                f"{stage.agreement.state.name}"
            )
        if (count.option, party.id) in groups:
            raise PopoloError(f"counts[{n}]: {party.name}'s {count.option.value} is given twice")
        groups[(count.option, party.id)] = count.value
    return counts, groups


def _roll_call(
    event: VoteEventIn, stage: Stage, votes_in: VotesIn
) -> dict[Representative, VoteOption]:
    """Each voter's representative and vote: every voter found, each once, each a member."""
    voters = Voters(stage, votes_in)
    roll_call: dict[Representative, VoteOption] = {}
    unknown: list[str] = []
    for vote in event.votes:
        rep = voters.find(vote.voter_id, vote.voter_name)
        if rep is None:
            unknown.append(vote.voter_id or vote.voter_name or "?")
            continue
        if rep in roll_call:
            raise PopoloError(f"{rep.name} votes twice in the file")
        if rep.id not in voters.member_ids:
            raise PopoloError(
                f"{rep.name} never sat in the {place(stage)}: their vote cannot count"
            )
        roll_call[rep] = vote.option
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise PopoloError(
            f"{len(unknown)} voter(s) match no representative of {stage.agreement.state.name}: "
            f"{shown} (import the roster first)"
        )
    return roll_call


def _final_counts(
    stage: Stage, counts: dict[VoteOption, int | None], roll_call: dict[Representative, VoteOption]
) -> dict[VoteOption, int]:
    """The counts to store, checked against the roll call and the chamber's seats."""
    try:
        final = final_counts(counts, roll_call)
    except ValidationFailed as error:
        raise PopoloError(error.message) from None
    seats = stage.chamber.seats if stage.chamber is not None else None
    if seats is not None and sum(final.values()) > seats:
        raise PopoloError(
            f"the counts add up to {sum(final.values())}, more than the {seats} seats of the "
            f"{stage.chamber.name if stage.chamber else 'chamber'}"
        )
    return final


def _recorded_already(stage: Stage, vote: _Vote) -> bool:
    """Whether the stage holds exactly this vote (importing it again changes nothing)."""
    current = stage.vote_event
    wanted_counts = {(o, None, v) for o, v in vote.final.items()} | {
        (o, party_id, v) for (o, party_id), v in vote.groups.items()
    }
    wanted_votes = {rep.id: option for rep, option in vote.roll_call.items()}
    return (
        current is not None
        and stage.status is StageStatus.HELD
        and stage.held_on == vote.held_on
        and stage.result is vote.result
        and current.held_on == vote.held_on
        and current.result == vote.result.value
        and current.motion == vote.motion
        and {(c.option, c.party_id, c.value) for c in current.counts} == wanted_counts
        and {v.representative_id: v.option for v in current.votes} == wanted_votes
    )
