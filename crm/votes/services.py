"""Recording a vote held at a stage: counts, the roll call, and the stances it shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from crm import records
from crm.audit.services import record
from crm.auth.permissions import Action, require, state_id_of
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.parliament.models import Confidence, Representative, Stance, StanceRecord, StanceSource
from crm.parliament.services import record_stance, refresh_current_stances
from crm.risk.changes import inputs_changed
from crm.states.models import Stage, StageResult, StageStatus
from crm.votes import queries
from crm.votes.models import Count, Vote, VoteEvent, VoteOption

if TYPE_CHECKING:
    from crm.auth.models import User

# What an individual vote says about a member's stance; other options say nothing.
STANCE_OF_VOTE = {
    VoteOption.YES: Stance.FOR_RATIFICATION,
    VoteOption.NO: Stance.AGAINST_RATIFICATION,
}


def place(stage: Stage) -> str:
    """Where a stage's vote is held: its committee, else its chamber."""
    if stage.committee is not None:
        return stage.committee.name
    if stage.chamber is not None:
        return stage.chamber.name
    return "parliament"


@dataclass(frozen=True)
class VoteToWrite:
    """A vote held at a stage, every rule checked, as the roll-call page, the API and the
    Popolo import record it."""

    held_on: date
    result: StageResult
    final: Mapping[VoteOption, int]
    roll_call: Mapping[Representative, VoteOption]
    motion: str | None = None
    source: str | None = None
    # Totals by option and party, where a file gives them.
    groups: Mapping[tuple[VoteOption, int], int] = field(default_factory=dict)
    popolo_id: str | None = None
    # Where the vote came from, in the audit entry and the stance notes ("" for a page).
    via: str = ""


def vote_summary(vote_event: VoteEvent) -> dict[str, Any]:
    """A vote event for the audit log, however it was recorded (a page, the API, a Popolo
    file): totals by option, totals by party and option where the file gave them, and each
    representative's vote (crm/audit/actions.py, "vote.recorded")."""
    party_counts: dict[str, dict[str, int]] = {}
    for count in vote_event.counts:
        if count.party_id is not None:
            party_counts.setdefault(str(count.party_id), {})[count.option.value] = count.value
    return {
        "held_on": vote_event.held_on.isoformat() if vote_event.held_on else None,
        "result": vote_event.result,
        "motion": vote_event.motion,
        "source": vote_event.source,
        "counts": {c.option.value: c.value for c in vote_event.counts if c.party_id is None},
        "party_counts": party_counts,
        "votes": {str(v.representative_id): v.option.value for v in vote_event.votes},
    }


def final_counts(
    counts: Mapping[VoteOption, int | None], roll_call: Mapping[Any, VoteOption]
) -> dict[VoteOption, int]:
    """The counts to store: those entered, or — when none were — the roll call's tally.

    A roll call may be partial (only the members whose vote is known), so it agrees with
    the counts when no option has more individual votes than its count; an option left
    without a count is not known, and disagrees with nothing.
    """
    for option, value in counts.items():
        if value is not None and value < 0:
            raise ValidationFailed(_("A count cannot be negative."), field=f"count_{option.value}")
    tally = Counter(roll_call.values())
    given = {option: value for option, value in counts.items() if value is not None}
    if not given:
        return {option: tally[option] for option in VoteOption} if roll_call else {}
    for option, value in given.items():
        if tally[option] > value:
            # The English says "votes" whatever the number, as the count's own label does.
            raise ValidationFailed(
                ngettext(
                    "The roll call lists %(num)d “%(option)s” votes but the count says "
                    "%(count)d. Correct the count or the roll call: they must agree.",
                    "The roll call lists %(num)d “%(option)s” votes but the count says "
                    "%(count)d. Correct the count or the roll call: they must agree.",
                    tally[option],
                    option=option.label.lower(),
                    count=value,
                ),
                field=f"count_{option.value}",
            )
    return given


def _check_members(stage: Stage, roll_call: Mapping[Representative, VoteOption]) -> None:
    if not roll_call:
        return
    allowed = queries.member_ids(stage)
    state_id = stage.agreement.state_id
    for rep in roll_call:
        if rep.state_id != state_id or rep.id not in allowed:
            raise ValidationFailed(_never_sat(rep, stage))


