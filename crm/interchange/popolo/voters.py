"""Who voted: the representative behind each voter of a Popolo vote event, and the party
behind each group result."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.interchange.popolo.ids import OWN_ID, POPOLO_SCHEME
from crm.interchange.popolo.votes_in import VotesIn
from crm.parliament.models import Party, Representative
from crm.states.models import Stage
from crm.text import fold
from crm.votes import queries as vote_queries


class Voters:
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


def parties_of(stage: Stage) -> list[Party]:
    """The parties of the stage's state."""
    return list(
        db.session.scalars(sa.select(Party).where(Party.state_id == stage.agreement.state_id))
    )


def group_party(parties: list[Party], group_id: str | None, name: str | None) -> Party | None:
    """The party a group result is for: by Popolo id, our own id, name or abbreviation."""
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
