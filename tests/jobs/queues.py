"""Apps whose jobs go to a real broker, with a queue of their own, and real workers.

`queue_app` builds an app on its own copy of a template database whose Celery app sends to
Redis on this machine (or to the embedded broker in a file); `worker_thread` runs a Celery
worker in this process (Celery's own test worker), and `worker_process` a real
`celery worker` with a prefork pool, for the tests that kill one mid-task."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from celery.contrib.testing.worker import start_worker
from flask import Flask

from crm.extensions import db
from crm.jobs.models import Job, JobStatus
from tests.conftest import app_on

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def queue_app(databases, kind: str, tmp_path: Path, broker: str, **config) -> Iterator[Flask]:
    """An app inside its app context, on a fresh copy of template `kind`, whose jobs go to
    `broker` ("redis" or "embedded") on a queue no other test uses."""
    if broker == "redis" and not _redis_answers():
        pytest.fail(f"Redis does not answer at {REDIS_URL}: the job tests need it")
    broker_url = REDIS_URL if broker == "redis" else f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    settings = {
        "CELERY_BROKER_URL": broker_url,
        "JOBS_QUEUE": f"crm-test-{uuid.uuid4().hex[:12]}",
        "JOBS_RETRY_SECONDS": 0.2,
        "JOBS_LEASE_SECONDS": 2.0,
    } | config
    with app_on(databases, kind, tmp_path, **settings) as app:
        try:
            yield app
        finally:
            _purge(app)


def _purge(app: Flask) -> None:
    celery = app.extensions["celery"]
    with contextlib.suppress(Exception), celery.connection_for_write() as conn:
        conn.default_channel.queue_delete(app.config["JOBS_QUEUE"])


@contextlib.contextmanager
def worker_thread(app: Flask) -> Iterator[None]:
    """A Celery worker in a thread of this process (solo pool), on the app's queue."""
    with start_worker(app.extensions["celery"], perform_ping_check=False, loglevel="WARNING"):
        yield


@contextlib.contextmanager
def worker_process(app: Flask, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`celery worker` as production runs it (prefork, one child), on the app's database and
    queue, with the test tasks of tests/jobs/worker.py registered too."""
    env = os.environ | {
        "WORKER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "WORKER_BROKER_URL": app.config["CELERY_BROKER_URL"],
        "WORKER_QUEUE": app.config["JOBS_QUEUE"],
        "WORKER_LEASE_SECONDS": str(app.config["JOBS_LEASE_SECONDS"]),
        "WORKER_FLAGS": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            *(sys.executable, "-m", "celery", "--app", "tests.jobs.worker:celery", "worker"),
            *("--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO"),
            *("--without-heartbeat", "--without-mingle", "--without-gossip"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- running jobs in this process -------------------------------------------------------
# Pages under test send their jobs to an in-memory queue that no worker reads
# (TestingConfig). `run_queued_jobs` does what a worker would do with each message: it runs
# the job's own Celery task in this process (Celery's `apply`: the same task, claim, work
# and "done" as on a worker; a retry runs again at once instead of after its wait).


def run_job(app: Flask, job_id: int) -> Job:
    """Deliver job `job_id`'s message once more to a worker in this process, and wait for it."""
    db.session.commit()  # what the test made is what the worker sees
    kind = db.session.get_one(Job, job_id).kind
    db.session.commit()  # and the test's next read sees what the worker did
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # every task a worker registers when it starts
    # Not `throw`: a retry is then run again at once, as its wait would end on a worker; and
    # a job that fails for good is the job's outcome (its row says so), not the caller's.
    celery.tasks[kind].apply(args=[job_id])
    return db.session.get_one(Job, job_id)


def run_queued_jobs(app: Flask) -> list[Job]:
    """Run every job still waiting for a worker, oldest first; returns them as they ended."""
    db.session.commit()
    waiting = db.session.scalars(
        sa.select(Job.id)
        .where(Job.status.in_([JobStatus.QUEUED, JobStatus.RETRYING]))
        .order_by(Job.id)
    ).all()
    return [run_job(app, job_id) for job_id in waiting]


def wait_for(condition: Callable[[], object], timeout: float = 30, what: str = "") -> object:
    """Poll `condition` (reading the database afresh each time) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a new snapshot of what the workers committed
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.1)


def job_with_key(key: str) -> Job | None:
    return db.session.scalar(sa.select(Job).where(Job.key == key))


def finished(key: str) -> Callable[[], Job | None]:
    def check() -> Job | None:
        job = job_with_key(key)
        return job if job is not None and not job.status.is_open else None

    return check


def drained(app: Flask) -> Callable[[], bool]:
    """Whether the app's queue is empty and the in-process worker holds no message."""
    from celery.worker import state

    def check() -> bool:
        with app.extensions["celery"].connection_for_read() as conn:
            # Declared, not looked up: Redis keeps no empty queue.
            waiting = conn.default_channel.queue_declare(app.config["JOBS_QUEUE"]).message_count
        return waiting == 0 and not state.reserved_requests

    return check