def _never_sat(rep: Representative, stage: Stage) -> str:
    if stage.committee is None and stage.chamber is None:
        return str(
            _(
                "%(name)s has never sat in the parliament: their vote cannot be recorded at this "
                "stage.",
                name=rep.name,
            )
        )
    return str(
        _(
            "%(name)s has never sat in the %(place)s: their vote cannot be recorded at this stage.",
            name=rep.name,
            place=place(stage),
        )
    )


def _mark_held(actor: User | None, stage: Stage, held_on: date, result: StageResult) -> None:
    """Set the stage held with its result, through records.update.

    Recording a vote is vote data, which a section may write for its own state; the stage's
    status and result follow from the vote, so they are written under that permission
    (checked by the caller) instead of the coordinators' stage permission.
    """
    changed = records.update(
        actor,
        stage,
        {"status": StageStatus.HELD, "held_on": held_on, "result": result},
        action="stage.held",
        permission=None,
    )
    if changed:
        inputs_changed(state_id_of(stage))


def archive_vote_stances(
    actor: User | None,
    votes: list[Vote],
    *,
    reason: str = "The roll call it came from was corrected.",
) -> set[int]:
    """Archive the stance records made from votes being replaced; returns their people.

    Used by the roll-call page and by the Popolo vote import.
    """
    ids = [v.id for v in votes if v.id is not None]
    if not ids:
        return set()
    stale = db.session.scalars(
        sa.select(StanceRecord).where(
            StanceRecord.vote_id.in_(ids), StanceRecord.archived_at.is_(None)
        )
    ).all()
    now = utcnow()
    for entry in stale:
        # Under the vote permission, like the stage (see _mark_held): the correction of a
        # roll call takes back what the old one said.
        entry.archived_at = now
        record(
            actor,
            "stance.archived",
            entry,
            before={"archived_at": None},
            after={"archived_at": now.isoformat()},
            summary=reason,
        )
    return {entry.representative_id for entry in stale}


def _vote_stance(
    actor: User | None, stage: Stage, rep: Representative, vote: Vote, written: VoteToWrite
) -> StanceRecord:
    """The stance record an individual yes or no vote makes, recorded by the actor (none:
    the command line)."""
    option = vote.option
    # Kept as written, in English, whoever records the vote.
    note = f"Voted {option.english.lower()} in the {place(stage)} ({stage.kind.english.lower()})"
    note += f"; {written.via}." if written.via else "."
    return record_stance(
        # The vote's permission covers the stances it shows (the caller checked it).
        actor,
        rep,
        stance=STANCE_OF_VOTE[option],
        source=StanceSource.VOTE,
        observed_on=written.held_on,
        confidence=Confidence.HIGH,
        note=note,
        vote=vote,
        checked=True,
    )


def record_vote(
    actor: User,
    stage: Stage,
    *,
    held_on: date,
    result: StageResult,
    counts: Mapping[VoteOption, int | None],
    roll_call: Mapping[Representative, VoteOption],
    motion: str | None = None,
    source: str | None = None,
    expected_version: int | None = None,
) -> VoteEvent:
    """Record (or correct) the vote held at a stage, in one go.

    Sets the stage `held` with its result; creates or replaces its vote event, counts and
    individual votes (each with the member's party on the day); and makes every yes or no
    vote a stance record with source `vote`. `roll_call` holds only what was entered —
    nothing is ever filled in from predictions or stances. Counts left empty (None) are
    taken from the roll call when no count at all was entered.
    """
    state = stage.agreement.state
    require(actor, Action.CREATE, VoteEvent, state=state)
    if not stage.kind.is_vote:
        raise ValidationFailed(
            _(
                "A %(kind)s stage is not a vote; only committee and plenary votes have a result "
                "to record.",
                kind=stage.kind.label.lower(),
            )
        )
    if stage.status is StageStatus.CANCELLED:
        raise ValidationFailed(
            _("This stage was cancelled. Schedule it again before recording its vote.")
        )
    records.check_version(stage, expected_version)
    if held_on > today():
        raise ValidationFailed(_("A vote cannot be recorded before it is held."), field="held_on")
    final = final_counts(counts, roll_call)
    chamber = stage.chamber
    total = sum(final.values())
    if chamber is not None and total > chamber.seats:
        raise ValidationFailed(
            ngettext(
                "The counts add up to %(total)d, more than the %(num)d seat of the %(chamber)s. "
                "Check the numbers.",
                "The counts add up to %(total)d, more than the %(num)d seats of the %(chamber)s. "
                "Check the numbers.",
                chamber.seats,
                total=total,
                chamber=chamber.name,
            )
        )
    _check_members(stage, roll_call)
    opened_on = stage.version
    written = VoteToWrite(
        held_on,
        result,
        final,
        roll_call,
        motion=(motion or "").strip() or None,
        source=(source or "").strip() or None,
    )
    try:
        return write_vote(actor, stage, written)[0]
    except StaleDataError:
        # Someone saved the stage or its vote between our read and our write (PostgreSQL).
        db.session.rollback()
        current = db.session.get(Stage, stage.id)
        if current is None:
            raise  # the rollback took the stage away: it was created in this transaction
        raise records.conflict(current, opened_on) from None


