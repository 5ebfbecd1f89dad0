"""Asking for background work and running it exactly once in effect.

`submit` finds or adds the job's row; the message goes to the broker only once the
transaction that added the row has committed (a worker must find the row, and a rolled
back request asks for nothing). `run` is how every task does its work: it claims the row
(one worker at a time), does the work and marks the row done in one transaction, so a
second delivery of the same message finds the work done and does nothing; a failure rolls
the work back and is retried with backoff, then shown to admins as failed."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from crm.audit.services import record
from crm.db import utcnow, write_intent
from crm.errors import DomainError
from crm.extensions import db
from crm.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

# Messages to send once the session's transaction has committed: (task name, row id).
_TO_SEND = "jobs_to_send"
# Longest wait between two attempts of a failing job.
_MOST_BACKOFF = timedelta(hours=1)


class Retrying(Protocol):
    """What `run` needs of the Celery task it runs in (`Task.retry`)."""

    def retry(self, *, countdown: float, max_retries: int | None, exc: Any = None) -> Any: ...


def submit(
    kind: str,
    key: str,
    arguments: dict[str, Any] | None = None,
    *,
    requested_by: Any = None,
    send: bool = True,
) -> Job:
    """The job doing `kind` for `key`: the one asked for before (open or finished), or a new
    one, sent to the queue when the caller's transaction commits (unless not `send`: the
    caller runs it itself)."""
    job = db.session.scalar(sa.select(Job).where(Job.key == key))
    if job is not None:
        return job
    job = Job(
        kind=kind,
        key=key,
        arguments=arguments or {},
        status=JobStatus.QUEUED,
        requested_by_id=getattr(requested_by, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        # Asked for at the same moment by another request or scheduler: that one's row.
        return db.session.scalars(sa.select(Job).where(Job.key == key)).one()
    if send:
        _send_after_commit(job)
    return job


def scheduled(kind: str, key: str, arguments: dict[str, Any] | None = None) -> int:
    """For a task the scheduler sent without a job: the id of the job for `key`, found or
    added (and committed) here, so that two schedulers, or one message delivered twice,
    share one job. The task goes on to `run` it."""
    with write_intent():
        job_id = submit(kind, key, arguments, send=False).id
        db.session.commit()
    return job_id


def retry(actor: Any, job: Job) -> Job:
    """Run a failed job again (an admin's choice, from the jobs page)."""
    if job.status is not JobStatus.FAILED:
        raise DomainError(f"Only a failed job can be run again; this one is {job.status.label}.")
    before = {"status": job.status.value, "attempts": job.attempts}
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.worker = None
    job.lease_until = None
    job.finished_at = None
    db.session.flush()
    record(
        actor,
        "job_retried",
        job,
        before=before,
        after={"status": job.status.value},
        summary=job.key,
    )
    _send_after_commit(job)
    return job


def run(task: Retrying, job_id: int, work: Callable[[Job], dict[str, Any] | None]) -> None:
    """Do `work` for job `job_id` if it is still to be done, and mark it done in the same
    transaction. `work` writes (it runs under the write lock on SQLite); its return value
    is kept as the job's result."""
    if not _claim(job_id):
        job = db.session.get(Job, job_id)
        db.session.rollback()
        if job is None or not job.status.is_open:
            return  # done (or failed for good) already: this delivery has nothing to do
        # Another worker holds it; look again once its claim would have lapsed.
        lease = job.lease_until or utcnow()
        raise task.retry(countdown=_seconds_until(lease) + 1, max_retries=None)
    try:
        with write_intent():
            job = db.session.get_one(Job, job_id, populate_existing=True)  # claimed just now
            result = work(job)
            job.status = JobStatus.SUCCEEDED
            job.result = result
            job.finished_at = utcnow()
            job.lease_until = None
            db.session.commit()
    except Exception as error:
        db.session.rollback()
        attempts = _record_failure(job_id, error)
        if attempts is None:
            log.exception("job %s failed for good", job_id)
            return
        raise task.retry(countdown=backoff(attempts), max_retries=None, exc=error) from error


class _NotNow(Exception):
    """`run` would have the task try again later: another process holds the job, or this
    attempt failed (and is recorded on the job)."""


class _InThisProcess:
    """What `run` needs of a task, for a job run outside a worker."""

    def retry(self, *, countdown: float, max_retries: int | None, exc: Any = None) -> Any:
        return _NotNow(countdown)


def run_here(job_id: int, work: Callable[[Job], dict[str, Any] | None]) -> None:
    """Do `work` for job `job_id` in this process, as a worker would (`run`: claimed once,
    whoever else wants it), if nobody holds it: one attempt, whose failure is recorded on
    the job for the workers to retry. For a process that waits for a job no worker took."""
    db.session.rollback()  # a claim is a write: it starts a transaction of its own
    with contextlib.suppress(_NotNow):
        run(_InThisProcess(), job_id, work)
    db.session.rollback()


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: doubling from JOBS_RETRY_SECONDS, up to an hour,
    with jitter so that jobs failing together do not all come back together."""
    base = float(current_app.config["JOBS_RETRY_SECONDS"]) * 2.0 ** max(attempts - 1, 0)
    return min(base, _MOST_BACKOFF.total_seconds()) * random.uniform(0.8, 1.2)  # noqa: S311


def sweep() -> int:
    """Send again the jobs whose message never reached a worker (the broker was down when
    they were asked for, or a broker without redelivery lost them with their worker):
    queued or retrying for longer than the claim time, or running on a lapsed claim. The
    claim makes a message sent twice harmless. Returns how many were sent."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    stale = sa.or_(
        sa.and_(
            Job.status.in_([JobStatus.QUEUED, JobStatus.RETRYING]), Job.updated_at < now - lease
        ),
        sa.and_(Job.status == JobStatus.RUNNING, Job.lease_until < now - lease),
    )
    with write_intent():
        jobs = list(db.session.scalars(sa.select(Job).where(stale).order_by(Job.id).limit(500)))
        for job in jobs:
            job.updated_at = now  # sent again at most once per claim time
            _send_after_commit(job)
        db.session.commit()
    return len(jobs)


