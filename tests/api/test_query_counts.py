"""The number of SQL statements an API read makes does not grow with the data.

Each endpoint is read with a section member's token on two databases, built once for the
module: `build_world()` completed so that every kind of related row the endpoint loads
exists at least once, and the same world after `grow()` has added many more rows of every
kind, spread over more states, people, chambers and parties. Both reads must make the same
number of statements, and the second must really show more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.events.models import Event, EventKind, Invitation
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUpStatus
from crm.parliament.models import (
    CommitteeMembership,
    CommitteeRole,
    ContactDetail,
    ContactKind,
    Identifier,
    OtherName,
    Representative,
    Stance,
    StanceSource,
)
from crm.states.models import AgreementStatus, StageKind, StageResult, StageStatus, State
from crm.votes.models import Count, VoteEvent, VoteOption
from crm.votes.models import Vote as CastVote
from tests.conftest import counting_queries, read_only_worlds
from tests.factories import (
    AgreementFactory,
    ChamberFactory,
    CommitteeFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    MembershipFactory,
    PartyFactory,
    SectionFactory,
    StageFactory,
    StanceRecordFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)
from tests.world import World, build_world

PER_PAGE = 100  # the API's largest page: the grown lists still fit on it


def _vote_event(stage, parties, reps) -> VoteEvent:
    """A held vote at the stage, with counts overall and per party and each member's vote."""
    stage.status = StageStatus.HELD
    stage.held_on = date.today() - timedelta(days=5)
    stage.result = StageResult.FAIL
    vote_event = VoteEvent(
        stage=stage, chamber=stage.chamber, held_on=stage.held_on, result="fail", motion="Ratify"
    )
    vote_event.counts.append(Count(option=VoteOption.NO, value=len(reps)))
    for party in parties:
        vote_event.counts.append(Count(option=VoteOption.NO, value=1, party=party))
    for rep in reps:
        vote_event.votes.append(CastVote(representative=rep, option=VoteOption.NO))
    db.session.add(vote_event)
    db.session.commit()
    return vote_event


def complete(world: World) -> None:
    """Give the small world one of each related row it lacks, so both sizes load them all."""
    home = world.home
    section = world.member.sections[0]
    home.event.section = section
    # A stance record with its author (the stance list loads who recorded each).
    record = StanceRecordFactory(
        representative=home.reps[1],
        stance=Stance.UNDECIDED,
        source=StanceSource.PRIVATE_MEETING,
        interaction=home.interaction,
        observed_on=date.today() - timedelta(days=1),
    )
    record.recorded_by = world.member
    # A held committee vote with counts (overall and for a party) and individual votes.
    _vote_event(home.stages[0], home.parties[:1], home.reps[:2])
    # The single contact read lists people and follow-ups; give them an author too.
    home.interaction.created_by = world.member
    db.session.commit()


def _other_side(campaign, n: int, staff) -> None:
    """A new state of the campaign with its parliament, people, contacts and events."""
    state = StateFactory(name=f"Grown {n}", timezone=["Asia/Kathmandu", "UTC", "Asia/Tokyo"][n % 3])
    agreement = AgreementFactory(
        campaign=campaign, state=state, status=AgreementStatus.BEFORE_PARLIAMENT
    )
    member = section_member(state, email=f"grown{n}@example.org")
    chambers = [ChamberFactory(state=state, seats=10, position=p) for p in range(2)]
    committees = [CommitteeFactory(chamber=c) for c in chambers]
    parties = [PartyFactory(state=state) for _ in range(3)]
    reps = []
    for r in range(6):
        rep = seated_representative(chambers[r % 2], parties[r % 3])
        rep.committee_memberships.append(CommitteeMembership(committee=committees[r % 2]))
        reps.append(rep)
        StanceRecordFactory(representative=rep, stance=list(Stance)[r % 6])
    stages = [
        StageFactory(
            agreement=agreement,
            kind=StageKind.COMMITTEE_VOTE,
            chamber=chambers[0],
            committee=committees[0],
            position=0,
            scheduled_on=date.today() - timedelta(days=5),
        ),
        StageFactory(
            agreement=agreement,
            kind=StageKind.PLENARY_VOTE,
            chamber=chambers[1],
            position=1,
            scheduled_on=date.today() + timedelta(days=15 + n),
        ),
    ]
    _vote_event(stages[0], parties, reps[:4])
    now = datetime.now(UTC)
    for i in range(4):
        restricted = i % 2 == 1
        interaction = InteractionFactory(
            state=state,
            representatives=reps[i : i + 3],
            confidentiality=Confidentiality.RESTRICTED if restricted else Confidentiality.NORMAL,
            occurred_at=now - timedelta(days=i + 1, hours=n),
            created_by=member,
        )
        interaction.participants.extend([member, staff])
        StanceRecordFactory(
            representative=reps[i],
            interaction=interaction,
            stance=Stance.LEANING_AGAINST,
            source=StanceSource.PRIVATE_MEETING,
        )
        FollowUpFactory(
            state=state,
            representative=reps[i],
            interaction=interaction,
            assignee=member if i % 2 else staff,
            title=f"Grown {n} follow-up {i}",
            due_on=date.today() + timedelta(days=i - 2),
        )
    FollowUpFactory(state=state, representative=reps[5], assignee=member)
    FollowUpFactory(state=state, status=FollowUpStatus.OPEN)
    section = member.sections[0]
    for i in range(3):
        event = EventFactory(
            state=state,
            section=section,
            stage=stages[i % 2],
            kind=list(EventKind)[i % len(EventKind)],
            starts_at=now + timedelta(days=3 * i - 2, hours=n),
            created_by=member,
        )
        db.session.add(Invitation(event=event, representative=reps[i]))
    db.session.commit()


