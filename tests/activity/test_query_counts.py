"""The feed and the overdue list make the same number of SQL statements however much has
happened (tests/test_query_counts.py's pattern: two worlds, one small and one larger)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import current_app

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.events.models import EventStatus
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.states.models import StageStatus
from tests.conftest import page_queries, read_only_worlds, sign_in
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    PartyFactory,
    SectionFactory,
    StageFactory,
    StanceRecordFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)


def _build(size: int) -> dict[str, Any]:
    """`size` states (each with its section) and, in each, `size` of every kind of news."""
    campaign = CampaignFactory()
    now = datetime.now(UTC)
    for n in range(size):
        state = StateFactory()
        member = section_member(state)
        if n % 2:
            SectionFactory(states=[state])  # a state kept by two sections
        agreement = AgreementFactory(campaign=campaign, state=state)
        chamber = ChamberFactory(state=state, seats=size)
        party = PartyFactory(state=state)
        for m in range(size):
            rep = seated_representative(chamber, party)
            restricted = Confidentiality.RESTRICTED if m % 2 else Confidentiality.NORMAL
            contact = InteractionFactory(
                state=state,
                representatives=[rep],
                confidentiality=restricted,
                occurred_at=now - timedelta(hours=m + 1),
            )
            contact.participants.append(member)
            StanceRecordFactory(representative=rep, interaction=contact)
            FollowUpFactory(
                state=state,
                representative=rep,
                interaction=contact,
                assignee=member,
                due_on=date.today() - timedelta(days=m + 1),
            )
            EventFactory(
                state=state, status=EventStatus.HELD, starts_at=now - timedelta(days=m + 1)
            )
            StageFactory(agreement=agreement, chamber=chamber, status=StageStatus.SCHEDULED)
            db.session.add(
                AuditEntry(
                    action="popolo.imported",
                    target_type="chambers",
                    target_id=str(chamber.id),
                    state_id=state.id,
                    after={"file": f"roster-{m}.json", "added": m, "changed": 0,
                           "unchanged": 0, "ended": 0, "parties_added": []},
                )
            )  # fmt: skip
    coordinator = UserFactory(role=Role.COORDINATOR)
    db.session.commit()
    return {"client": sign_in(current_app.test_client(), coordinator)}


@pytest.fixture(scope="module")
def worlds(databases, tmp_path_factory):
    with read_only_worlds(databases, tmp_path_factory, _build, (3, 7)) as built:
        yield built


# One kind at a time, so that both worlds' pages hold the same kinds (a page of the whole
# feed holds whichever kinds are newest, and loads only those).
PAGES = [
    "/activity?kind=contact",
    "/activity?kind=stance",
    "/activity?kind=event&since=2000-01-01",
    "/activity?kind=stage",
    "/activity?kind=import",
    "/activity/overdue",
]


@pytest.mark.parametrize("url", PAGES)
def test_the_query_count_does_not_grow_with_what_happened(worlds, url):
    small, large = (page_queries(app, values["client"], url) for app, values in worlds.values())
    assert small == large, f"{url}: {small} queries with little data, {large} with more"


def test_the_whole_feed_makes_a_bounded_number_of_queries(worlds):
    # Sign-in, the filters' states and sections, the page and its count, then each kind's
    # records and what they show (two loaders at most): 4 + 2 + 5 × 3 + the states.
    for app, values in worlds.values():
        assert page_queries(app, values["client"], "/activity") <= 22
