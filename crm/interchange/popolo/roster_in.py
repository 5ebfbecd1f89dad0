"""A roster as a Popolo file gives it: persons, organizations, memberships, legislative
periods, areas and posts, checked (see `read.py`) but not yet matched with anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm.interchange.popolo.read import (
    PopoloError,
    an_object,
    date_at,
    kind_of,
    limited,
    list_at,
    load_json,
    text_at,
)
from crm.interchange.wording import contact_kind
from crm.parliament.models import ContactKind
from crm.parliament.services import LANGUAGE_TAG, contact_value_problem
from crm.said import Said

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
    warnings: list[Said] = field(default_factory=list)


def read_roster(raw: bytes) -> RosterIn:
    """Read a Popolo document (an EveryPolitician file, or our export) for a roster import."""
    return parse_roster(load_json(raw))


def parse_roster(document: Any) -> RosterIn:
    if not isinstance(document, dict):
        raise PopoloError(
            Said.gettext(
                "expected a Popolo document (a JSON object with a persons list), found %(kind)s",
                kind=kind_of(document),
            )
        )
    if "persons" not in document:
        if isinstance(document.get("name"), str):
            raise PopoloError(
                Said.gettext(
                    "the file has no persons list: it looks like a single Popolo record, "
                    'not a roster (put it in a document: {"persons": [...]})'
                )
            )
        raise PopoloError(Said.gettext("the file has no persons list: is it a Popolo document?"))
    warnings: list[Said] = []
    persons_raw = list_at(document, "persons", "")
    if not persons_raw:
        raise PopoloError(Said.gettext("the persons list is empty: there is nobody to import"))
    persons = [parse_person(item, n, warnings.append) for n, item in enumerate(persons_raw)]
    seen: dict[str, int] = {}
    for person in persons:
        if person.id is None:
            continue
        if person.id in seen:
            raise PopoloError(
                Said.gettext(
                    'persons[%(first)d] and persons[%(second)d] have the same id "%(id)s"',
                    first=seen[person.id],
                    second=person.index,
                    id=person.id,
                )
            )
        seen[person.id] = person.index

    organizations = [
        _organization(an_object(item, f"organizations[{n}]"), f"organizations[{n}]")
        for n, item in enumerate(list_at(document, "organizations", ""))
    ]
    periods: dict[str, PeriodIn] = {}
    for n, item in enumerate(list_at(document, "events", "")):
        path = f"events[{n}]"
        event = an_object(item, path)
        classification = (text_at(event, "classification", path) or "").lower()
        event_id = text_at(event, "id", path)
        if event_id is None or not ("legislative" in classification or classification == "term"):
            continue
        name = limited(
            text_at(event, "name", path) or event_id, 80, f"{path}.name", warnings.append
        )
        periods[event_id] = PeriodIn(
            id=event_id,
            name=name or event_id,
            start_date=date_at(event, "start_date", path),
            end_date=date_at(event, "end_date", path, end=True),
        )
    areas: dict[str, str] = {}
    for n, item in enumerate(list_at(document, "areas", "")):
        path = f"areas[{n}]"
        area = an_object(item, path)
        area_id, name = text_at(area, "id", path), text_at(area, "name", path)
        if area_id and name:
            areas[area_id] = name
    posts: dict[str, tuple[str | None, str | None]] = {}
    for n, item in enumerate(list_at(document, "posts", "")):
        path = f"posts[{n}]"
        post = an_object(item, path)
        post_id = text_at(post, "id", path)
        if post_id:
            posts[post_id] = (text_at(post, "label", path), text_at(post, "area_id", path))
    memberships = []
    for n, item in enumerate(list_at(document, "memberships", "")):
        membership = _membership(an_object(item, f"memberships[{n}]"), n)
        if membership is None:
            warnings.append(
                Said.gettext("memberships[%(index)d] names no person: skipped", index=n)
            )
        else:
            memberships.append(membership)
    return RosterIn(persons, organizations, memberships, periods, areas, posts, warnings)


def parse_person(item: Any, index: int, warn: Callable[[Said], None]) -> PersonIn:
    path = f"persons[{index}]"
    obj = an_object(item, path)
    given, family = text_at(obj, "given_name", path), text_at(obj, "family_name", path)
    name = text_at(obj, "name", path) or " ".join(n for n in (given, family) if n) or None
    if name is None:
        raise PopoloError(Said.gettext("%(path)s has no name", path=path))
    if len(name) > 200:
        raise PopoloError(_too_long(f"{path}.name", 200))
    person_id = text_at(obj, "id", path) or text_at(obj, "_id", path)
    if person_id is not None and len(person_id) > 200:
        raise PopoloError(_too_long(f"{path}.id", 200))
    person = PersonIn(index=index, id=person_id, name=name)
    here = f"{path} ({name})"
    person.given_name = limited(given, 120, f"{here}: given_name", warn)
    person.family_name = limited(family, 120, f"{here}: family_name", warn)
    person.sort_name = limited(text_at(obj, "sort_name", path), 200, f"{here}: sort_name", warn)
    person.gender = limited(text_at(obj, "gender", path), 20, f"{here}: gender", warn)

    seen_names: set[tuple[str, str | None, str | None]] = set()
    for n, entry in enumerate(list_at(obj, "other_names", f"{path}.")):
        where = f"{path}.other_names[{n}]"
        other = an_object(entry, where)
        other_name = text_at(other, "name", where)
        if other_name is None:
            continue
        if len(other_name) > 200:
            warn(_skipped(where, 200))
            continue
        lang = text_at(other, "lang", where)
        if lang and (len(lang) > 20 or not LANGUAGE_TAG.fullmatch(lang)):
            warn(
                Said.gettext(
                    '%(path)s: "%(lang)s" is not a language tag: left out',
                    path=where,
                    lang=lang[:20],
                )
            )
            lang = None
        note = limited(text_at(other, "note", where), 200, f"{where}.note", warn)
        if (other_name, lang, note) in seen_names:
            continue
        seen_names.add((other_name, lang, note))
        person.other_names.append((other_name, lang, note))

    seen_contacts: set[tuple[ContactKind, str]] = set()
    entries = [
        (f"{path}.contact_details[{n}]", an_object(entry, f"{path}.contact_details[{n}]"))
        for n, entry in enumerate(list_at(obj, "contact_details", f"{path}."))
    ]
    email = text_at(obj, "email", path)
    if email:
        entries.append((f"{path}.email", {"type": "email", "value": email}))
    for where, entry in entries:
        contact = _contact(entry, where, warn)
        if contact is not None and (contact[0], contact[1].casefold()) not in seen_contacts:
            seen_contacts.add((contact[0], contact[1].casefold()))
            person.contacts.append(contact)

    seen_ids: set[tuple[str, str]] = set()
    for n, entry in enumerate(list_at(obj, "identifiers", f"{path}.")):
        where = f"{path}.identifiers[{n}]"
        ident = an_object(entry, where)
        scheme, value = text_at(ident, "scheme", where), text_at(ident, "identifier", where)
        if not scheme or not value:
            continue
        if len(scheme) > 60 or len(value) > 200:
            warn(Said.gettext("%(path)s is too long to keep: skipped", path=where))
            continue
        if (scheme, value) not in seen_ids:
            seen_ids.add((scheme, value))
            person.identifiers.append((scheme, value))
    return person


def _contact(
    entry: dict[str, Any], where: str, warn: Callable[[Said], None]
) -> tuple[ContactKind, str, str | None] | None:
    value = text_at(entry, "value", where)
    if value is None:
        return None
    popolo_type = (text_at(entry, "type", where) or "other").lower()
    kind = CONTACT_KINDS.get(popolo_type, ContactKind.OTHER)
    label = text_at(entry, "label", where)
    if (
        label is None
        and kind in (ContactKind.SOCIAL, ContactKind.OTHER)
        and popolo_type not in ("social", "other")
    ):
        # Keep what the file said it was ("twitter", "skype"…).
        label = popolo_type
    if len(value) > 300:
        warn(_skipped(where, 300))
        return None
    label = limited(label, 120, f"{where}.label", warn)
    if kind is not ContactKind.OTHER and contact_value_problem(kind, value):
        # Pages make e-mail, phone and web values into links: an odd one is kept as text.
        warn(
            Said.gettext(
                '%(path)s: "%(value)s" is not a valid %(kind)s: kept as "other"',
                path=where,
                value=value[:40],
                kind=contact_kind(kind),
            )
        )
        kind = ContactKind.OTHER
    return kind, value, label


def _organization(obj: dict[str, Any], path: str) -> OrganizationIn:
    seats_value = obj.get("seats")
    seats = None
    if isinstance(seats_value, int) and not isinstance(seats_value, bool) and seats_value > 0:
        seats = seats_value
    elif isinstance(seats_value, str) and seats_value.strip().isdigit():
        seats = int(seats_value) or None
    classification = text_at(obj, "classification", path)
    return OrganizationIn(
        id=text_at(obj, "id", path),
        name=text_at(obj, "name", path),
        classification=classification.lower() if classification else None,
        seats=seats if seats is None or seats < 100_000 else None,
        abbreviation=text_at(obj, "abbreviation", path),
        parent_id=text_at(obj, "parent_id", path),
    )


def _membership(obj: dict[str, Any], index: int) -> MembershipIn | None:
    path = f"memberships[{index}]"
    person_id = text_at(obj, "person_id", path)
    if person_id is None:
        return None
    start, end = date_at(obj, "start_date", path), date_at(obj, "end_date", path, end=True)
    if start and end and end < start:
        raise PopoloError(
            Said.gettext(
                "%(path)s ends (%(end)s) before it starts (%(start)s)",
                path=path,
                end=end,
                start=start,
            )
        )
    return MembershipIn(
        index=index,
        person_id=person_id,
        organization_id=text_at(obj, "organization_id", path),
        on_behalf_of_id=text_at(obj, "on_behalf_of_id", path),
        area_id=text_at(obj, "area_id", path),
        post_id=text_at(obj, "post_id", path),
        period_id=text_at(obj, "legislative_period_id", path),
        role=text_at(obj, "role", path),
        start_date=start,
        end_date=end,
    )


def _too_long(path: str, limit: int) -> Said:
    return Said.ngettext(
        "%(path)s is longer than %(num)d character",
        "%(path)s is longer than %(num)d characters",
        limit,
        path=path,
    )


def _skipped(path: str, limit: int) -> Said:
    return Said.ngettext(
        "%(path)s is longer than %(num)d character: skipped",
        "%(path)s is longer than %(num)d characters: skipped",
        limit,
        path=path,
    )
