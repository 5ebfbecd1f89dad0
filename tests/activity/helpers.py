"""What the activity tests add to tests/world.py: one thing of every kind that happened,
and a restricted contact whose every trace is marked, to look for it in pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from crm.audit.models import AuditEntry
from crm.auth.models import Role, User
from crm.events.models import Event, EventStatus
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction
from crm.parliament.models import Representative, Stance, StanceSource
from crm.states.models import StageResult, StageStatus
from tests.factories import (
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    StanceRecordFactory,
    UserFactory,
    seated_representative,
)
from tests.world import World

# Every trace of the secret contact carries this: its person, who took part, its words.
SECRET = "Zyxwvut"


@dataclass
class Secret:
    """A restricted contact in the home state with someone met only there, a participant of
    their own, a stance seen in it and an overdue follow-up agreed in it."""

    person: Representative
    participant: User
    contact: Interaction
    follow_up: FollowUp


def add_happenings(world: World) -> Event:
    """A past event, a held stage and an import in the home state (the world has contacts and
    stances already); returns the event."""
    home = world.home
    event = EventFactory(
        state=home.state,
        title="Home candle vigil",
        status=EventStatus.HELD,
        starts_at=datetime.now(UTC) - timedelta(days=2),
    )
    stage = home.stages[0]
    stage.status = StageStatus.HELD
    stage.held_on = date.today() - timedelta(days=1)
    stage.result = StageResult.PASS
    db.session.add(
        AuditEntry(
            actor_id=world.member.id,
            actor_email=world.member.email,
            action="csv.imported",
            target_type="states",
            target_id=str(home.state.id),
            state_id=home.state.id,
            summary="CSV of representatives roster.csv",
            after={"file": "home-roster.csv", "added": 4, "changed": 1, "unchanged": 7},
        )
    )
    db.session.commit()
    return event


def add_secret(world: World) -> Secret:
    home = world.home
    person = seated_representative(home.chamber, home.parties[0], name=f"{SECRET} Person")
    participant = UserFactory(
        name=f"{SECRET} Participant", role=Role.SECTION, sections=[home.state.sections[0]]
    )
    contact = InteractionFactory(
        state=home.state,
        representatives=[person],
        confidentiality=Confidentiality.RESTRICTED,
        summary=f"{SECRET} summary",
        outcome=f"{SECRET} outcome",
        occurred_at=datetime.now(UTC) - timedelta(hours=5),
    )
    contact.participants.append(participant)
    StanceRecordFactory(
        representative=person,
        interaction=contact,
        stance=Stance.LEANING_AGAINST,
        source=StanceSource.PRIVATE_MEETING,
        note=f"{SECRET} note",
    )
    follow_up = FollowUpFactory(
        state=home.state,
        representative=person,
        interaction=contact,
        assignee=participant,
        title=f"{SECRET} follow-up",
        due_on=date.today() - timedelta(days=3),
    )
    db.session.commit()
    return Secret(person, participant, contact, follow_up)
