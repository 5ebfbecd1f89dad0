"""What `celery --app tests.jobs.worker:celery worker` loads in the job tests: the app on the test's
database and queue (from WORKER_* variables), with the crm tasks and one of the tests'.

`tests.hold` does its work through `crm.jobs.services.run` like every task of the app: it
adds a section named after the job and attempt, says it is holding (a file), and waits,
inside its transaction, until the test lets it go (another file): the moment to kill it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery import Task

from config import TestingConfig
from crm import create_app
from crm.auth.models import Section
from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import Job

flask_app = create_app(
    TestingConfig,
    SQLALCHEMY_DATABASE_URI=os.environ["WORKER_DATABASE_URL"],
    CELERY_BROKER_URL=os.environ["WORKER_BROKER_URL"],
    JOBS_QUEUE=os.environ["WORKER_QUEUE"],
    JOBS_LEASE_SECONDS=float(os.environ["WORKER_LEASE_SECONDS"]),
    JOBS_RETRY_SECONDS=0.2,
    # The made packs' folder of the test that started the worker (tests/briefings).
    PACKS_FOLDER=os.environ.get("PACKS_FOLDER", TestingConfig.PACKS_FOLDER),
)
celery = flask_app.extensions["celery"]
FLAGS = Path(os.environ["WORKER_FLAGS"])


@celery.task(bind=True, name="tests.hold")
def hold(self: Task, job_id: int) -> None:
    services.run(self, job_id, _hold)


def _hold(job: Job) -> dict[str, Any]:
    db.session.add(Section(name=f"{job.key} attempt {job.attempts}"))
    db.session.flush()
    (FLAGS / f"holding-{job.id}-{job.attempts}").touch()
    release = FLAGS / f"release-{job.id}"
    while not release.exists():
        time.sleep(0.05)
    return {"attempt": job.attempts}
