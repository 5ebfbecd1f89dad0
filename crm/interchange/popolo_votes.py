"""Importing a Popolo VoteEvent onto a stage: counts, group results and individual votes.

Voters are matched to representatives by the Popolo person id kept at the roster import
(scheme `popolo`), by the identifiers the file's persons carry, or by an unambiguous name
among the stage's members; a voter who matches nobody stops the import, so a roll call is
never half recorded. Each yes or no becomes a stance record with source `vote`, as when a
vote is entered by hand. Importing the same vote again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.audit.services import diff, record, snapshot
from crm.auth.permissions import Action, may, require
from crm.db import today
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interchange.popolo import NO_PARTY_NAMES, OWN_ID, POPOLO_SCHEME
from crm.interchange.popolo_read import PopoloError, VoteEventIn, VotesIn
from crm.parliament.models import (
    Confidence,
    Party,
    Representative,
    StanceRecord,
    StanceSource,
)
from crm.parliament.services import record_stance, refresh_current_stances
from crm.risk.changes import inputs_changed
from crm.states.models import Stage, StageResult, StageStatus
from crm.text import fold
from crm.votes import queries as vote_queries
from crm.votes.models import Count, Vote, VoteEvent, VoteOption
from crm.votes.services import STANCE_OF_VOTE, archive_vote_stances, final_counts

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


@dataclass
class VoteReport:
    stage: str
    held_on: date
    result: StageResult
    unchanged: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    group_counts: int = 0
    votes: int = 0
    stances: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.unchanged:
            head = f"{self.stage}: already recorded exactly like this; nothing changed"
        else:
            head = f"{self.stage}: vote of {self.held_on} recorded, result {self.result.value}"
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items()) or "none"
        out = [
            head,
            f"  counts: {counts}; group results: {self.group_counts}",
            f"  individual votes: {self.votes}; stance records made: {self.stances}",
        ]
        out += [f"  warning: {w}" for w in self.warnings]
        return out


def _place(stage: Stage) -> str:
    if stage.committee is not None:
        return stage.committee.name
    return stage.chamber.name if stage.chamber is not None else "parliament"


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


class _Voters:
    """Finds the representative behind each voter of the file."""

    def __init__(self, stage: Stage, votes_in: VotesIn) -> None:
        self.state = stage.agreement.state
        self.persons = votes_in.persons
        self.member_ids = vote_queries.member_ids(stage)
        reps = db.session.scalars(
            sa.select(Representative)
            .where(Representative.state_id == self.state.id)
            .options(selectinload(Representative.identifiers))
        ).all()
        self.by_id = {rep.id: rep for rep in reps}
        self.by_identifier = {(i.scheme, i.value): rep for rep in reps for i in rep.identifiers}
        names: dict[str, list[Representative]] = defaultdict(list)
        for rep in reps:
            if rep.id in self.member_ids:
                names[fold(rep.name)].append(rep)
        self.by_name = names

    def find(self, voter_id: str | None, voter_name: str | None) -> Representative | None:
        if voter_id:
            rep = self.by_identifier.get((POPOLO_SCHEME, voter_id))
            if rep is not None:
                return rep
            match = OWN_ID.fullmatch(voter_id)
            if match and match.group(1) == self.state.iso2 and match.group(2) == "representative":
                rep = self.by_id.get(int(match.group(3)))
                if rep is not None:
                    return rep
            person = self.persons.get(voter_id)
            if person is not None:
                for key in person.identifiers:
                    if key in self.by_identifier:
                        return self.by_identifier[key]
                voter_name = voter_name or person.name
        if voter_name:
            namesakes = self.by_name.get(fold(voter_name), [])
            if len(namesakes) == 1:
                return namesakes[0]
        return None


def _held_on(event: VoteEventIn, stage: Stage) -> date:
    start = event.start
    if isinstance(start, datetime):
        return start.astimezone(ZoneInfo(stage.agreement.state.timezone)).date()
    if start is None:
        if stage.held_on is None:
            raise PopoloError("the vote event has no start_date: the day of the vote is needed")
        return stage.held_on
    return start


def _parties(stage: Stage) -> list[Party]:
    return list(
        db.session.scalars(sa.select(Party).where(Party.state_id == stage.agreement.state_id))
    )


def _group_party(parties: list[Party], group_id: str | None, name: str | None) -> Party | None:
    for party in parties:
        if group_id and party.popolo_id == group_id:
            return party
    match = OWN_ID.fullmatch(group_id or "")
    if match and match.group(2) == "party":
        found = next((p for p in parties if p.id == int(match.group(3))), None)
        if found is not None:
            return found
    wanted = (name or "").casefold()
    if wanted:
        for party in parties:
            if wanted in (party.name.casefold(), (party.abbreviation or "").casefold()):
                return party
    return None


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
    state = stage.agreement.state
    if actor is not None:
        require(actor, Action.CREATE, VoteEvent, state=state)
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
        if event.result is None:
            raise PopoloError("the vote event has no result: give one (pass, fail or deferred)")
        if event.result not in RESULTS:
            raise PopoloError(f'the result "{event.result[:30]}" is not pass, fail or deferred')
        result = RESULTS[event.result]
    report = VoteReport(stage=f"{stage.kind.label} in the {_place(stage)}", held_on=held_on,
                        result=result)  # fmt: skip

    counts: dict[VoteOption, int | None] = {}
    groups: dict[tuple[VoteOption, int], int] = {}
    parties = _parties(stage)
    for n, count in enumerate(event.counts):
        if count.group_id is None and count.group_name is None:
            if count.option in counts:
                raise PopoloError(f"counts[{n}]: the count for {count.option.value} is given twice")
            counts[count.option] = count.value
            continue
        party = _group_party(parties, count.group_id, count.group_name)
        label = count.group_name or count.group_id or ""
        if party is None and label.casefold() in NO_PARTY_NAMES:
            report.warnings.append(f"counts[{n}]: a result for members of no party: left out")
            continue
        if party is None:
            raise PopoloError(
                f'counts[{n}]: the group "{label[:40]}" is not a party of {state.name}'
            )
        if (count.option, party.id) in groups:
            raise PopoloError(f"counts[{n}]: {party.name}'s {count.option.value} is given twice")
        groups[(count.option, party.id)] = count.value

    voters = _Voters(stage, votes_in)
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
                f"{rep.name} never sat in the {_place(stage)}: their vote cannot count"
            )
        roll_call[rep] = vote.option
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise PopoloError(
            f"{len(unknown)} voter(s) match no representative of {state.name}: {shown} "
            "(import the roster first)"
        )
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
    report.counts = {option.value: value for option, value in final.items()}
    report.group_counts = len(groups)
    report.votes = len(roll_call)

    wanted_counts = {(o, None, v) for o, v in final.items()} | {
        (o, party_id, v) for (o, party_id), v in groups.items()
    }
    wanted_votes = {rep.id: option for rep, option in roll_call.items()}
    motion = event.motion[:5000] if event.motion else None
    current = stage.vote_event
    if (
        current is not None
        and stage.status is StageStatus.HELD
        and stage.held_on == held_on
        and stage.result is result
        and current.held_on == held_on
        and current.result == result.value
        and current.motion == motion
        and {(c.option, c.party_id, c.value) for c in current.counts} == wanted_counts
        and {v.representative_id: v.option for v in current.votes} == wanted_votes
    ):
        report.unchanged = True
    else:
        report.stances = _write(
            actor, stage, event, held_on, result, motion, source, final, groups, roll_call
        )
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


def _write(
    actor: User | None,
    stage: Stage,
    event: VoteEventIn,
    held_on: date,
    result: StageResult,
    motion: str | None,
    source: str,
    final: dict[VoteOption, int],
    groups: dict[tuple[VoteOption, int], int],
    roll_call: dict[Representative, VoteOption],
) -> int:
    """Write the vote; returns how many stance records it made."""
    before_stage = snapshot(stage)
    stage.status = StageStatus.HELD
    stage.held_on = held_on
    stage.result = result
    db.session.flush()
    changed_before, changed_after = diff(before_stage, snapshot(stage))
    if changed_after:
        record(actor, "stage.held", stage, before=changed_before,
               after={**changed_after, "version": stage.version})  # fmt: skip

    vote_event = stage.vote_event
    before: dict[str, Any] | None = None
    old_held_on = None
    if vote_event is None:
        vote_event = VoteEvent(stage=stage)
        db.session.add(vote_event)
    else:
        before = _summary(vote_event)
        old_held_on = vote_event.held_on
    vote_event.chamber = stage.chamber
    vote_event.held_on = held_on
    vote_event.result = result.value
    vote_event.motion = motion
    vote_event.popolo_id = (event.id or "")[:200] or vote_event.popolo_id
    vote_event.source = vote_event.source or (f"Popolo file {source}"[:500] if source else None)

    vote_event.counts.clear()
    db.session.flush()
    for option, value in final.items():
        vote_event.counts.append(Count(option=option, value=value))
    for (option, party_id), value in groups.items():
        vote_event.counts.append(Count(option=option, value=value, party_id=party_id))

    wanted = {rep.id: (rep, option) for rep, option in roll_call.items()}
    party_of = vote_queries.parties_on(stage, wanted, held_on)
    existing = {v.representative_id: v for v in vote_event.votes}
    replaced = [
        vote
        for rep_id, vote in existing.items()
        if rep_id not in wanted or wanted[rep_id][1] is not vote.option or old_held_on != held_on
    ]
    touched = archive_vote_stances(
        actor, replaced, reason="The imported roll call it came from was corrected."
    )
    for vote in replaced:
        if vote.representative_id not in wanted:
            vote_event.votes.remove(vote)
    made: list[tuple[Representative, Vote]] = []
    for rep_id, (rep, option) in wanted.items():
        vote = existing.get(rep_id)
        if vote is None:
            vote = Vote(representative=rep, option=option, party_id=party_of.get(rep_id))
            vote_event.votes.append(vote)
        else:
            vote.option = option
            vote.party_id = party_of.get(rep_id)
        if option in STANCE_OF_VOTE and (vote.id is None or vote in replaced):
            made.append((rep, vote))
    db.session.flush()

    state = stage.agreement.state
    for rep, vote in made:
        checked = actor is not None and may(actor, Action.CREATE, StanceRecord, state=state)
        record_stance(
            actor if checked else None,
            rep,
            stance=STANCE_OF_VOTE[vote.option],
            source=StanceSource.VOTE,
            observed_on=held_on,
            confidence=Confidence.HIGH,
            note=f"Voted {vote.option.label.lower()} in the {_place(stage)} "
            f"({stage.kind.label.lower()}); imported from a Popolo file.",
            vote=vote,
        )
        touched.discard(rep.id)
    refresh_current_stances(touched)
    db.session.flush()
    record(
        actor,
        "vote.recorded",
        vote_event,
        before=before,
        after={**_summary(vote_event), "version": vote_event.version},
        summary="Imported from a Popolo file",
    )
    return len(made)


def _summary(vote_event: VoteEvent) -> dict[str, Any]:
    return {
        "held_on": vote_event.held_on.isoformat() if vote_event.held_on else None,
        "result": vote_event.result,
        "motion": vote_event.motion,
        "counts": sorted(
            ([c.option.value, c.party_id, c.value] for c in vote_event.counts),
            key=lambda c: (c[0], c[1] or 0),
        ),
        "votes": {str(v.representative_id): v.option.value for v in vote_event.votes},
    }
