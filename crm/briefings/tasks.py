"""The briefing packs' background work: making one pack, on a worker or, when no worker
takes it, in the process that waits for it.

A pack is made through `crm.jobs.services.run` wherever it is made, so its job is
claimed once: a worker and a web request that both want it never lay it out twice at
once, and the second finds it done. `run` reads the claimed job in a transaction with
write intent (BEGIN IMMEDIATE on SQLite); laying a pack out takes seconds, so `make`
ends that transaction, reads and lays out without write intent, and comes back for the
short write at the end: the audit entry, committed with the job marked done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from celery import Task, shared_task
from flask import current_app
from flask_babel import force_locale

from crm.auth.models import User
from crm.briefings import services, stored
from crm.briefings.queries import MAKE_PACK, TEMPLATES, may_print, target_of
from crm.db import set_write_intent, utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.jobs import services as jobs
from crm.jobs.models import Job, JobStatus

# How long a process waiting for a pack leaves it to the workers before making it itself
# (a worker takes a message within milliseconds when one is free), how often it looks,
# and how long a web request waits at most (gunicorn ends a request after 30 s).
WORKER_GRACE_SECONDS = 2.0
POLL_SECONDS = 0.2
REQUEST_WAIT_SECONDS = 25.0


@shared_task(bind=True, name=MAKE_PACK)
def make_pack(self: Task, job_id: int) -> None:
    """Make the pack job `job_id` asks for (crm.briefings.services.ask_for)."""
    jobs.run(self, job_id, make)


def make(job: Job) -> dict[str, Any]:
    """The work of a pack's job: read the pack as its reader sees it now, in its language,
    lay it out, keep the PDF and audit it. Returns the job's result: the file and what the
    download is called."""
    job_id, arguments = job.id, dict(job.arguments)
    kind, via = arguments["pack"], arguments.get("via", "web")
    locale = services.language_of(job)
    db.session.rollback()  # run() has read the claimed row only: nothing is lost
    set_write_intent(False)
    try:
        # WeasyPrint is loaded with the first pack, not with the app (seconds): after the
        # rollback, like everything slow.
        from crm.briefings.render import render_pdf

        reader = db.session.get(User, arguments["reader"]) if arguments["reader"] else None
        target = target_of(kind, arguments["target"])
        if arguments["reader"] and (reader is None or not may_print(kind, target, reader)):
            raise DomainError("The reader may no longer print this pack.")
        # Read and laid out in the language it was asked in, wherever it is made (a worker
        # has no request, and a request making it here may speak another).
        with force_locale(locale):
            pack = services.build(kind, target, reader)
            if bool(pack.can_see_restricted) is not bool(arguments["restricted"]):
                # The reader's access changed since they asked: this job's key promised
                # another view. They ask again (a new key) from the page.
                raise DomainError("The reader's access changed since the pack was asked for.")
            pdf = render_pdf(TEMPLATES[kind], pack=pack)
            filename = services.download_name(pack)
        db.session.rollback()  # the reads end here: no transaction is held while writing
    finally:
        set_write_intent(True)  # back to run()'s intent, for the short write below
    name = stored.store(job_id, pdf.data)
    entry = services.record_printed(reader, pack, pdf, via=via, locale=locale)
    return {
        "file": name,
        "filename": filename,
        "pages": pdf.pages,
        "bytes": len(pdf.data),
        "reference": pack.imprint.reference,
        "audit_entry": entry.id,
    }


# --- Waiting for a pack, and making it here -------------------------------------------------


def run_here(job_id: int) -> None:
    """Make the pack of job `job_id` in this process if nobody holds it."""
    jobs.run_here(job_id, make)


def grace() -> float:
    """How long to leave a pack to the workers: none when the broker is this process's
    memory (no worker can see the message: the tests' pages)."""
    if str(current_app.config.get("CELERY_BROKER_URL", "")).startswith("memory://"):
        return 0.0
    return WORKER_GRACE_SECONDS


def _fresh(job_ids: Iterable[int]) -> list[Job]:
    db.session.rollback()  # a new snapshot: what the workers committed since
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.id.in_(list(job_ids)))
            .execution_options(populate_existing=True)
        )
    )


def _waiting(job: Job) -> bool:
    """Open and held by nobody: queued, retrying, or running on a claim that lapsed."""
    if job.status in (JobStatus.QUEUED, JobStatus.RETRYING):
        return True
    return job.status is JobStatus.RUNNING and (job.lease_until or utcnow()) < utcnow()


def wait_for(job_id: int, *, wait: float | None = None) -> Job | None:
    """Job `job_id` once finished, or as it stands after `wait` seconds (a web request's
    longest by default; None if it is gone). A job no worker has taken within the grace
    period is made here, once: after a failed attempt here it is returned as it is, to
    be retried by the workers."""
    wait = REQUEST_WAIT_SECONDS if wait is None else wait
    started = time.monotonic()
    tried = False
    while True:
        job = _fresh_one(job_id)
        if job is None or not job.status.is_open:
            return job
        waited = time.monotonic() - started
        if not tried and _waiting(job) and waited >= grace():
            tried = True
            run_here(job_id)
            job = _fresh_one(job_id)
            if job is None or not job.status.is_open or _waiting(job):
                return job
            continue  # another process took it first: wait for that one
        if waited >= wait:
            return job
        time.sleep(POLL_SECONDS)


def see_through(job_ids: list[int], done: Callable[[Job], None]) -> dict[int, Job]:
    """Wait until each of the jobs has finished, calling `done` with each as it does.
    While workers are making them, only wait; when none has been seen at work (a job
    running, or finished by another process) for the grace period, make them here one
    after another (workers that start meanwhile join in: each job is claimed once). A job
    that failed here is not waited for any longer."""
    pending = list(dict.fromkeys(job_ids))
    finished: dict[int, Job] = {}
    tried: set[int] = set()
    busy = time.monotonic()  # when a worker was last seen at work (or we began waiting)
    while pending:
        now = {job.id: job for job in _fresh(pending)}
        for job_id in list(pending):
            job = now.get(job_id)
            if job is None or not job.status.is_open or (job_id in tried and _waiting(job)):
                pending.remove(job_id)
                if job is not None:
                    finished[job_id] = job
                    done(job)
                if job_id not in tried:
                    busy = time.monotonic()
        if not pending:
            break
        if any(not _waiting(now[i]) for i in pending):
            busy = time.monotonic()
        idle = time.monotonic() - busy >= grace()
        todo = next((i for i in pending if _waiting(now[i])), None) if idle else None
        if todo is not None:
            tried.add(todo)
            run_here(todo)
            continue
        time.sleep(POLL_SECONDS)
    return finished


def _fresh_one(job_id: int) -> Job | None:
    found = _fresh([job_id])
    return found[0] if found else None
