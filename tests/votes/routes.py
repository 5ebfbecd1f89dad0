"""Write routes of the votes feature, for tests/test_write_routes.py."""

from __future__ import annotations

from datetime import date

from tests.world import World
from tests.write_routes import WriteCase


def _record(world: World) -> tuple[str, dict[str, str]]:
    """The plenary vote of the home state: counts and a partial roll call."""
    stage = world.home.stages[1]
    yes, no, abstain, _unknown = world.home.reps
    return f"/stages/{stage.id}/vote", {
        "version": str(stage.version),
        "held_on": date.today().isoformat(),
        "result": "fail",
        "motion": "That the agreement be ratified.",
        "source": "https://parliament.example/votes/12",
        "count_yes": "2",
        "count_no": "3",
        "count_abstain": "1",
        "count_absent": "0",
        "count_not_voting": "",
        "count_paired": "",
        f"rep_{yes.id}": "yes",
        f"rep_{no.id}": "no",
        f"rep_{abstain.id}": "abstain",
    }


CASES = [
    # A section records its own state's votes…
    WriteCase(
        "votes.record",
        actor="member",
        audit="vote.recorded",
        build=_record,
        forbidden=("other_member", "staff"),
    ),
    # …and so does a coordinator, for any state.
    WriteCase(
        "votes.record",
        actor="coordinator",
        audit="vote.recorded",
        build=_record,
        forbidden=("other_member", "staff"),
        variant="coordinator",
    ),
]
