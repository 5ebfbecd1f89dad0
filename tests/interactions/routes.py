"""Write routes of the interactions feature, for tests/test_write_routes.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crm.db import utcnow
from crm.extensions import db
from crm.interactions.forms import to_local
from crm.interactions.models import FollowUpStatus
from tests.world import World
from tests.write_routes import WriteCase

# Contacts, their stances and follow-ups: the state's section, and coordinators, who log
# contacts in any state (SPEC §1; CONTACT_DATA in crm/auth/permissions.py).
NOT_CONTACT_WRITERS = ("other_member", "staff")


def _local(world: World, at: datetime) -> str:
    return to_local(at, world.home.state.timezone).strftime("%Y-%m-%dT%H:%M")


def _new(world: World) -> tuple[str, dict[str, str]]:
    home = world.home
    return f"/states/{home.state.iso2}/interactions/new", {
        "occurred_at": _local(world, datetime.now(UTC) - timedelta(hours=1)),
        "kind": "meeting",
        "representatives": str(home.reps[3].id),
        "participants": str(world.member.id),
        "summary": "Met in the corridor after the plenary.",
        "outcome": "Will read the legal note.",
        "confidentiality": "normal",
        "stances-0-representative": str(home.reps[3].id),
        "stances-0-stance": "leaning_against",
        "stances-0-confidence": "high",
        "follow_ups-0-title": "Send the legal note",
        "follow_ups-0-due_on": (date.today() + timedelta(days=3)).isoformat(),
        "follow_ups-0-assignee": str(world.member.id),
    }


def _edit(world: World) -> tuple[str, dict[str, str]]:
    interaction = world.home.interaction
    return f"/interactions/{interaction.id}/edit", {
        "version": str(interaction.version),
        "occurred_at": _local(world, interaction.occurred_at),
        "kind": "call",
        "representatives": str(world.home.reps[0].id),
        "participants": str(world.member.id),
        "summary": "Edited in a test.",
        "outcome": "",
        "confidentiality": "normal",
    }


def _archive(world: World) -> tuple[str, dict[str, str]]:
    return f"/interactions/{world.home.interaction.id}/archive", {}


def _restore(world: World) -> tuple[str, dict[str, str]]:
    world.home.interaction.archived_at = utcnow()
    db.session.commit()
    return f"/interactions/{world.home.interaction.id}/restore", {}


def _follow_up_new(world: World) -> tuple[str, dict[str, str]]:
    return f"/follow-ups/new?state={world.home.state.iso2}", {
        "title": "Ask for a meeting with the committee chair",
        "details": "Before the committee vote.",
        "due_on": (date.today() + timedelta(days=5)).isoformat(),
        "assignee": str(world.member.id),
        "representative": str(world.home.reps[0].id),
    }


def _follow_up_edit(world: World) -> tuple[str, dict[str, str]]:
    follow_up = world.home.follow_up
    return f"/follow-ups/{follow_up.id}/edit", {
        "version": str(follow_up.version),
        "title": "Send the legal analysis, in Romanian",
        "details": "",
        "due_on": (date.today() + timedelta(days=9)).isoformat(),
        "assignee": str(world.member.id),
        "representative": str(world.home.reps[0].id),
    }


def _status(action: str, before: FollowUpStatus = FollowUpStatus.OPEN):
    def build(world: World) -> tuple[str, dict[str, str]]:
        follow_up = world.home.follow_up
        if follow_up.status is not before:
            follow_up.status = before
            db.session.commit()
        return f"/follow-ups/{follow_up.id}/{action}", {"next": "/follow-ups"}

    return build


CASES = [
    WriteCase(
        "interactions.new",
        actor="member",
        audit="interaction.created",
        build=_new,
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.edit",
        actor="member",
        audit="interaction.updated",
        build=_edit,
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.archive",
        actor="member",
        audit="interaction.archived",
        build=_archive,
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.restore",
        actor="admin",
        audit="interaction.restored",
        build=_restore,
        forbidden=("member", "other_member", "staff", "coordinator"),
    ),
    WriteCase(
        "interactions.follow_up_new",
        actor="member",
        audit="follow_up.created",
        build=_follow_up_new,
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.follow_up_edit",
        actor="member",
        audit="follow_up.updated",
        build=_follow_up_edit,
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.follow_up_done",
        actor="member",
        audit="follow_up.done",
        build=_status("done"),
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.follow_up_cancel",
        actor="member",
        audit="follow_up.cancelled",
        build=_status("cancel"),
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
    WriteCase(
        "interactions.follow_up_reopen",
        actor="member",
        audit="follow_up.reopened",
        build=_status("reopen", FollowUpStatus.DONE),
        forbidden=NOT_CONTACT_WRITERS,
        also_allowed=("coordinator",),
    ),
]
