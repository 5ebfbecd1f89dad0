"""Write routes of the briefings feature, for tests/test_write_routes.py.

A pack's page POSTs to the address of the pack ("Try again") when its job failed: the
job is run again, audited as `job_retried`. Every role may print a state's pack, its full
roster and a representative's one-pager, so nobody is refused those; sections may not
print the overview. The pages of a job made for someone else are tested in
test_progress.py."""

from __future__ import annotations

from collections.abc import Callable

from crm.briefings import services
from crm.briefings.queries import MAKE_PACK, target_of
from crm.extensions import db
from crm.jobs.models import Job, JobStatus
from tests.world import World
from tests.write_routes import WriteCase


def _failed_pack(
    who: str, kind: str, url: Callable[[World], str], target: Callable[[World], int | None]
) -> Callable[[World], tuple[str, dict[str, str]]]:
    """A failed job of the pack the route asks for, made for `who` from the records as
    they are: the one the route finds and runs again."""

    def build(world: World) -> tuple[str, dict[str, str]]:
        reader = getattr(world, who)
        asked = services.ask(kind, target_of(kind, target(world)), reader)
        db.session.add(
            Job(
                kind=MAKE_PACK,
                key=asked.key,
                arguments=asked.arguments,
                status=JobStatus.FAILED,
                attempts=5,
                last_error="OSError: No space left on device",
                requested_by_id=reader.id,
            )
        )
        db.session.commit()
        return url(world), {}

    return build


CASES = [
    WriteCase(
        "briefings.ask_state_pack",
        actor="member",
        audit="job_retried",
        build=_failed_pack(
            "member",
            "state",
            lambda w: f"/states/{w.home.state.iso2}/briefing",
            lambda w: w.home.state.id,
        ),
        forbidden=(),
    ),
    WriteCase(
        "briefings.ask_roster_pack",
        actor="staff",
        audit="job_retried",
        build=_failed_pack(
            "staff",
            "roster",
            lambda w: f"/states/{w.home.state.iso2}/roster",
            lambda w: w.home.state.id,
        ),
        forbidden=(),
    ),
    WriteCase(
        "briefings.ask_representative_pack",
        actor="staff",
        audit="job_retried",
        build=_failed_pack(
            "staff",
            "representative",
            lambda w: f"/representatives/{w.home.reps[0].id}/briefing",
            lambda w: w.home.reps[0].id,
        ),
        forbidden=(),
    ),
    WriteCase(
        "briefings.ask_overview_pack",
        actor="coordinator",
        audit="job_retried",
        build=_failed_pack(
            "coordinator", "overview", lambda w: "/briefings/overview", lambda w: None
        ),
        forbidden=("member", "other_member"),
    ),
]