def grow(world: World) -> None:
    """Many more rows of every kind the API lists, in the home state and in new states."""
    home = world.home
    campaign = world.campaign
    staff = world.staff
    for n in range(3):
        _other_side(campaign, n, staff)

    # More people and seats at home, in new chambers and parties too.
    chambers = [ChamberFactory(state=home.state, seats=8, position=p + 1) for p in range(2)]
    committees = [CommitteeFactory(chamber=c) for c in chambers]
    parties = [PartyFactory(state=home.state) for _ in range(3)]
    newcomers = [seated_representative(chambers[r % 2], parties[r % 3]) for r in range(6)]
    for n, rep in enumerate(newcomers):
        StanceRecordFactory(representative=rep, stance=list(Stance)[(n + 2) % 6])

    # The representative read alone: more seats (past ones), committees, names, contacts, ids.
    rep = home.reps[0]
    for n, (chamber, party) in enumerate(zip(chambers, parties, strict=False)):
        MembershipFactory(
            representative=rep,
            chamber=chamber,
            party=party,
            start_date=date(2010 + n, 1, 1),
            end_date=date(2011 + n, 1, 1),
            legislative_period=f"Term {n}",
        )
    for n, committee in enumerate([*committees, home.committee]):
        rep.committee_memberships.append(
            CommitteeMembership(committee=committee, role=list(CommitteeRole)[n % 3])
        )
    for n in range(4):
        rep.other_names.append(OtherName(name=f"Name {n}", lang=["ru", "ar", "hi", "el"][n]))
        rep.contact_details.append(
            ContactDetail(kind=list(ContactKind)[n % len(ContactKind)], value=f"c{n}@x.example")
        )
        rep.identifiers.append(Identifier(scheme=f"scheme{n}", value=f"Q{rep.id}{n}"))

    # The stance history of one person: records from many contacts, by many people.
    target = home.reps[1]
    authors = [UserFactory() for _ in range(4)]
    now = datetime.now(UTC)
    for n in range(10):
        contact = InteractionFactory(
            state=home.state,
            representatives=[target, newcomers[n % 6]],
            confidentiality=Confidentiality.RESTRICTED if n % 2 else Confidentiality.NORMAL,
            occurred_at=now - timedelta(days=n + 4),
            created_by=authors[n % 4],
        )
        contact.participants.extend([world.member, authors[n % 4]])
        record = StanceRecordFactory(
            representative=target,
            interaction=contact,
            stance=list(Stance)[n % 6],
            source=StanceSource.PRIVATE_MEETING,
            note=f"Note {n}",
            observed_on=date.today() - timedelta(days=n + 4),
        )
        record.recorded_by = authors[n % 4]
        FollowUpFactory(
            state=home.state,
            representative=newcomers[n % 6],
            interaction=contact,
            assignee=authors[n % 4],
        )

    # The contact read alone: more people met, more participants, more follow-ups.
    contact = home.interaction
    contact.representatives.extend(newcomers)
    contact.participants.extend([*authors, staff, world.coordinator])
    for n in range(5):
        FollowUpFactory(
            state=home.state,
            interaction=contact,
            representative=newcomers[n],
            assignee=[*authors, staff][n],
            title=f"Home follow-up {n}",
        )

    # The event read alone: more guests; and more events at home.
    for newcomer in newcomers:
        db.session.add(Invitation(event=home.event, representative=newcomer))
    section = world.member.sections[0]
    extra_section = SectionFactory(states=[home.state])
    for n in range(4):
        EventFactory(
            state=home.state,
            section=[section, extra_section][n % 2],
            stage=home.stages[n % 2],
            starts_at=now + timedelta(days=n * 7 - 10),
        )

    # More stages at home, each with a held vote.
    for n, chamber in enumerate(chambers):
        stage = StageFactory(
            agreement=home.agreement,
            kind=StageKind.PLENARY_VOTE,
            chamber=chamber,
            position=2 + n,
            scheduled_on=date.today() - timedelta(days=30 - n),
        )
        _vote_event(stage, parties, newcomers[n::2])
    StageFactory(
        agreement=home.agreement,
        kind=StageKind.COMMITTEE_VOTE,
        chamber=chambers[0],
        committee=committees[0],
        position=4,
        scheduled_on=date.today() + timedelta(days=40),
    )
    db.session.commit()


