"""Vote events as a Popolo file gives them: one VoteEvent, or a document with a
`vote_events` list (and loose `votes`), with the persons it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from crm.interchange.popolo.read import (
    PopoloError,
    an_object,
    kind_of,
    list_at,
    load_json,
    parse_date,
    text_at,
)
from crm.interchange.popolo.roster_in import PersonIn, parse_person
from crm.votes.models import VoteOption

VOTE_OPTIONS = {
    "yes": VoteOption.YES,
    "aye": VoteOption.YES,
    "yea": VoteOption.YES,
    "for": VoteOption.YES,
    "no": VoteOption.NO,
    "nay": VoteOption.NO,
    "against": VoteOption.NO,
    "abstain": VoteOption.ABSTAIN,
    "abstention": VoteOption.ABSTAIN,
    "absent": VoteOption.ABSENT,
    "excused": VoteOption.ABSENT,
    "not voting": VoteOption.NOT_VOTING,
    "not_voting": VoteOption.NOT_VOTING,
    "present": VoteOption.NOT_VOTING,
    "paired": VoteOption.PAIRED,
}


@dataclass
class CountIn:
    option: VoteOption
    value: int
    group_id: str | None = None
    group_name: str | None = None


@dataclass
class VoteIn:
    index: int
    voter_id: str | None
    voter_name: str | None
    option: VoteOption


@dataclass
class VoteEventIn:
    id: str | None
    motion: str | None
    start: datetime | date | None
    result: str | None
    counts: list[CountIn] = field(default_factory=list)
    votes: list[VoteIn] = field(default_factory=list)


@dataclass
class VotesIn:
    """The vote events of a file, and what its persons list says about each voter."""

    events: list[VoteEventIn]
    persons: dict[str, PersonIn]


_EVENT_KEYS = ("counts", "votes", "motion", "start_date", "result", "identifier")


def read_vote_events(raw: bytes) -> VotesIn:
    """Read one Popolo VoteEvent, or a document with a `vote_events` list (and `votes`)."""
    return parse_vote_events(load_json(raw))


def parse_vote_events(document: Any) -> VotesIn:
    if not isinstance(document, dict):
        raise PopoloError(
            f"expected a Popolo vote event (a JSON object), found {kind_of(document)}"
        )
    persons: dict[str, PersonIn] = {}
    for n, item in enumerate(list_at(document, "persons", "")):
        person = parse_person(item, n, lambda _message: None)
        if person.id:
            persons[person.id] = person
    if "vote_events" in document:
        raw_events = [
            (f"vote_events[{n}]", an_object(item, f"vote_events[{n}]"))
            for n, item in enumerate(list_at(document, "vote_events", ""))
        ]
        if not raw_events:
            raise PopoloError("the vote_events list is empty")
    elif any(key in document for key in _EVENT_KEYS):
        raw_events = [("the vote event", document)]
    elif "vote_event" in document or "requirements" in document:
        raise PopoloError("this is a Popolo motion, not a vote event: nothing to import")
    else:
        raise PopoloError("the file holds no vote event (no counts, votes or vote_events)")
    loose_votes = list_at(document, "votes", "") if "vote_events" in document else []
    events = []
    for path, obj in raw_events:
        event = _vote_event(obj, path)
        for n, item in enumerate(loose_votes):
            where = f"votes[{n}]"
            vote_obj = an_object(item, where)
            target = text_at(vote_obj, "vote_event_id", where)
            if target is None and len(raw_events) > 1:
                raise PopoloError(f"{where} has no vote_event_id, and there are several events")
            if target is None or target == event.id:
                event.votes.append(_vote(vote_obj, where, len(event.votes)))
        events.append(event)
    return VotesIn(events, persons)


def _vote_event(obj: dict[str, Any], path: str) -> VoteEventIn:
    motion_value = obj.get("motion")
    if isinstance(motion_value, dict):
        motion = text_at(motion_value, "text", f"{path}.motion")
    else:
        motion = text_at(obj, "motion", path)
    start_text = text_at(obj, "start_date", path) or text_at(obj, "date", path)
    start: datetime | date | None = None
    if start_text:
        start = _moment(start_text, f"{path}.start_date")
    event = VoteEventIn(
        id=text_at(obj, "id", path) or text_at(obj, "identifier", path),
        motion=motion,
        start=start,
        result=(text_at(obj, "result", path) or "").lower() or None,
    )
    for n, item in enumerate(list_at(obj, "counts", f"{path}.")):
        where = f"{path}.counts[{n}]"
        count = an_object(item, where)
        group = count.get("group")
        group_name = (
            text_at(an_object(group, f"{where}.group"), "name", f"{where}.group")
            if (group is not None)
            else None
        )
        event.counts.append(
            CountIn(
                option=_option(count, where),
                value=_count_value(count.get("value"), f"{where}.value"),
                group_id=text_at(count, "group_id", where),
                group_name=group_name,
            )
        )
    for n, item in enumerate(list_at(obj, "votes", f"{path}.")):
        event.votes.append(_vote(an_object(item, f"{path}.votes[{n}]"), f"{path}.votes[{n}]", n))
    return event


def _moment(value: str, path: str) -> datetime | date:
    """A timestamp with a zone is kept as one (its day depends on the state's zone)."""
    if re.search(r"[T ]\d", value) and re.search(r"(Z|[+-]\d{2}:?\d{2})$", value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return parse_date(value, path)
        return moment.astimezone(UTC)
    return parse_date(value, path)


def _option(obj: dict[str, Any], where: str) -> VoteOption:
    value = (text_at(obj, "option", where) or "").lower()
    if value not in VOTE_OPTIONS:
        raise PopoloError(f'{where}.option is "{value[:30]}", which is not a vote option')
    return VOTE_OPTIONS[value]


def _count_value(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
        raise PopoloError(f"{where} must be a whole number of votes")
    return value


def _vote(obj: dict[str, Any], where: str, index: int) -> VoteIn:
    voter = obj.get("voter")
    voter_name = None
    voter_id = text_at(obj, "voter_id", where)
    if voter is not None:
        voter_obj = an_object(voter, f"{where}.voter")
        voter_id = voter_id or text_at(voter_obj, "id", f"{where}.voter")
        voter_name = text_at(voter_obj, "name", f"{where}.voter")
    if voter_id is None and voter_name is None:
        raise PopoloError(f"{where} names no voter")
    return VoteIn(index=index, voter_id=voter_id, voter_name=voter_name, option=_option(obj, where))