# --- inside -------------------------------------------------------------------------------


def _claim(job_id: int) -> bool:
    """Take the job for this worker, in a transaction of its own, if nobody holds it."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    with write_intent():
        claimed = db.session.execute(
            sa.update(Job)
            .where(
                Job.id == job_id,
                sa.or_(
                    Job.status.in_([JobStatus.QUEUED, JobStatus.RETRYING]),
                    sa.and_(Job.status == JobStatus.RUNNING, Job.lease_until < now),
                ),
            )
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                worker=f"{socket.gethostname()}:{os.getpid()}"[:120],
                lease_until=now + lease,
                started_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]  # a CursorResult


def _record_failure(job_id: int, error: Exception) -> int | None:
    """Note the failure on the job: retrying (returns the attempts so far) while attempts
    remain, failed (returns None) after the last."""
    with write_intent():
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None:
            return None
        job.last_error = f"{type(error).__name__}: {error}"[:4000]
        job.lease_until = None
        if job.attempts < current_app.config["JOBS_MAX_ATTEMPTS"]:
            job.status = JobStatus.RETRYING
        else:
            job.status = JobStatus.FAILED
            job.finished_at = utcnow()
        attempts = job.attempts if job.status is JobStatus.RETRYING else None
        db.session.commit()
    return attempts


def _seconds_until(moment: datetime) -> float:
    return max((moment - utcnow()).total_seconds(), 0.0)


def _send_after_commit(job: Job) -> None:
    db.session.flush()  # the id the message names
    send_after_commit(job.kind, job.id)


def send_after_commit(task: str, row_id: int) -> None:
    """Send Celery task `task` for row `row_id` once the session's transaction commits
    (a worker must find the row; a rolled back transaction sends nothing). A broker that
    cannot be reached leaves the row waiting, for its sweep."""
    db.session.info.setdefault(_TO_SEND, []).append((task, row_id))


def _send(session: Session) -> None:
    waiting = session.info.pop(_TO_SEND, None)
    if not waiting:
        return
    celery = current_app.extensions["celery"]
    for task, row_id in waiting:
        try:
            celery.send_task(task, args=[row_id])
        except Exception:  # the row stays queued, and the sweep sends it later
            log.warning("could not send %s %s to the queue; it will be sent again", task, row_id)


def _forget(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(_TO_SEND, None)


def init_sending() -> None:
    """Listen once, for every session the app makes."""
    for name, listener in (("after_commit", _send), ("after_soft_rollback", _forget)):
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)
