"""The one place that answers "may this user do this action to this object?".

Pages, the API and the command line all ask `may` (or `require`, which raises). Rules,
from SPEC §1:

- section: reads every state's non-restricted data; writes section data of its own states;
  reads restricted interactions of its own states.
- coordinator: reads everything, restricted included; writes campaign-wide data (campaign,
  key messages, states, agreements, stages, chambers) and records votes; logs contacts in
  any state (CONTACT_DATA); opens the campaign's activity feed and overdue follow-ups.
- staff: reads every non-restricted record; prints every briefing pack; writes nothing.
- admin: everything, plus users, sections, API tokens and the audit log.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from crm.auth.models import Role
from crm.errors import PermissionDenied
from crm.interactions.models import Confidentiality
from crm.models import (
    Agreement,
    ApiToken,
    AuditEntry,
    Campaign,
    Chamber,
    Committee,
    CommitteeMembership,
    ContactDetail,
    Count,
    Event,
    FollowUp,
    Identifier,
    Interaction,
    Invitation,
    KeyMessage,
    Membership,
    OtherName,
    Party,
    Representative,
    Section,
    Stage,
    StanceRecord,
    State,
    User,
    UserSession,
    Vote,
    VoteEvent,
)


class Action(enum.StrEnum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    ARCHIVE = "archive"
    RESTORE = "restore"
    PRINT = "print"
    # Merging two records of one person (crm.parliament.services.merge).
    MERGE = "merge"


class Page(enum.StrEnum):
    """Things that are not records but still need a permission."""

    DASHBOARD = "dashboard"
    OVERVIEW_PACK = "overview_pack"
    AUDIT_LOG = "audit_log"
    SECURITY_LOG = "security_log"
    USER_ADMIN = "user_admin"
    # Background jobs and the mail sent: who asked for what, and what failed.
    JOBS = "jobs"
    # The campaign's activity feed and the overdue follow-ups of every state (crm.activity).
    ACTIVITY = "activity"


# Records that national sections keep for their own states.
SECTION_DATA: tuple[type, ...] = (
    Representative,
    Membership,
    CommitteeMembership,
    ContactDetail,
    OtherName,
    Identifier,
    StanceRecord,
    Party,
    Committee,
    Interaction,
    FollowUp,
    Event,
    Invitation,
)
# What logging a contact writes: the contact, the stances seen in it and the follow-ups
# agreed. A coordinator logs contacts in any state (SPEC §1), so writes these anywhere, as a
# section does in its own states: creating them (the contact form writes all three), and
# editing and archiving them, since a stance recorded in error is put right only by
# archiving it. Restoring stays with admins, as for every record.
CONTACT_DATA: tuple[type, ...] = (Interaction, StanceRecord, FollowUp)
# Records of votes held: a section records its own state's votes, a coordinator any.
VOTE_DATA: tuple[type, ...] = (VoteEvent, Count, Vote)
# Campaign-wide records that coordinators keep.
CAMPAIGN_DATA: tuple[type, ...] = (Campaign, KeyMessage, State, Agreement, Stage, Chamber)
# Administration: users, sections, tokens, sessions and the audit log.
ADMIN_DATA: tuple[type, ...] = (User, Section, ApiToken, UserSession, AuditEntry)

_STATE_OF: dict[type, Callable[[Any], int | None]] = {
    State: lambda o: o.id,
    Committee: lambda o: o.chamber.state_id,
    Membership: lambda o: o.representative.state_id,
    CommitteeMembership: lambda o: o.representative.state_id,
    ContactDetail: lambda o: o.representative.state_id,
    OtherName: lambda o: o.representative.state_id,
    Identifier: lambda o: o.representative.state_id,
    StanceRecord: lambda o: o.representative.state_id,
    Invitation: lambda o: o.event.state_id,
    Stage: lambda o: o.agreement.state_id,
    VoteEvent: lambda o: o.stage.agreement.state_id,
    Count: lambda o: o.vote_event.stage.agreement.state_id,
    Vote: lambda o: o.vote_event.stage.agreement.state_id,
}


def state_id_of(target: Any) -> int | None:
    """The id of the state a record belongs to, or None for campaign-wide records."""
    getter = _STATE_OF.get(type(target))
    if getter is not None:
        return getter(target)
    return getattr(target, "state_id", None)


def _is_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_enabled


def may_see_restricted(user: Any, state_id: int | None) -> bool:
    """Whether the user may read restricted content of this state."""
    if not _is_user(user):
        return False
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return user.role is Role.SECTION and state_id is not None and state_id in user.state_ids


def restricted_readable_states(user: Any) -> frozenset[int] | None:
    """The states whose restricted content the user may read; None means every state."""
    if _is_user(user) and user.role in (Role.ADMIN, Role.COORDINATOR):
        return None
    if _is_user(user) and user.role is Role.SECTION:
        return frozenset(user.state_ids)
    return frozenset()


def is_restricted(target: Any) -> bool:
    """Whether reading this record's content needs restricted access."""
    if isinstance(target, Interaction):
        return target.confidentiality is Confidentiality.RESTRICTED
    if isinstance(target, FollowUp | StanceRecord) and target.interaction_id is not None:
        # What was agreed or observed in a restricted meeting is part of that meeting.
        return target.interaction.confidentiality is Confidentiality.RESTRICTED
    return False