def write_vote(actor: User | None, stage: Stage, written: VoteToWrite) -> tuple[VoteEvent, int]:
    """Write a checked vote at the stage, whoever records it (the caller checked that the
    actor may; none: the command line): the stage held with its result, the vote event,
    its counts and individual votes (each with the member's party on the day), and a stance
    record for every yes or no vote that is new or changed. Returns the vote event and how
    many stance records it made."""
    # The stage is written first: its versioned UPDATE makes a concurrent recording of the
    # same vote wait, then fail as a conflict, instead of creating a second vote event.
    _mark_held(actor, stage, written.held_on, written.result)
    vote_event = stage.vote_event
    before = None
    old_held_on = None
    if vote_event is None:
        vote_event = VoteEvent(stage=stage)
        db.session.add(vote_event)
    else:
        if actor is not None:
            require(actor, Action.EDIT, vote_event)
        before = vote_summary(vote_event)
        old_held_on = vote_event.held_on
    vote_event.chamber = stage.chamber
    vote_event.held_on = written.held_on
    vote_event.result = written.result.value
    vote_event.motion = written.motion
    vote_event.source = written.source
    vote_event.popolo_id = written.popolo_id or vote_event.popolo_id

    # Counts are replaced whole; the old rows go first so the unique key stays free.
    vote_event.counts.clear()
    db.session.flush()
    for option in VoteOption:
        if option in written.final:
            vote_event.counts.append(Count(option=option, value=written.final[option]))
    for (option, party_id), value in written.groups.items():
        vote_event.counts.append(Count(option=option, value=value, party_id=party_id))

    made, touched = _write_roll_call(actor, stage, vote_event, written, old_held_on)
    for rep, vote in made:
        _vote_stance(actor, stage, rep, vote, written)
        touched.discard(rep.id)
    refresh_current_stances(touched)
    db.session.flush()
    record(
        actor,
        "vote.recorded",
        vote_event,
        before=before,
        after={**vote_summary(vote_event), "version": vote_event.version},
        summary=written.via[:1].upper() + written.via[1:] or None,
    )
    return vote_event, len(made)


def _write_roll_call(
    actor: User | None,
    stage: Stage,
    vote_event: VoteEvent,
    written: VoteToWrite,
    old_held_on: date | None,
) -> tuple[list[tuple[Representative, Vote]], set[int]]:
    """The roll call written over the one recorded: the votes that need a stance record,
    and the representatives whose stances from replaced votes were archived."""
    wanted = {rep.id: (rep, option) for rep, option in written.roll_call.items()}
    party_of = queries.parties_on(stage, wanted, written.held_on)
    existing = {v.representative_id: v for v in vote_event.votes}
    # A vote that changed (or moved to another day) takes back the stance it made.
    replaced = [
        vote
        for rep_id, vote in existing.items()
        if rep_id not in wanted
        or wanted[rep_id][1] is not vote.option
        or old_held_on != written.held_on
    ]
    touched = archive_vote_stances(
        actor,
        replaced,
        reason=f"The {'imported ' if written.via else ''}roll call it came from was corrected.",
    )
    for old in replaced:
        if old.representative_id not in wanted:
            vote_event.votes.remove(old)
    made: list[tuple[Representative, Vote]] = []
    for rep_id, (rep, option) in wanted.items():
        vote = existing.get(rep_id)
        if vote is None:
            vote = Vote(representative=rep, option=option, party_id=party_of.get(rep_id))
            vote_event.votes.append(vote)
        elif vote in replaced or vote.party_id != party_of.get(rep_id):
            vote.option = option
            vote.party_id = party_of.get(rep_id)
        if option in STANCE_OF_VOTE and (vote.id is None or vote in replaced):
            made.append((rep, vote))
    db.session.flush()
    return made, touched
