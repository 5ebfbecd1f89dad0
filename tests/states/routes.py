"""Write routes of the agreement and stages, and of the campaign's key messages, for
tests/test_write_routes.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from tests.world import World
from tests.write_routes import WriteCase

# Agreements and stages are campaign-wide data: coordinators (and admins) keep them.
NOT_COORDINATORS = ("member", "other_member", "staff")


def _edit_agreement(world: World) -> tuple[str, dict[str, str]]:
    agreement = world.home.agreement
    return f"/states/{world.home.state.iso2}/agreement/edit", {
        "version": str(agreement.version),
        "status": "before_parliament",
        "route": "executive",
        "route_note": "Article 91 of the constitution.",
        "signed_on": "2002-08-01",
        "executive_probability": "35",
        "notes": "The government may ratify by decree.",
    }


def _new_stage(world: World) -> tuple[str, dict[str, str]]:
    return f"/states/{world.home.state.iso2}/stages/new", {
        "kind": "committee_review",
        "chamber": str(world.home.chamber.id),
        "committee": str(world.home.committee.id),
        "scheduled_on": (date.today() + timedelta(days=5)).isoformat(),
        "position": "1",
        "notes": "Hearing with the foreign minister.",
    }


def _edit_stage(world: World) -> tuple[str, dict[str, str]]:
    stage = world.home.stages[1]
    return f"/stages/{stage.id}/edit", {
        "version": str(stage.version),
        "kind": "plenary_vote",
        "chamber": str(world.home.chamber.id),
        "committee": "",
        "scheduled_on": (date.today() + timedelta(days=25)).isoformat(),
        "position": "2",
        "notes": "Second reading.",
    }


def _action(action: str, data: dict[str, str] | Callable[[], dict[str, str]]):
    def build(world: World) -> tuple[str, dict[str, str]]:
        stage = world.home.stages[1]
        values = data() if callable(data) else data  # dates are read when the test runs
        fields = {f"{action}-{name}": value for name, value in values.items()}
        return f"/stages/{stage.id}/{action}", {f"{action}-version": str(stage.version), **fields}

    return build


def _move(world: World) -> tuple[str, dict[str, str]]:
    return f"/stages/{world.home.stages[1].id}/move", {"direction": "up"}


def _key_message(world: World):
    return world.campaign.key_messages[0]


def _new_key_message(world: World) -> tuple[str, dict[str, str]]:
    return "/campaign/key-messages/new", {
        "text": "The agreements breach the Rome Statute.",
        "text_fr": "Les accords violent le Statut de Rome.",
        "text_ar": "الاتفاقات تنتهك نظام روما الأساسي.",
    }


def _edit_key_message(world: World) -> tuple[str, dict[str, str]]:
    message = _key_message(world)
    return f"/campaign/key-messages/{message.id}/edit", {
        "version": str(message.version),
        "text": message.text,
        "text_es": "La impunidad no es una opción.",
    }


def _move_key_message(world: World) -> tuple[str, dict[str, str]]:
    # The world's campaign has one message: a second, so that the first can move down.
    from crm.extensions import db
    from crm.states.models import KeyMessage

    db.session.add(KeyMessage(campaign=world.campaign, text="A second message."))
    db.session.commit()
    return f"/campaign/key-messages/{_key_message(world).id}/move", {"direction": "down"}


def _remove_key_message(world: World) -> tuple[str, dict[str, str]]:
    message = _key_message(world)
    return f"/campaign/key-messages/{message.id}/remove", {"version": str(message.version)}


CASES = [
    WriteCase(
        "states.edit_agreement",
        actor="coordinator",
        audit="agreement.updated",
        build=_edit_agreement,
        forbidden=NOT_COORDINATORS,
    ),
    WriteCase(
        "states.edit_agreement",
        actor="admin",
        audit="agreement.updated",
        build=_edit_agreement,
        forbidden=(),
        variant="admin",
    ),
    WriteCase(
        "states.new_stage",
        actor="coordinator",
        audit="stage.created",
        build=_new_stage,
        forbidden=NOT_COORDINATORS,
    ),
    WriteCase(
        "states.edit_stage",
        actor="coordinator",
        audit="stage.updated",
        build=_edit_stage,
        forbidden=NOT_COORDINATORS,
    ),
    WriteCase(
        "states.stage_action",
        actor="coordinator",
        audit="stage.scheduled",
        build=_action("schedule", {"on": (date.today() + timedelta(days=3)).isoformat()}),
        forbidden=NOT_COORDINATORS,
        variant="schedule",
    ),
    WriteCase(
        "states.stage_action",
        actor="coordinator",
        audit="stage.postponed",
        build=_action("postpone", lambda: {"on": (date.today() + timedelta(days=40)).isoformat()}),
        forbidden=NOT_COORDINATORS,
        variant="postpone",
    ),
    WriteCase(
        "states.stage_action",
        actor="coordinator",
        audit="stage.held",
        build=_action("hold", {"on": date.today().isoformat()}),
        forbidden=NOT_COORDINATORS,
        variant="hold",
    ),
    WriteCase(
        "states.stage_action",
        actor="admin",
        audit="stage.cancelled",
        build=_action("cancel", {}),
        forbidden=NOT_COORDINATORS,
        variant="cancel",
    ),
    WriteCase(
        "states.move_stage",
        actor="coordinator",
        audit="stage.moved",
        build=_move,
        forbidden=NOT_COORDINATORS,
    ),
    # The campaign's key messages: coordinators and admins keep them.
    WriteCase(
        "key_messages.new",
        actor="coordinator",
        audit="key_message.created",
        build=_new_key_message,
        forbidden=NOT_COORDINATORS,
        also_allowed=("admin",),
    ),
    WriteCase(
        "key_messages.edit",
        actor="coordinator",
        audit="key_message.updated",
        build=_edit_key_message,
        forbidden=NOT_COORDINATORS,
        also_allowed=("admin",),
    ),
    WriteCase(
        "key_messages.move",
        actor="coordinator",
        audit="key_message.moved",
        build=_move_key_message,
        forbidden=NOT_COORDINATORS,
    ),
    WriteCase(
        "key_messages.remove",
        actor="admin",
        audit="key_message.removed",
        build=_remove_key_message,
        forbidden=NOT_COORDINATORS,
    ),
]
