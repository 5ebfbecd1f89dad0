"""Write routes of the jobs feature, for tests/test_write_routes.py."""

from __future__ import annotations

from crm.db import utcnow
from crm.extensions import db
from crm.jobs.models import Job, JobStatus
from tests.world import World
from tests.write_routes import WriteCase


def _failed_job(world: World) -> tuple[str, dict[str, str]]:
    job = Job(
        kind="risk.daily_snapshot",
        key="risk.daily_snapshot:2026-11-30",
        arguments={"on": "2026-11-30"},
        status=JobStatus.FAILED,
        attempts=5,
        last_error="OperationalError: the database was locked",
        finished_at=utcnow(),
    )
    db.session.add(job)
    db.session.commit()
    return f"/admin/jobs/{job.id}/retry", {}


CASES = [
    WriteCase(
        "jobs.retry",
        actor="admin",
        audit="job_retried",
        build=_failed_job,
        forbidden=("member", "coordinator", "staff"),
    )
]