# --- What each endpoint shows, as a number that must grow -------------------------------------


def _items(body: dict[str, Any]) -> int:
    return len(body["items"])


def _representative(body: dict[str, Any]) -> int:
    return sum(
        len(body[key])
        for key in (
            "memberships",
            "committee_seats",
            "contact_details",
            "other_names",
            "identifiers",
        )
    )


def _interaction(body: dict[str, Any]) -> int:
    return len(body["representatives"]) + len(body["participants"]) + len(body["follow_up_ids"])


def _event(body: dict[str, Any]) -> int:
    """The event itself does not list its guests: count them, and the events, in the database."""
    guests = db.session.scalar(
        sa.select(sa.func.count()).select_from(Invitation).where(Invitation.event_id == body["id"])
    )
    return guests + db.session.scalar(sa.select(sa.func.count()).select_from(Event))


ENDPOINTS: list[tuple[str, Callable[[dict[str, Any]], int]]] = [
    ("/api/v1/states", _items),
    ("/api/v1/chambers", _items),
    ("/api/v1/parties", _items),
    (f"/api/v1/representatives?per_page={PER_PAGE}", _items),
    ("/api/v1/representatives/{stance_rep}/stances", _items),
    (f"/api/v1/interactions?per_page={PER_PAGE}", _items),
    (f"/api/v1/follow-ups?per_page={PER_PAGE}", _items),
    (f"/api/v1/events?when=all&per_page={PER_PAGE}", _items),
    ("/api/v1/states/{iso2}/stages", _items),
    ("/api/v1/risk", _items),
    ("/api/v1/representatives/{rep}", _representative),
    ("/api/v1/interactions/{interaction}", _interaction),
    ("/api/v1/events/{event}", _event),
]


def _read(client, url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    with counting_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    return counter.count, response.get_json()


def _list_lengths(small_body: dict[str, Any], large_body: dict[str, Any]) -> str:
    """A short hint for the failure message: what the larger answer has."""
    keys = sorted(set(large_body) | set(small_body))
    return ", ".join(
        f"{k}: {len(small_body.get(k) or [])}→{len(large_body.get(k) or [])}"
        for k in keys
        if isinstance(large_body.get(k), list)
    )


def _values(grown: int) -> dict[str, Any]:
    world = build_world()
    complete(world)
    if grown:
        grow(world)
    home = world.home
    raw, _token = create_token(None, world.member, name="tests", scope=TokenScope.API)
    return {
        "ids": {
            "iso2": home.state.iso2,
            "rep": home.reps[0].id,
            "stance_rep": home.reps[1].id,
            "interaction": home.interaction.id,
            "event": home.event.id,
        },
        "headers": {"Authorization": f"Bearer {raw}"},
    }


@pytest.fixture(scope="module")
def worlds(databases, tmp_path_factory):
    with read_only_worlds(databases, tmp_path_factory, _values, (0, 1)) as built:
        yield built


@pytest.mark.parametrize(
    ("url_template", "measure"), ENDPOINTS, ids=[url for url, _measure in ENDPOINTS]
)
def test_api_read_query_count_does_not_grow_with_the_data(worlds, url_template, measure):
    reads = []
    for app, values in worlds.values():
        url = url_template.format(**values["ids"])
        with app.app_context():
            client = app.test_client()
            client.get(
                url, headers=values["headers"]
            )  # a first request may set up what later ones reuse
            count, body = _read(client, url, values["headers"])
            reads.append((count, body, measure(body)))
    (small, small_body, small_size), (large, large_body, large_size) = reads

    assert small_size > 0, url
    assert large_size > small_size, f"{url}: the data did not grow ({small_size} → {large_size})"
    assert small == large, (
        f"{url}: {small} queries for {small_size} rows, {large} for {large_size}",
        _list_lengths(small_body, large_body),
    )


def test_the_grown_data_mixes_contacts_the_member_may_and_may_not_read(app, bearer):
    """The grown data holds restricted contacts the member may and may not read."""
    world = build_world()
    complete(world)
    grow(world)
    headers = bearer(world.member)
    client = app.test_client()
    _count, body = _read(client, f"/api/v1/interactions?per_page={PER_PAGE}", headers)
    home = world.home.state.iso2
    redacted = [i for i in body["items"] if i["redacted"]]
    readable_restricted = [i for i in body["items"] if i["restricted"] and not i["redacted"]]
    assert redacted
    assert all(i["state"] != home for i in redacted)
    assert readable_restricted
    assert all(i["state"] == home for i in readable_restricted)
    assert body["pagination"]["total"] == len(body["items"]) < PER_PAGE
    states = db.session.scalar(sa.select(sa.func.count()).select_from(State))
    reps = db.session.scalar(sa.select(sa.func.count()).select_from(Representative))
    assert (states, reps) == (5, 8 + 6 + 18)
