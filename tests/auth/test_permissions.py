"""The rule matrix of `crm.auth.permissions.may`, as tables of role x action x record x state.

`may` only reads, so the whole matrix shares one freshly migrated database per module:
a database per case would make several hundred cases crawl on PostgreSQL, and no case can
change what another sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask_login import AnonymousUserMixin

from crm.auth.models import ApiToken, Role, TokenScope, User, UserSession, hash_token, new_token
from crm.auth.permissions import Action, Page, may, require
from crm.db import utcnow
from crm.errors import PermissionDenied
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction
from crm.parliament.models import (
    Chamber,
    Committee,
    Membership,
    Party,
    Representative,
    StanceRecord,
)
from crm.states.models import Agreement, Campaign, KeyMessage, Stage, State
from crm.votes.models import VoteEvent
from tests.conftest import Databases, make_app
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    CommitteeFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    MembershipFactory,
    PartyFactory,
    RepresentativeFactory,
    StageFactory,
    StanceRecordFactory,
    StateFactory,
    UserFactory,
    section_member,
)

# --- the world every case is asked about --------------------------------------------------

WHERE = ("own", "other")  # the section member's own state, and a state of another section


def _vote_event(state: State) -> VoteEvent:
    vote_event = VoteEvent(stage=StageFactory(agreement=AgreementFactory(state=state)))
    db.session.add(vote_event)
    db.session.commit()
    return vote_event


BUILDERS: dict[type, Callable[[State], Any]] = {
    Representative: lambda state: RepresentativeFactory(state=state),
    Interaction: lambda state: InteractionFactory(state=state),
    FollowUp: lambda state: FollowUpFactory(state=state),
    Event: lambda state: EventFactory(state=state),
    StanceRecord: lambda state: StanceRecordFactory(
        representative=RepresentativeFactory(state=state)
    ),
    Membership: lambda state: MembershipFactory(representative=RepresentativeFactory(state=state)),
    Party: lambda state: PartyFactory(state=state),
    Committee: lambda state: CommitteeFactory(chamber=ChamberFactory(state=state)),
    State: lambda state: state,
    Agreement: lambda state: AgreementFactory(state=state),
    Stage: lambda state: StageFactory(agreement=AgreementFactory(state=state)),
    Campaign: lambda _state: CampaignFactory(),
    KeyMessage: lambda _state: CampaignFactory().key_messages[0],
    Chamber: lambda state: ChamberFactory(state=state),
    VoteEvent: _vote_event,
}


def _restricted_records(state: State, confidentiality: Confidentiality) -> dict[str, Any]:
    """An interaction, and a stance record and follow-up that came out of it."""
    interaction = InteractionFactory(state=state, confidentiality=confidentiality)
    representative = RepresentativeFactory(state=state)
    return {
        "interaction": interaction,
        "stance record": StanceRecordFactory(
            representative=representative, interaction=interaction
        ),
        "follow-up": FollowUpFactory(state=state, interaction=interaction),
    }


def _account_records(owner: User) -> dict[str, Any]:
    token = ApiToken(
        user=owner,
        name="Laptop",
        scope=TokenScope.API,
        token_hash=hash_token(new_token()),
        prefix="abcdefgh",
    )
    session = UserSession(
        user=owner, token_hash=hash_token(new_token()), expires_at=utcnow() + timedelta(days=1)
    )
    db.session.add_all([token, session])
    db.session.commit()
    return {"user": owner, "API token": token, "session": session}


@dataclass
class World:
    states: dict[str, State]
    users: dict[str, Any]
    records: dict[tuple[type, str], Any] = field(default_factory=dict)
    restricted: dict[tuple[str, str], Any] = field(default_factory=dict)
    normal: dict[tuple[str, str], Any] = field(default_factory=dict)
    accounts: dict[tuple[str, str], Any] = field(default_factory=dict)

    def user(self, role: str) -> Any:
        return self.users[role]

    def state(self, where: str) -> State:
        return self.states[where]

    def record(self, cls: type, where: str) -> Any:
        return self.records[cls, where]


def _build_world() -> World:
    states = {"own": StateFactory(), "other": StateFactory()}
    section_member(states["other"])  # the other state has its own section
    users: dict[str, Any] = {
        "section": section_member(states["own"]),
        "coordinator": UserFactory(role=Role.COORDINATOR),
        "staff": UserFactory(role=Role.STAFF),
        "admin": UserFactory(role=Role.ADMIN),
        "disabled admin": UserFactory(role=Role.ADMIN, is_enabled=False),
        "sectionless section member": UserFactory(role=Role.SECTION),
        "anonymous": AnonymousUserMixin(),
    }
    world = World(states=states, users=users)
    for where, state in states.items():
        for cls, build in BUILDERS.items():
            world.records[cls, where] = build(state)
        for kind, record in _restricted_records(state, Confidentiality.RESTRICTED).items():
            world.restricted[kind, where] = record
        for kind, record in _restricted_records(state, Confidentiality.NORMAL).items():
            world.normal[kind, where] = record
    someone_else = UserFactory(role=Role.STAFF)
    for role, user in users.items():
        if isinstance(user, User):
            for kind, record in _account_records(user).items():
                world.accounts[kind, role] = record
    for kind, record in _account_records(someone_else).items():
        world.accounts[kind, "someone else"] = record
    return world


@pytest.fixture(scope="module")
def world(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = databases.fresh("empty", Path(tmp_path_factory.mktemp("permissions")))
    app = make_app(url)
    with app.app_context():
        yield _build_world()
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


def rows(*cases: tuple[str, str, bool]) -> list[Any]:
    """Table rows (role, where, allowed) with ids that read like the table."""
    return [
        pytest.param(role, where, allowed, id=f"{role}-{where}-{'yes' if allowed else 'no'}")
        for role, where, allowed in cases
    ]


def classes(*types: type) -> list[Any]:
    return [pytest.param(cls, id=cls.__name__) for cls in types]


EDITS = [pytest.param(Action.EDIT, id="edit"), pytest.param(Action.ARCHIVE, id="archive")]

# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    rows(
        ("section", "own", True),
        ("section", "other", True),
        ("coordinator", "other", True),
        ("staff", "own", True),
        ("staff", "other", True),
        ("admin", "other", True),
        ("disabled admin", "own", False),
        ("anonymous", "own", False),
    ),
)
def test_every_signed_in_role_may_view_a_normal_interaction(world, role, where, allowed):
    interaction = world.record(Interaction, where)

    assert may(world.user(role), Action.VIEW, interaction) is allowed


@pytest.mark.parametrize("kind", ["interaction", "stance record", "follow-up"])
@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    rows(
        ("section", "own", True),
        ("section", "other", False),
        ("coordinator", "own", True),
        ("coordinator", "other", True),
        ("staff", "own", False),
        ("staff", "other", False),
        ("admin", "own", True),
        ("admin", "other", True),
        ("sectionless section member", "own", False),
        ("disabled admin", "own", False),
        ("anonymous", "own", False),
    ),
)
def test_restricted_content_is_seen_only_by_its_section_coordinators_and_admins(
    world, kind, role, where, allowed
):
    record = world.restricted[kind, where]

    assert may(world.user(role), Action.VIEW, record) is allowed


@pytest.mark.parametrize("kind", ["stance record", "follow-up"])
@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    rows(("section", "other", True), ("staff", "own", True), ("anonymous", "own", False)),
)
def test_stance_records_and_follow_ups_of_a_normal_interaction_are_not_restricted(
    world, kind, role, where, allowed
):
    record = world.normal[kind, where]

    assert may(world.user(role), Action.VIEW, record) is allowed


# --- writing ------------------------------------------------------------------------------

SECTION_RECORDS = classes(Representative, Event, Membership, Party, Committee)
SECTION_WRITERS = rows(
    ("section", "own", True),
    ("section", "other", False),
    ("coordinator", "own", False),
    ("coordinator", "other", False),
    ("staff", "own", False),
    ("admin", "own", True),
    ("admin", "other", True),
    ("disabled admin", "own", False),
    ("anonymous", "own", False),
)


# What logging a contact writes: a coordinator logs contacts in any state (SPEC §1).
CONTACT_RECORDS = classes(Interaction, FollowUp, StanceRecord)
CONTACT_WRITERS = rows(
    ("section", "own", True),
    ("section", "other", False),
    ("coordinator", "own", True),
    ("coordinator", "other", True),
    ("staff", "own", False),
    ("staff", "other", False),
    ("admin", "own", True),
    ("admin", "other", True),
    ("sectionless section member", "own", False),
    ("disabled admin", "own", False),
    ("anonymous", "own", False),
)


@pytest.mark.parametrize("cls", CONTACT_RECORDS)
@pytest.mark.parametrize(("role", "where", "allowed"), CONTACT_WRITERS)
def test_contacts_are_logged_by_the_states_own_section_coordinators_and_admins(
    world, cls, role, where, allowed
):
    assert may(world.user(role), Action.CREATE, cls, state=world.state(where)) is allowed


@pytest.mark.parametrize("action", EDITS)
@pytest.mark.parametrize("cls", CONTACT_RECORDS)
@pytest.mark.parametrize(("role", "where", "allowed"), CONTACT_WRITERS)
def test_contacts_are_changed_by_the_states_own_section_coordinators_and_admins(
    world, action, cls, role, where, allowed
):
    assert may(world.user(role), action, world.record(cls, where)) is allowed


@pytest.mark.parametrize("kind", ["interaction", "stance record", "follow-up"])
@pytest.mark.parametrize(("role", "allowed"), [("coordinator", True), ("staff", False)])
def test_coordinators_edit_restricted_contacts_of_any_state(world, kind, role, allowed):
    assert may(world.user(role), Action.EDIT, world.restricted[kind, "other"]) is allowed


@pytest.mark.parametrize("cls", CONTACT_RECORDS)
@pytest.mark.parametrize("role", ["coordinator", "section"])
def test_only_admins_restore_contacts(world, cls, role):
    assert may(world.user(role), Action.RESTORE, world.record(cls, "own")) is False
    assert may(world.user("admin"), Action.RESTORE, world.record(cls, "own")) is True


@pytest.mark.parametrize("cls", SECTION_RECORDS)
@pytest.mark.parametrize(("role", "where", "allowed"), SECTION_WRITERS)
def test_section_data_is_created_only_by_the_states_own_section_and_admins(
    world, cls, role, where, allowed
):
    assert may(world.user(role), Action.CREATE, cls, state=world.state(where)) is allowed


@pytest.mark.parametrize("action", EDITS)
@pytest.mark.parametrize("cls", SECTION_RECORDS)
@pytest.mark.parametrize(("role", "where", "allowed"), SECTION_WRITERS)
def test_section_data_is_changed_only_by_the_states_own_section_and_admins(
    world, action, cls, role, where, allowed
):
    assert may(world.user(role), action, world.record(cls, where)) is allowed


CAMPAIGN_RECORDS = classes(State, Agreement, Stage, Campaign, KeyMessage, Chamber)
CAMPAIGN_WRITERS = rows(
    ("section", "own", False),
    ("section", "other", False),
    ("coordinator", "own", True),
    ("coordinator", "other", True),
    ("staff", "own", False),
    ("admin", "own", True),
    ("admin", "other", True),
    ("disabled admin", "own", False),
    ("anonymous", "own", False),
)


@pytest.mark.parametrize("cls", CAMPAIGN_RECORDS)
@pytest.mark.parametrize(("role", "where", "allowed"), CAMPAIGN_WRITERS)
def test_campaign_data_is_created_only_by_coordinators_and_admins(world, cls, role, where, allowed):
    assert may(world.user(role), Action.CREATE, cls, state=world.state(where)) is allowed


@pytest.mark.parametrize("action", EDITS)
@pytest.mark.parametrize("cls", CAMPAIGN_RECORDS)
@pytest.mark.parametrize(("role", "where", "allowed"), CAMPAIGN_WRITERS)
def test_campaign_data_is_changed_only_by_coordinators_and_admins(
    world, action, cls, role, where, allowed
):
    assert may(world.user(role), action, world.record(cls, where)) is allowed


VOTE_WRITERS = rows(
    ("section", "own", True),
    ("section", "other", False),
    ("coordinator", "own", True),
    ("coordinator", "other", True),
    ("staff", "own", False),
    ("staff", "other", False),
    ("admin", "other", True),
    ("disabled admin", "own", False),
    ("anonymous", "own", False),
)


@pytest.mark.parametrize(("role", "where", "allowed"), VOTE_WRITERS)
def test_votes_are_recorded_by_the_states_own_section_coordinators_and_admins(
    world, role, where, allowed
):
    assert may(world.user(role), Action.CREATE, VoteEvent, state=world.state(where)) is allowed


@pytest.mark.parametrize("action", EDITS)
@pytest.mark.parametrize(("role", "where", "allowed"), VOTE_WRITERS)
def test_votes_are_changed_by_the_states_own_section_coordinators_and_admins(
    world, action, role, where, allowed
):
    assert may(world.user(role), action, world.record(VoteEvent, where)) is allowed


@pytest.mark.parametrize(
    "cls", classes(Representative, Interaction, FollowUp, Event, StanceRecord, VoteEvent)
)
@pytest.mark.parametrize(
    "action",
    [
        pytest.param(Action.CREATE, id="create"),
        pytest.param(Action.EDIT, id="edit"),
        pytest.param(Action.ARCHIVE, id="archive"),
    ],
)
@pytest.mark.parametrize("where", WHERE)
def test_section_member_without_sections_can_write_nothing(world, cls, action, where):
    user = world.user("sectionless section member")
    target = cls if action is Action.CREATE else world.record(cls, where)

    assert may(user, action, target, state=world.state(where)) is False


def test_section_member_without_sections_cannot_create_records_of_no_state(world):
    user = world.user("sectionless section member")

    assert may(user, Action.CREATE, Representative) is False
    assert may(user, Action.CREATE, Representative, state=None) is False


# --- restoring, printing, pages -----------------------------------------------------------


@pytest.mark.parametrize("cls", classes(Interaction, Representative, FollowUp, Event))
@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    rows(
        ("section", "own", False),
        ("coordinator", "own", False),
        ("staff", "own", False),
        ("admin", "own", True),
        ("admin", "other", True),
        ("disabled admin", "own", False),
        ("anonymous", "own", False),
    ),
)
def test_only_admins_restore_archived_records(world, cls, role, where, allowed):
    assert may(world.user(role), Action.RESTORE, world.record(cls, where)) is allowed


@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    rows(
        ("section", "own", False),
        ("section", "other", False),
        ("coordinator", "own", True),
        ("coordinator", "other", True),
        ("staff", "own", False),
        ("admin", "own", True),
        ("admin", "other", True),
        ("sectionless section member", "own", False),
        ("disabled admin", "own", False),
        ("anonymous", "own", False),
    ),
)
def test_only_coordinators_and_admins_merge_representatives(world, role, where, allowed):
    assert may(world.user(role), Action.MERGE, world.record(Representative, where)) is allowed


@pytest.mark.parametrize("cls", classes(Interaction, FollowUp, Event, StanceRecord, State))
def test_only_representatives_are_merged(world, cls):
    assert may(world.user("admin"), Action.MERGE, world.record(cls, "own")) is False


@pytest.mark.parametrize("cls", classes(State, Representative))
@pytest.mark.parametrize(
    ("role", "where", "allowed"),
    rows(
        ("section", "own", True),
        ("section", "other", True),
        ("coordinator", "other", True),
        ("staff", "own", True),
        ("staff", "other", True),
        ("admin", "other", True),
        ("disabled admin", "own", False),
        ("anonymous", "own", False),
    ),
)
def test_every_enabled_role_prints_state_and_representative_packs(world, cls, role, where, allowed):
    assert may(world.user(role), Action.PRINT, world.record(cls, where)) is allowed


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_only_state_and_representative_packs_are_printed(world, role):
    assert may(world.user(role), Action.PRINT, world.record(Interaction, "own")) is False


@pytest.mark.parametrize(
    ("page", "role", "allowed"),
    [
        pytest.param(page, role, allowed, id=f"{page.value}-{role}-{'yes' if allowed else 'no'}")
        for page, role, allowed in [
            (Page.USER_ADMIN, "section", False),
            (Page.USER_ADMIN, "coordinator", False),
            (Page.USER_ADMIN, "staff", False),
            (Page.USER_ADMIN, "admin", True),
            (Page.USER_ADMIN, "disabled admin", False),
            (Page.USER_ADMIN, "anonymous", False),
            (Page.AUDIT_LOG, "section", False),
            (Page.AUDIT_LOG, "coordinator", False),
            (Page.AUDIT_LOG, "staff", False),
            (Page.AUDIT_LOG, "admin", True),
            (Page.AUDIT_LOG, "disabled admin", False),
            (Page.AUDIT_LOG, "anonymous", False),
            (Page.DASHBOARD, "section", True),
            (Page.DASHBOARD, "coordinator", True),
            (Page.DASHBOARD, "staff", True),
            (Page.DASHBOARD, "admin", True),
            (Page.DASHBOARD, "disabled admin", False),
            (Page.DASHBOARD, "anonymous", False),
            (Page.OVERVIEW_PACK, "section", False),
            (Page.OVERVIEW_PACK, "coordinator", True),
            (Page.OVERVIEW_PACK, "staff", True),
            (Page.OVERVIEW_PACK, "admin", True),
            (Page.OVERVIEW_PACK, "disabled admin", False),
            (Page.OVERVIEW_PACK, "anonymous", False),
            (Page.ACTIVITY, "section", False),
            (Page.ACTIVITY, "coordinator", True),
            (Page.ACTIVITY, "staff", False),
            (Page.ACTIVITY, "admin", True),
            (Page.ACTIVITY, "disabled admin", False),
            (Page.ACTIVITY, "anonymous", False),
        ]
    ],
)
def test_who_may_open_each_page(world, page, role, allowed):
    assert may(world.user(role), Action.VIEW, page) is allowed


@pytest.mark.parametrize("action", [Action.EDIT, Action.CREATE, Action.PRINT])
def test_pages_are_only_ever_viewed(world, action):
    assert may(world.user("admin"), action, Page.USER_ADMIN) is False


# --- accounts -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["user", "API token", "session"])
@pytest.mark.parametrize(
    ("role", "owner", "allowed"),
    [
        pytest.param(role, owner, allowed, id=f"{role}-{owner}-{'yes' if allowed else 'no'}")
        for role, owner, allowed in [
            ("section", "own", True),
            ("section", "someone else", False),
            ("coordinator", "own", True),
            ("coordinator", "someone else", False),
            ("staff", "own", True),
            ("staff", "someone else", False),
            ("admin", "own", True),
            ("admin", "someone else", True),
            ("disabled admin", "own", False),
            ("anonymous", "someone else", False),
        ]
    ],
)
def test_accounts_tokens_and_sessions_are_seen_by_their_owner_and_admins(
    world, kind, role, owner, allowed
):
    record = world.accounts[kind, role if owner == "own" else "someone else"]

    assert may(world.user(role), Action.VIEW, record) is allowed


@pytest.mark.parametrize("action", EDITS)
@pytest.mark.parametrize(
    ("role", "allowed"),
    [("section", False), ("coordinator", False), ("staff", False), ("admin", True)],
)
def test_only_admins_change_user_accounts_even_their_own(world, action, role, allowed):
    own_account = world.accounts["user", role]

    assert may(world.user(role), action, own_account) is allowed


# --- the API of `may` and `require` -------------------------------------------------------


def test_action_may_be_given_as_its_name(world):
    representative = world.record(Representative, "own")

    assert may(world.user("section"), "edit", representative) is True
    assert may(world.user("staff"), "edit", representative) is False


def test_create_takes_the_class_not_a_record(world):
    with pytest.raises(TypeError, match="class of the record"):
        may(world.user("admin"), Action.CREATE, world.record(Representative, "own"))


@pytest.mark.parametrize(
    ("role", "action", "cls", "where"),
    [
        pytest.param("staff", Action.EDIT, Representative, "own", id="staff-edits-representative"),
        pytest.param("section", Action.EDIT, Interaction, "other", id="section-edits-other-state"),
        pytest.param("section", Action.VIEW, None, "other", id="section-views-other-restricted"),
        pytest.param("coordinator", Action.RESTORE, Interaction, "own", id="coordinator-restores"),
        pytest.param("anonymous", Action.VIEW, Representative, "own", id="anonymous-views"),
    ],
)
def test_require_raises_permission_denied_when_may_says_no(world, role, action, cls, where):
    target = world.restricted["interaction", where] if cls is None else world.record(cls, where)
    assert may(world.user(role), action, target) is False

    with pytest.raises(PermissionDenied, match=f"You may not {action.value} this") as raised:
        require(world.user(role), action, target)

    assert raised.value.status == 403


def test_require_lets_through_what_may_allows(world):
    section = world.user("section")

    assert require(section, Action.EDIT, world.record(Interaction, "own")) is None
    assert require(section, Action.VIEW, world.restricted["interaction", "own"]) is None
    assert require(section, Action.CREATE, VoteEvent, state=world.state("own")) is None
