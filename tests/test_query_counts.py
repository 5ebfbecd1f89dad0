"""The number of SQL statements a page makes does not grow with the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app

from crm.auth.models import Role
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.mail.models import Notification, OutboxMessage
from crm.parliament.models import (
    CommitteeMembership,
    ContactDetail,
    ContactKind,
    OtherName,
    Representative,
    Stance,
)
from crm.security.models import SecurityEvent
from tests.conftest import login, page_queries, read_only_worlds, sign_in
from tests.factories import (
    PASSWORD,
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    CommitteeFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    PartyFactory,
    StageFactory,
    StanceRecordFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)


def build_world(size: int):
    """`size` states, and in the first one `size` representatives with everything."""
    campaign = CampaignFactory()
    states = [StateFactory() for _ in range(size)]
    for state in states:
        AgreementFactory(campaign=campaign, state=state)
    home = states[0]
    agreement = home.agreements[0]
    chambers = [ChamberFactory(state=home, seats=size * 2) for _ in range(2)]
    parties = [PartyFactory(state=home) for _ in range(size)]
    for chamber in chambers:
        StageFactory(agreement=agreement, chamber=chamber)
        CommitteeFactory(chamber=chamber)
    member = section_member(home)
    reps = []
    for n in range(size):
        rep = seated_representative(chambers[n % 2], parties[n % len(parties)])
        rep.other_names.append(OtherName(name=f"Имя {n}", lang="ru"))
        rep.contact_details.append(ContactDetail(kind=ContactKind.EMAIL, value=f"r{n}@x.example"))
        rep.committee_memberships.append(
            CommitteeMembership(committee=chambers[n % 2].committees[0])
        )
        reps.append(rep)
        StanceRecordFactory(representative=rep, stance=list(Stance)[n % 6])
    first = reps[0]
    for n in range(size):
        interaction = InteractionFactory(
            state=home,
            representatives=[first] if n == 0 else [first, reps[n]],
            confidentiality=Confidentiality.RESTRICTED if n % 2 else Confidentiality.NORMAL,
            occurred_at=datetime.now(UTC) - timedelta(days=n),
        )
        interaction.participants.append(member)
        StanceRecordFactory(representative=first, interaction=interaction)
        FollowUpFactory(state=home, representative=first, interaction=interaction, assignee=member)
        EventFactory(state=home)
        refused = UserFactory()
        db.session.add(
            SecurityEvent(
                status=403,
                user_id=refused.id,
                user_email=refused.email,
                role=refused.role.value,
                method="GET",
                endpoint="auth.users",
                path="/admin/users",
            )
        )
    db.session.commit()
    return home, first, member


PAGES = [
    "/dashboard",
    "/states/{iso2}/risk",
    "/states",
    "/states/{iso2}",
    "/representatives",
    "/representatives?state={iso2}",
    "/representatives?state={iso2}&stance=undecided&q=given",
    "/representatives/{rep}",
    "/account",
    "/admin/users",
    "/admin/security",
    "/admin/mail",
    "/account/notifications",
    "/events",
    "/states/{iso2}/follow-ups?q=legal",
    "/representatives/{rep}/merge",
    "/representatives/{rep}/merge?q=given",
    "/representatives/{rep}/merge/{other}",
]
# Pages seen as the home state's section member (its home page is theirs alone).
MEMBER_PAGES = ["/", "/follow-ups?state={iso2}&q=legal"]


def _values(size: int) -> dict[str, Any]:
    home, first, member = build_world(size)
    admin = UserFactory(role=Role.ADMIN)
    for n in range(size):  # the mail sent, one row per message
        db.session.add(
            OutboxMessage(
                user_id=member.id,
                recipient=member.email,
                kind=Notification.FOLLOW_UP_DUE,
                about=f"follow_up:{n}:due",
                subject=f"Follow-up {n}",
                body_text="text",
                body_html="<p>html</p>",
            )
        )
    db.session.commit()
    client = current_app.test_client()
    login(client, admin.email, PASSWORD)  # once: sign-in is rate-limited
    member_client = sign_in(current_app.test_client(), member)
    # Another of the state's representatives: the one the first may be merged into.
    other = db.session.scalar(
        sa.select(sa.func.min(Representative.id)).where(
            Representative.state_id == home.id, Representative.id != first.id
        )
    )
    return {
        "iso2": home.iso2,
        "rep": first.id,
        "other": other,
        "client": client,
        "member_client": member_client,
    }


@pytest.fixture(scope="module")
def worlds(databases, tmp_path_factory):
    with read_only_worlds(databases, tmp_path_factory, _values, (3, 12)) as built:
        yield built


@pytest.mark.parametrize("url_template", PAGES)
def test_page_query_count_does_not_grow_with_the_data(worlds, url_template):
    small, large = (
        page_queries(app, values["client"], url_template.format(**values))
        for app, values in worlds.values()
    )
    assert small == large, f"{url_template}: {small} queries with little data, {large} with more"


@pytest.mark.parametrize("url_template", MEMBER_PAGES)
def test_a_section_members_page_query_count_does_not_grow_with_the_data(worlds, url_template):
    small, large = (
        page_queries(app, values["member_client"], url_template.format(**values))
        for app, values in worlds.values()
    )
    assert small == large, f"{url_template}: {small} queries with little data, {large} with more"
    # The home page: sign-in, campaign, follow-ups, stages, events, forecast, people, contacts.
    assert large <= 30, f"{url_template}: {large} queries"
