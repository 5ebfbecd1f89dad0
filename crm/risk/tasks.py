"""The risk module's background work: the daily snapshot (scheduled by beat)."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import Task, shared_task

from crm.db import today
from crm.errors import DomainError
from crm.jobs import services as jobs
from crm.jobs.models import Job
from crm.risk.models import SnapshotReason
from crm.risk.services import take_snapshots
from crm.states.queries import active_campaign

DAILY_SNAPSHOT = "risk.daily_snapshot"


@shared_task(bind=True, name=DAILY_SNAPSHOT)
def daily_snapshot(self: Task, job_id: int | None = None) -> None:
    """Record every state's risk once a day. The scheduler sends it without a job: the day's
    job is found or made here, so two schedulers (or a message sent twice) write one."""
    if job_id is None:
        on = today().isoformat()
        job_id = jobs.scheduled(DAILY_SNAPSHOT, f"{DAILY_SNAPSHOT}:{on}", {"on": on})
    jobs.run(self, job_id, _snapshot)


def _snapshot(job: Job) -> dict[str, Any]:
    campaign = active_campaign()
    if campaign is None:
        raise DomainError("There is no active campaign to snapshot.")
    on = date.fromisoformat(job.arguments["on"])
    return {"written": take_snapshots(campaign, SnapshotReason.DAILY, on=on)}
