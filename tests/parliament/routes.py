"""Write routes of the parliament feature, for tests/test_write_routes.py."""

from __future__ import annotations

from datetime import date

from tests.world import World
from tests.write_routes import WriteCase


def _edit(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/representatives/{rep.id}/edit", {
        "version": str(rep.version),
        "name": rep.name,
        "given_name": rep.given_name or "",
        "family_name": rep.family_name or "",
        "sort_name": rep.sort_name,
        "gender": "",
        "languages": "ro, en",
        "influence": "4",
        "tags": "lawyer",
        "notes": "Edited in a test.",
        "do_not_contact_reason": "",
    }


def _stance(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[3]
    return f"/representatives/{rep.id}/stances/new", {
        "stance": "leaning_against",
        "source": "public_statement",
        "confidence": "medium",
        "observed_on": date.today().isoformat(),
        "note": "Said so on television.",
    }


CASES = [
    WriteCase(
        "parliament.edit",
        actor="member",
        audit="representative.updated",
        build=_edit,
        forbidden=("other_member", "staff", "coordinator"),
    ),
    WriteCase(
        "parliament.new_stance",
        actor="member",
        audit="stance.recorded",
        build=_stance,
        forbidden=("other_member", "staff", "coordinator"),
    ),
]
