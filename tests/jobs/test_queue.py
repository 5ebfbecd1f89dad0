"""The job queue with real workers on the real Redis of this machine and on the embedded
broker: each task's effect happens once, whatever is delivered twice or dies half-way."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.auth.models import Section
from crm.db import today, utcnow, write_intent
from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import Job, JobStatus
from crm.risk.models import RiskSnapshot, SnapshotReason
from crm.risk.tasks import DAILY_SNAPSHOT
from tests.conftest import post_form, sign_in
from tests.jobs.queues import (
    drained,
    finished,
    job_with_key,
    queue_app,
    wait_for,
    worker_process,
    worker_thread,
)
from tests.pages import page, text
from tests.world import build_world


def _daily_snapshots() -> list[sa.Row[tuple[int, object]]]:
    return list(
        db.session.execute(
            sa.select(RiskSnapshot.state_id, RiskSnapshot.taken_on).where(
                RiskSnapshot.reason == SnapshotReason.DAILY
            )
        ).all()
    )


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_two_schedulers_asking_for_the_daily_snapshot_write_it_once(databases, tmp_path, broker):
    with queue_app(databases, "empty", tmp_path, broker) as app:
        world = build_world()
        db.session.execute(sa.delete(RiskSnapshot))  # the world's own, taken as it was built
        db.session.commit()
        celery = app.extensions["celery"]
        # What beat sends, twice: two schedulers, or one message delivered twice.
        celery.send_task(DAILY_SNAPSHOT)
        celery.send_task(DAILY_SNAPSHOT)
        key = f"{DAILY_SNAPSHOT}:{today().isoformat()}"
        with worker_thread(app):
            job = wait_for(finished(key), what="the day's snapshot job")
            assert job.status is JobStatus.SUCCEEDED, job.last_error
            # The second message finds the job done (or running, and comes back later).
            wait_for(drained(app), what="the second message")
        states = {world.home.state.id, world.other.state.id}
        assert sorted(_daily_snapshots()) == sorted((state, today()) for state in states)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
        assert job.attempts == 1
        assert job.result == {"written": 2}


def _sections_named(key: str) -> list[str]:
    return list(db.session.scalars(sa.select(Section.name).where(Section.name.like(f"{key} %"))))


def test_a_worker_killed_mid_task_leaves_the_task_done_exactly_once(databases, tmp_path):
    with queue_app(databases, "empty", tmp_path, "redis") as app:
        with write_intent():
            job = services.submit("tests.hold", "hold:kill")
            db.session.commit()
        with worker_process(app, tmp_path) as worker:
            wait_for(lambda: (tmp_path / f"holding-{job.id}-1").exists(), what="the first attempt")
            running = job_with_key("hold:kill")
            assert running.status is JobStatus.RUNNING
            child = int(running.worker.rsplit(":", 1)[1])
            assert child != worker.pid  # the pool's process, not the worker's main one
            os.kill(child, signal.SIGKILL)  # half-way: its section added, not committed
            (tmp_path / f"release-{job.id}").touch()
            done = wait_for(finished("hold:kill"), what="the job after its worker died")
        assert done.status is JobStatus.SUCCEEDED, done.last_error
        assert done.attempts == 2
        assert done.result == {"attempt": 2}
        assert _sections_named("hold:kill") == ["hold:kill attempt 2"]
        assert "WorkerLostError" in (tmp_path / "worker.log").read_text()


def test_a_job_another_worker_holds_waits_until_its_claim_lapses(databases, tmp_path):
    with queue_app(databases, "empty", tmp_path, "redis") as app:
        build_world()
        db.session.execute(sa.delete(RiskSnapshot))
        with write_intent():
            job = services.submit(DAILY_SNAPSHOT, "risk.daily_snapshot:held", {"on": "2026-12-01"})
            # Claimed a moment ago by a worker elsewhere, which then went silent.
            job.status = JobStatus.RUNNING
            job.attempts = 1
            job.worker = "elsewhere:1"
            lease_until = utcnow() + timedelta(seconds=app.config["JOBS_LEASE_SECONDS"])
            job.lease_until = lease_until
            db.session.commit()
        with worker_thread(app):
            wait_for(drained(app), what="the message to be taken")
            held = job_with_key("risk.daily_snapshot:held")
            assert held.status is JobStatus.RUNNING  # left to the worker holding it
            assert held.worker == "elsewhere:1"
            done = wait_for(finished("risk.daily_snapshot:held"), what="the lapsed claim")
        assert done.status is JobStatus.SUCCEEDED
        assert done.attempts == 2
        assert done.worker != "elsewhere:1"
        assert done.started_at >= lease_until
        assert len(_daily_snapshots()) == 2


def test_a_failing_job_is_retried_then_shown_failed_and_an_admin_runs_it_again(databases, tmp_path):
    with queue_app(databases, "empty", tmp_path, "redis", JOBS_MAX_ATTEMPTS=2) as app:
        world = build_world()
        world.campaign.is_active = False  # nothing to snapshot: every attempt fails
        db.session.execute(sa.delete(RiskSnapshot))
        db.session.commit()
        app.extensions["celery"].send_task(DAILY_SNAPSHOT)
        key = f"{DAILY_SNAPSHOT}:{today().isoformat()}"
        with worker_thread(app):
            failed = wait_for(finished(key), what="the job to fail")
        assert failed.status is JobStatus.FAILED
        assert failed.attempts == 2
        assert failed.last_error == "DomainError: There is no active campaign to snapshot."

        client = app.test_client()
        sign_in(client, world.admin)
        row = text(page(client, "/admin/jobs?status=failed").select_one(f"#job-{failed.id}"))
        assert "Failed" in row
        assert "no active campaign" in row
        assert "Run again" in row

        world.campaign.is_active = True
        db.session.commit()
        answer = post_form(client, f"/admin/jobs/{failed.id}/retry", page="/admin/jobs")
        assert answer.status_code == 302
        with worker_thread(app):
            done = wait_for(finished(key), what="the job run again")
        assert done.status is JobStatus.SUCCEEDED
        assert done.attempts == 1
        assert done.id == failed.id
        assert len(_daily_snapshots()) == 2


def test_a_job_whose_message_was_lost_is_sent_again_by_the_sweep(databases, tmp_path):
    with queue_app(databases, "empty", tmp_path, "embedded") as app:
        build_world()
        db.session.execute(sa.delete(RiskSnapshot))
        with write_intent():
            # Asked for while the broker was down: the row, and no message.
            job = services.submit(
                DAILY_SNAPSHOT, "risk.daily_snapshot:lost", {"on": "2026-12-01"}, send=False
            )
            job.updated_at = utcnow() - timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 1)
            db.session.commit()
        with worker_thread(app):
            assert services.sweep() == 1
            assert services.sweep() == 0  # sent again at most once per claim time
            done = wait_for(finished("risk.daily_snapshot:lost"), what="the lost job")
        assert done.status is JobStatus.SUCCEEDED
        assert {taken_on.isoformat() for _state, taken_on in _daily_snapshots()} == {"2026-12-01"}


def test_every_scheduled_task_is_one_a_worker_runs(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what a worker imports as it starts
    scheduled = {entry["task"] for entry in celery.conf.beat_schedule.values()}
    assert scheduled == {DAILY_SNAPSHOT, "jobs.sweep", "mail.notify"}
    assert scheduled <= set(celery.tasks)
    assert celery.conf.task_acks_late
    assert celery.conf.task_reject_on_worker_lost


def test_the_jobs_page_says_which_filter_it_could_not_use(app, client):
    world = build_world()
    sign_in(client, world.admin)
    soup = page(client, "/admin/jobs?since=yesterday&status=lost", status=400)
    assert "Some filters could not be used" in text(soup)
    assert soup.select_one("#status-error, .field-error, [id$='-error']") is not None


def test_every_task_leaves_counting_retries_to_its_row(app):
    """Retries are counted on the row (JOBS_MAX_ATTEMPTS, MAIL_MAX_ATTEMPTS), not by
    Celery, whose default stops after 3 (tests/interchange checks a job failing 5 times)."""
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    assert all(
        celery.tasks[name].max_retries is None
        for name in celery.tasks
        if not name.startswith("celery.")
    )
