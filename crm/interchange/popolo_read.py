"""Reading Popolo JSON: from bytes to checked records, or one line naming the problem.

Real files are irregular (EveryPolitician's leave out `posts`, some persons have only a
name, dates come as years, months, days or timestamps), so what can be read is read, and
what cannot is refused with a message that says where: `persons[3].name`, or the line and
column of a JSON syntax error. Nothing here touches the database.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from crm.parliament.models import ContactKind
from crm.parliament.services import LANGUAGE_TAG, contact_value_problem
from crm.votes.models import VoteOption

# Line breaks and other control characters, which a message quoting the file must not print.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class PopoloError(Exception):
    """A file that cannot be imported. The message is one line, meant for the user."""

    def __init__(self, message: str) -> None:
        message = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), message)
        super().__init__(message)
        self.message = message


# --- JSON -------------------------------------------------------------------------------------


def load_json(raw: bytes) -> Any:
    """Parse a file's bytes as JSON (UTF-8, with or without a byte order mark)."""
    if not raw.strip():
        raise PopoloError("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PopoloError(
            f"the file is not UTF-8 text (byte {error.start + 1} cannot be read)"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PopoloError(_json_problem(text, error)) from None
    except RecursionError:
        raise PopoloError("the JSON is nested too deeply to read") from None
    except ValueError:
        # Python reads no integer of more than 4300 digits (a guard against slow parsing).
        raise PopoloError("not valid JSON: a number in it is too long to read") from None


def _json_problem(text: str, error: json.JSONDecodeError) -> str:
    where = f"line {error.lineno}, column {error.colno}"
    message = error.msg[0].lower() + error.msg[1:]
    if message.endswith(" starting at"):
        message = message.removesuffix(" starting at")
    string_to_the_end = message.startswith("unterminated string") and '"' not in text[
        error.pos + 1 :
    ].replace('\\"', "")
    if error.pos >= len(text.rstrip()) or string_to_the_end:
        return f"not valid JSON: the file ends too early at {where} (is it truncated?)"
    before = text[: error.pos].rstrip()
    if before.endswith(",") and text[error.pos : error.pos + 1] in "}]":
        return f"not valid JSON: a comma before a closing bracket at {where} ({message})"
    return f"not valid JSON at {where}: {message}"


# --- Checked values ------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", str: "text"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PopoloError(f"{path} must be an object, but it is {_kind(value)}")
    return value


def _list(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PopoloError(f"{path}{key} must be a list, but it is {_kind(value)}")
    return value


def _text(obj: dict[str, Any], key: str, path: str) -> str | None:
    """A text value, stripped; None when missing or blank. Numbers are taken as text (ids)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PopoloError(f"{path}.{key} must be text, but it is {_kind(value)}")
    text = str(value).strip()
    if "\x00" in text:
        raise PopoloError(f"{path}.{key} contains a NUL character")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            # "\ud800" alone is valid JSON, but half of a character: no database stores it.
            code = ord(text[error.start])
            raise PopoloError(
                f'{path}.{key} contains "\\u{code:04x}", half of a character (a lone surrogate)'
            ) from None
    return text or None


_DATE = re.compile(
    r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def parse_date(value: str, path: str, *, end: bool = False) -> date:
    """A Popolo date: YYYY, YYYY-MM, YYYY-MM-DD or a timestamp (its date is taken).

    A partial date means its first day, or for an end date its last day.
    """
    match = _DATE.fullmatch(value)
    problem = f'{path} is "{value[:40]}", which is not a date (use YYYY-MM-DD)'
    if not match:
        raise PopoloError(problem)
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else (12 if end else 1)
    try:
        if match.group(3):
            day = int(match.group(3))
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        parsed = date(year, month, day)
    except ValueError:
        raise PopoloError(problem) from None
    if not 1800 <= parsed.year <= 2200:
        raise PopoloError(f"{path} is {parsed.isoformat()}, which is out of range")
    return parsed


def _date(obj: dict[str, Any], key: str, path: str, *, end: bool = False) -> date | None:
    value = _text(obj, key, path)
    return parse_date(value, f"{path}.{key}", end=end) if value else None


def _limited(value: str | None, limit: int, what: str, warn: Callable[[str], None]) -> str | None:
    if value is not None and len(value) > limit:
        warn(f"{what} is longer than {limit} characters: shortened")
        return value[:limit].rstrip()
    return value


# --- Persons, organizations, memberships -----------------------------------------------------

# Popolo contact types (and EveryPolitician's) → our kinds; anything else is "other".
CONTACT_KINDS = {
    "email": ContactKind.EMAIL,
    "voice": ContactKind.PHONE,
    "phone": ContactKind.PHONE,
    "cell": ContactKind.PHONE,
    "mobile": ContactKind.PHONE,
    "telephone": ContactKind.PHONE,
    "fax": ContactKind.FAX,
    "address": ContactKind.ADDRESS,
    "postal": ContactKind.ADDRESS,
    "url": ContactKind.WEBSITE,
    "website": ContactKind.WEBSITE,
    "homepage": ContactKind.WEBSITE,
    "social": ContactKind.SOCIAL,
    "twitter": ContactKind.SOCIAL,
    "facebook": ContactKind.SOCIAL,
    "instagram": ContactKind.SOCIAL,
    "linkedin": ContactKind.SOCIAL,
    "youtube": ContactKind.SOCIAL,
    "mastodon": ContactKind.SOCIAL,
    "other": ContactKind.OTHER,
}
# Our kinds → the Popolo type written on export (read back by CONTACT_KINDS).
POPOLO_CONTACT_TYPES = {
    ContactKind.EMAIL: "email",
    ContactKind.PHONE: "voice",
    ContactKind.FAX: "fax",
    ContactKind.ADDRESS: "address",
    ContactKind.WEBSITE: "url",
    ContactKind.SOCIAL: "social",
    ContactKind.OTHER: "other",
}


@dataclass
class PersonIn:
    index: int
    id: str | None
    name: str
    given_name: str | None = None
    family_name: str | None = None
    sort_name: str | None = None
    gender: str | None = None
    other_names: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    contacts: list[tuple[ContactKind, str, str | None]] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"persons[{self.index}] ({self.name})"


@dataclass
class OrganizationIn:
    id: str | None
    name: str | None
    classification: str | None
    seats: int | None = None
    abbreviation: str | None = None
    parent_id: str | None = None


@dataclass
class MembershipIn:
    index: int
    person_id: str
    organization_id: str | None
    on_behalf_of_id: str | None
    area_id: str | None
    post_id: str | None
    period_id: str | None
    role: str | None
    start_date: date | None
    end_date: date | None


@dataclass
class PeriodIn:
    id: str
    name: str
    start_date: date | None
    end_date: date | None


@dataclass
class RosterIn:
    """A Popolo document's persons, organizations, memberships and what they refer to."""

    persons: list[PersonIn]
    organizations: list[OrganizationIn]
    memberships: list[MembershipIn]
    periods: dict[str, PeriodIn]
    areas: dict[str, str]
    posts: dict[str, tuple[str | None, str | None]]
    warnings: list[str] = field(default_factory=list)


def read_roster(raw: bytes) -> RosterIn:
    """Read a Popolo document (an EveryPolitician file, or our export) for a roster import."""
    return parse_roster(load_json(raw))


def parse_roster(document: Any) -> RosterIn:
    if not isinstance(document, dict):
        raise PopoloError(
            "expected a Popolo document (a JSON object with a persons list), "
            f"found {_kind(document)}"
        )
    if "persons" not in document:
        if isinstance(document.get("name"), str):
            raise PopoloError(
                "the file has no persons list: it looks like a single Popolo record, "
                'not a roster (put it in a document: {"persons": [...]})'
            )
        raise PopoloError("the file has no persons list: is it a Popolo document?")
    warnings: list[str] = []
    persons_raw = _list(document, "persons", "")
    if not persons_raw:
        raise PopoloError("the persons list is empty: there is nobody to import")
    persons = [_person(item, n, warnings.append) for n, item in enumerate(persons_raw)]
    seen: dict[str, int] = {}
    for person in persons:
        if person.id is None:
            continue
        if person.id in seen:
            raise PopoloError(
                f"persons[{seen[person.id]}] and persons[{person.index}] have the same id "
                f'"{person.id}"'
            )
        seen[person.id] = person.index

    organizations = [
        _organization(_object(item, f"organizations[{n}]"), f"organizations[{n}]")
        for n, item in enumerate(_list(document, "organizations", ""))
    ]
    periods: dict[str, PeriodIn] = {}
    for n, item in enumerate(_list(document, "events", "")):
        path = f"events[{n}]"
        event = _object(item, path)
        classification = (_text(event, "classification", path) or "").lower()
        event_id = _text(event, "id", path)
        if event_id is None or not ("legislative" in classification or classification == "term"):
            continue
        name = _limited(_text(event, "name", path) or event_id, 80, f"{path}.name", warnings.append)
        periods[event_id] = PeriodIn(
            id=event_id,
            name=name or event_id,
            start_date=_date(event, "start_date", path),
            end_date=_date(event, "end_date", path, end=True),
        )
    areas: dict[str, str] = {}
    for n, item in enumerate(_list(document, "areas", "")):
        path = f"areas[{n}]"
        area = _object(item, path)
        area_id, name = _text(area, "id", path), _text(area, "name", path)
        if area_id and name:
            areas[area_id] = name
    posts: dict[str, tuple[str | None, str | None]] = {}
    for n, item in enumerate(_list(document, "posts", "")):
        path = f"posts[{n}]"
        post = _object(item, path)
        post_id = _text(post, "id", path)
        if post_id:
            posts[post_id] = (_text(post, "label", path), _text(post, "area_id", path))
    memberships = []
    for n, item in enumerate(_list(document, "memberships", "")):
        membership = _membership(_object(item, f"memberships[{n}]"), n)
        if membership is None:
            warnings.append(f"memberships[{n}] names no person: skipped")
        else:
            memberships.append(membership)
    return RosterIn(persons, organizations, memberships, periods, areas, posts, warnings)


def _person(item: Any, index: int, warn: Callable[[str], None]) -> PersonIn:
    path = f"persons[{index}]"
    obj = _object(item, path)
    given, family = _text(obj, "given_name", path), _text(obj, "family_name", path)
    name = _text(obj, "name", path) or " ".join(n for n in (given, family) if n) or None
    if name is None:
        raise PopoloError(f"{path} has no name")
    if len(name) > 200:
        raise PopoloError(f"{path}.name is longer than 200 characters")
    person_id = _text(obj, "id", path) or _text(obj, "_id", path)
    if person_id is not None and len(person_id) > 200:
        raise PopoloError(f"{path}.id is longer than 200 characters")
    person = PersonIn(index=index, id=person_id, name=name)
    here = f"{path} ({name})"
    person.given_name = _limited(given, 120, f"{here}: given_name", warn)
    person.family_name = _limited(family, 120, f"{here}: family_name", warn)
    person.sort_name = _limited(_text(obj, "sort_name", path), 200, f"{here}: sort_name", warn)
    person.gender = _limited(_text(obj, "gender", path), 20, f"{here}: gender", warn)

    seen_names: set[tuple[str, str | None, str | None]] = set()
    for n, entry in enumerate(_list(obj, "other_names", f"{path}.")):
        where = f"{path}.other_names[{n}]"
        other = _object(entry, where)
        other_name = _text(other, "name", where)
        if other_name is None:
            continue
        if len(other_name) > 200:
            warn(f"{where} is longer than 200 characters: skipped")
            continue
        lang = _text(other, "lang", where)
        if lang and (len(lang) > 20 or not LANGUAGE_TAG.fullmatch(lang)):
            warn(f'{where}: "{lang[:20]}" is not a language tag: left out')
            lang = None
        note = _limited(_text(other, "note", where), 200, f"{where}.note", warn)
        if (other_name, lang, note) in seen_names:
            continue
        seen_names.add((other_name, lang, note))
        person.other_names.append((other_name, lang, note))

    seen_contacts: set[tuple[ContactKind, str]] = set()
    entries = [
        (f"{path}.contact_details[{n}]", _object(entry, f"{path}.contact_details[{n}]"))
        for n, entry in enumerate(_list(obj, "contact_details", f"{path}."))
    ]
    email = _text(obj, "email", path)
    if email:
        entries.append((f"{path}.email", {"type": "email", "value": email}))
    for where, entry in entries:
        contact = _contact(entry, where, warn)
        if contact is not None and (contact[0], contact[1].casefold()) not in seen_contacts:
            seen_contacts.add((contact[0], contact[1].casefold()))
            person.contacts.append(contact)

    seen_ids: set[tuple[str, str]] = set()
    for n, entry in enumerate(_list(obj, "identifiers", f"{path}.")):
        where = f"{path}.identifiers[{n}]"
        ident = _object(entry, where)
        scheme, value = _text(ident, "scheme", where), _text(ident, "identifier", where)
        if not scheme or not value:
            continue
        if len(scheme) > 60 or len(value) > 200:
            warn(f"{where} is too long to keep: skipped")
            continue
        if (scheme, value) not in seen_ids:
            seen_ids.add((scheme, value))
            person.identifiers.append((scheme, value))
    return person


def _contact(
    entry: dict[str, Any], where: str, warn: Callable[[str], None]
) -> tuple[ContactKind, str, str | None] | None:
    value = _text(entry, "value", where)
    if value is None:
        return None
    popolo_type = (_text(entry, "type", where) or "other").lower()
    kind = CONTACT_KINDS.get(popolo_type, ContactKind.OTHER)
    label = _text(entry, "label", where)
    if (
        label is None
        and kind in (ContactKind.SOCIAL, ContactKind.OTHER)
        and popolo_type
        not in (
            "social",
            "other",
        )
    ):
        # Keep what the file said it was ("twitter", "skype"…).
        label = popolo_type
    if len(value) > 300:
        warn(f"{where} is longer than 300 characters: skipped")
        return None
    label = _limited(label, 120, f"{where}.label", warn)
    if kind is not ContactKind.OTHER and contact_value_problem(kind, value):
        # Pages make e-mail, phone and web values into links: an odd one is kept as text.
        warn(f'{where}: "{value[:40]}" is not a valid {kind.label.lower()}: kept as "other"')
        kind = ContactKind.OTHER
    return kind, value, label


def _organization(obj: dict[str, Any], path: str) -> OrganizationIn:
    seats_value = obj.get("seats")
    seats = None
    if isinstance(seats_value, int) and not isinstance(seats_value, bool) and seats_value > 0:
        seats = seats_value
    elif isinstance(seats_value, str) and seats_value.strip().isdigit():
        seats = int(seats_value) or None
    classification = _text(obj, "classification", path)
    return OrganizationIn(
        id=_text(obj, "id", path),
        name=_text(obj, "name", path),
        classification=classification.lower() if classification else None,
        seats=seats if seats is None or seats < 100_000 else None,
        abbreviation=_text(obj, "abbreviation", path),
        parent_id=_text(obj, "parent_id", path),
    )


def _membership(obj: dict[str, Any], index: int) -> MembershipIn | None:
    path = f"memberships[{index}]"
    person_id = _text(obj, "person_id", path)
    if person_id is None:
        return None
    start, end = _date(obj, "start_date", path), _date(obj, "end_date", path, end=True)
    if start and end and end < start:
        raise PopoloError(f"{path} ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return MembershipIn(
        index=index,
        person_id=person_id,
        organization_id=_text(obj, "organization_id", path),
        on_behalf_of_id=_text(obj, "on_behalf_of_id", path),
        area_id=_text(obj, "area_id", path),
        post_id=_text(obj, "post_id", path),
        period_id=_text(obj, "legislative_period_id", path),
        role=_text(obj, "role", path),
        start_date=start,
        end_date=end,
    )


# --- Vote events ---------------------------------------------------------------------------------

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
        raise PopoloError(f"expected a Popolo vote event (a JSON object), found {_kind(document)}")
    persons: dict[str, PersonIn] = {}
    for n, item in enumerate(_list(document, "persons", "")):
        person = _person(item, n, lambda _message: None)
        if person.id:
            persons[person.id] = person
    if "vote_events" in document:
        raw_events = [
            (f"vote_events[{n}]", _object(item, f"vote_events[{n}]"))
            for n, item in enumerate(_list(document, "vote_events", ""))
        ]
        if not raw_events:
            raise PopoloError("the vote_events list is empty")
    elif any(key in document for key in _EVENT_KEYS):
        raw_events = [("the vote event", document)]
    elif "vote_event" in document or "requirements" in document:
        raise PopoloError("this is a Popolo motion, not a vote event: nothing to import")
    else:
        raise PopoloError("the file holds no vote event (no counts, votes or vote_events)")
    loose_votes = _list(document, "votes", "") if "vote_events" in document else []
    events = []
    for path, obj in raw_events:
        event = _vote_event(obj, path)
        for n, item in enumerate(loose_votes):
            where = f"votes[{n}]"
            vote_obj = _object(item, where)
            target = _text(vote_obj, "vote_event_id", where)
            if target is None and len(raw_events) > 1:
                raise PopoloError(f"{where} has no vote_event_id, and there are several events")
            if target is None or target == event.id:
                event.votes.append(_vote(vote_obj, where, len(event.votes)))
        events.append(event)
    return VotesIn(events, persons)


def _vote_event(obj: dict[str, Any], path: str) -> VoteEventIn:
    motion_value = obj.get("motion")
    if isinstance(motion_value, dict):
        motion = _text(motion_value, "text", f"{path}.motion")
    else:
        motion = _text(obj, "motion", path)
    start_text = _text(obj, "start_date", path) or _text(obj, "date", path)
    start: datetime | date | None = None
    if start_text:
        start = _moment(start_text, f"{path}.start_date")
    event = VoteEventIn(
        id=_text(obj, "id", path) or _text(obj, "identifier", path),
        motion=motion,
        start=start,
        result=(_text(obj, "result", path) or "").lower() or None,
    )
    for n, item in enumerate(_list(obj, "counts", f"{path}.")):
        where = f"{path}.counts[{n}]"
        count = _object(item, where)
        group = count.get("group")
        group_name = (
            _text(_object(group, f"{where}.group"), "name", f"{where}.group")
            if (group is not None)
            else None
        )
        event.counts.append(
            CountIn(
                option=_option(count, where),
                value=_count_value(count.get("value"), f"{where}.value"),
                group_id=_text(count, "group_id", where),
                group_name=group_name,
            )
        )
    for n, item in enumerate(_list(obj, "votes", f"{path}.")):
        event.votes.append(_vote(_object(item, f"{path}.votes[{n}]"), f"{path}.votes[{n}]", n))
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
    value = (_text(obj, "option", where) or "").lower()
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
    voter_id = _text(obj, "voter_id", where)
    if voter is not None:
        voter_obj = _object(voter, f"{where}.voter")
        voter_id = voter_id or _text(voter_obj, "id", f"{where}.voter")
        voter_name = _text(voter_obj, "name", f"{where}.voter")
    if voter_id is None and voter_name is None:
        raise PopoloError(f"{where} names no voter")
    return VoteIn(index=index, voter_id=voter_id, voter_name=voter_name, option=_option(obj, where))