def withheld(user: Any, target: Any) -> bool:
    """Whether this record belongs to a restricted contact the user may not read.

    For such a reader the contact is linked to no person (SPEC §2): it shows only as
    "restricted contact" and its date in its state's list; a follow-up from it only its
    due date and status; a stance observed in it only its value and month. Pages, PDFs,
    exports and the API all ask this, and `crm.interactions.visibility` asks the same of
    the database.
    """
    return is_restricted(target) and not may_see_restricted(user, state_id_of(target))


def stance_withheld(user: Any, representative: Representative) -> bool:
    """Whether the representative's current stance was observed in a restricted contact
    the user may not read: its value still shows (the forecast needs it), its date only
    as a month."""
    return representative.stance_restricted and not may_see_restricted(
        user, representative.state_id
    )


def _may_write(user: User, cls: type, state_id: int | None) -> bool:
    if user.role is Role.ADMIN:
        return True
    own_state = state_id is not None and state_id in user.state_ids
    if issubclass(cls, VOTE_DATA):
        return user.role is Role.COORDINATOR or (user.role is Role.SECTION and own_state)
    if issubclass(cls, CONTACT_DATA) and user.role is Role.COORDINATOR:
        return True
    if issubclass(cls, SECTION_DATA):
        return user.role is Role.SECTION and own_state
    if issubclass(cls, CAMPAIGN_DATA):
        return user.role is Role.COORDINATOR
    return False


def _may_view(user: User, target: Any) -> bool:
    if user.role is Role.ADMIN:
        return True
    if isinstance(target, User):
        return target.id == user.id
    if isinstance(target, ApiToken | UserSession):
        return target.user_id == user.id
    if isinstance(target, ADMIN_DATA):
        return False
    if is_restricted(target):
        return may_see_restricted(user, state_id_of(target))
    return True


def _may_page(user: User, page: Page) -> bool:
    if page is Page.DASHBOARD:
        return True
    if page is Page.ACTIVITY:
        # The campaign's week, across every state (SPEC §1 gives it to coordinators): a
        # section has its own states' home page, staff read and print briefings.
        return user.role in (Role.ADMIN, Role.COORDINATOR)
    if page is Page.OVERVIEW_PACK:
        return user.role in (Role.ADMIN, Role.COORDINATOR, Role.STAFF)
    return user.role is Role.ADMIN


def may(user: Any, action: Action | str, target: Any, *, state: State | None = None) -> bool:
    """Whether `user` may do `action` to `target`.

    `target` is a record, a `Page`, or — for CREATE — the class of the record to be
    created, with the `state` it will belong to.
    """
    if not _is_user(user):
        return False
    action = Action(action)
    if isinstance(target, Page):
        return action is Action.VIEW and _may_page(user, target)
    if action is Action.VIEW:
        return _may_view(user, target)
    if action is Action.PRINT:
        # Every role prints packs; what is printed depends on what the user may read.
        return isinstance(target, State | Representative)
    if action is Action.RESTORE:
        return user.role is Role.ADMIN
    if action is Action.MERGE:
        # Duplicates are a campaign-wide clean-up (SPEC §1): coordinators and admins, in
        # every state; a merge moves history a section could not otherwise rewrite.
        return isinstance(target, Representative) and user.role in (Role.ADMIN, Role.COORDINATOR)
    if action is Action.CREATE:
        if not isinstance(target, type):
            raise TypeError("CREATE takes the class of the record to be created")
        return _may_write(user, target, state.id if state is not None else None)
    # EDIT and ARCHIVE of an existing record.
    if isinstance(target, ADMIN_DATA):
        return user.role is Role.ADMIN
    return _may_write(user, type(target), state_id_of(target))


def require(user: Any, action: Action | str, target: Any, *, state: State | None = None) -> None:
    """Raise PermissionDenied unless `may` allows it."""
    if not may(user, action, target, state=state):
        raise PermissionDenied(f"You may not {Action(action).value} this.")
