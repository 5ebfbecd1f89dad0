"""The parties a Popolo file's seats are held for: found in the state, or made."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.extensions import db
from crm.interchange.popolo.ids import OWN_ID, own_row, storable
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.report import RosterReport
from crm.interchange.popolo.roster_in import OrganizationIn
from crm.parliament.models import Party
from crm.said import Said

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

# Party names EveryPolitician uses for "no party": a seat without a party. ("Independent"
# stays a party of that name: some parliaments seat independents as a group.)
NO_PARTY_NAMES = frozenset({"none", "no party", "n/a", "unknown", "-"})


class Parties:
    """The state's party for each organization id of the file, looked up once."""

    def __init__(
        self,
        organizations: list[OrganizationIn],
        state: State,
        actor: User | None,
        report: RosterReport,
    ) -> None:
        self.organizations = {o.id: o for o in organizations if o.id}
        self.state = state
        self.actor = actor
        self.report = report
        self.found: dict[str, Party | None] = {}

    def get(self, org_id: str | None) -> Party | None:
        """The party of a membership's `on_behalf_of_id`: by Popolo id, our own id or name;
        made when the state has none of that name; None for "no party"."""
        if org_id is None:
            return None
        if org_id in self.found:
            return self.found[org_id]
        org = self.organizations.get(org_id)
        name = (org.name if org else None) or org_id.rsplit("/", 1)[-1] or org_id
        parties = db.session.scalars(sa.select(Party).where(Party.state_id == self.state.id)).all()
        own = own_row(org_id, self.state, "party")
        party = (
            next((p for p in parties if p.popolo_id == org_id), None)
            or next((p for p in parties if own is not None and p.id == own), None)
            or next((p for p in parties if p.name.casefold() == name.casefold()), None)
        )
        if party is None and (name.casefold() in NO_PARTY_NAMES or org_id.endswith("/none")):
            self.found[org_id] = None
            return None
        if party is None:
            party = self._add(org_id, name, org)
        elif party.popolo_id is None and storable(org_id) and not OWN_ID.fullmatch(org_id):
            party.popolo_id = org_id
            db.session.flush()
            record(
                self.actor,
                "party.updated",
                party,
                before={"popolo_id": None},
                after={"popolo_id": org_id, "version": party.version},
            )
            self.report.other_changes.append(
                Said.gettext(
                    "party %(party)s: Popolo id set to %(id)s", party=party.name, id=org_id
                )
            )
        self.found[org_id] = party
        return party

    def _add(self, org_id: str, name: str, org: OrganizationIn | None) -> Party:
        if self.actor is not None:
            require(self.actor, Action.CREATE, Party, state=self.state)
        if len(name) > 200:
            raise PopoloError(
                Said.gettext('the party "%(name)s…" has a name over 200 characters', name=name[:40])
            )
        abbreviation = org.abbreviation if org else None
        party = Party(
            state=self.state,
            name=name,
            abbreviation=abbreviation if abbreviation and len(abbreviation) <= 20 else None,
            # Even another database's own id is kept, so the next export says the same.
            popolo_id=storable(org_id),
        )
        db.session.add(party)
        db.session.flush()
        record(self.actor, "party.created", party, after=snapshot(party))
        self.report.parties_added.append(name)
        return party
