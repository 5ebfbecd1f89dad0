"""The persons of a Popolo file written as representatives: new ones added with all the file
says, known ones given what the file adds. What the file does not say is left alone (a
missing key never blanks a field; hand-entered contacts, names and seats stay)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.audit.services import record
from crm.db import utcnow
from crm.extensions import db
from crm.interchange import wording
from crm.interchange.popolo.committees import Committees
from crm.interchange.popolo.matching import Identifiers
from crm.interchange.popolo.report import shown
from crm.interchange.popolo.roster_in import PersonIn
from crm.interchange.popolo.run import RosterRun
from crm.interchange.popolo.seats import Seat, sync_committee_seats, sync_seats
from crm.parliament.models import (
    ContactDetail,
    Identifier,
    OtherName,
    Representative,
    sort_name_for,
)
from crm.parliament.services import add_representative, refresh_search_text
from crm.said import Said


@dataclass
class People:
    run: RosterRun
    committees: Committees
    identifiers: Identifiers

    def add(self, person: PersonIn, seats: list[Seat]) -> Representative:
        """A new representative, with the person's names, contacts, identifiers and seats."""
        sort_name = person.sort_name or sort_name_for(
            person.name, person.given_name, person.family_name
        )
        rep = Representative(
            state=self.run.state,
            name=person.name,
            sort_name=sort_name[:200],
            given_name=person.given_name,
            family_name=person.family_name,
            gender=person.gender,
        )
        rep.other_names = [
            OtherName(name=n, lang=lang, note=note) for n, lang, note in person.other_names
        ]
        rep.contact_details = [
            ContactDetail(kind=kind, value=value, label=label)
            for kind, value, label in person.contacts
        ]
        rep.identifiers = [
            Identifier(scheme=scheme, value=value)
            for scheme, value in self.identifiers.new_for(person, None)
        ]
        rep.memberships = [seat.membership(self.run.chamber) for seat in seats]
        rep.committee_memberships = [seat.membership() for seat in self.committees.seats_of(person)]
        # The import checked its permission before reading the file.
        add_representative(
            self.run.actor, rep, summary=f"Imported {rep.name} from a Popolo file", checked=True
        )
        self.run.report.added.append(person.name)
        return rep

    def update(self, rep: Representative, person: PersonIn, seats: list[Seat]) -> None:
        """Give a known representative what the file adds, and its seats as the file has
        them; audited as one change, or counted unchanged."""
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        known_as = rep.name
        what = self._details(rep, person, before, after)
        what += sync_seats(self.run, rep, seats, before, after)
        if self.committees.by_org_id:
            wanted = self.committees.seats_of(person)
            what += sync_committee_seats(self.run, self.committees, rep, wanted, before, after)
        if not what:
            self.run.report.unchanged += 1
            return
        if {"name", "other_names_added"} & after.keys():
            refresh_search_text(rep)
        # Touching the row moves its version on, so a form opened before the import
        # gets a conflict instead of overwriting it.
        rep.updated_at = utcnow()
        db.session.flush()
        record(
            self.run.actor,
            "representative.updated",
            rep,
            before=before or None,
            after={**after, "version": rep.version},
            summary=f"Popolo import: {'; '.join(map(str, what))}"[:300],
        )
        self.run.report.changed.append((known_as, what))

    def _details(
        self, rep: Representative, person: PersonIn, before: dict[str, Any], after: dict[str, Any]
    ) -> list[Said]:
        """The names the file gives, and the other names, contacts and identifiers it adds."""
        what: list[Said] = []
        for name in ("name", "given_name", "family_name", "sort_name", "gender"):
            value = getattr(person, name)
            if value is not None and value != getattr(rep, name):
                before[name], after[name] = getattr(rep, name), value
                setattr(rep, name, value)
                what.append(wording.changed(name, shown(before[name]), value))
        have_names = {(o.name, o.lang, o.note) for o in rep.other_names}
        for other_name, lang, note in person.other_names:
            if (other_name, lang, note) not in have_names:
                rep.other_names.append(OtherName(name=other_name, lang=lang, note=note))
                after.setdefault("other_names_added", []).append(other_name)
                what.append(wording.other_name(other_name, lang))
        # The same value is the same contact, whatever kind it was filed under.
        have_contacts = {c.value.casefold() for c in rep.contact_details}
        for kind, value, label in person.contacts:
            if value.casefold() not in have_contacts:
                rep.contact_details.append(ContactDetail(kind=kind, value=value, label=label))
                after.setdefault("contact_details_added", []).append(f"{kind.value}: {value}")
                what.append(wording.contact_added(kind, value))
        for scheme, value in self.identifiers.new_for(person, rep):
            rep.identifiers.append(Identifier(scheme=scheme, value=value))
            after.setdefault("identifiers_added", []).append(f"{scheme}: {value}")
            what.append(wording.identifier_added(scheme, value))
        return what
