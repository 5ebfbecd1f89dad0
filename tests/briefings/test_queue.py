"""Packs made on the job queue with real workers on the real Redis of this machine: a
`celery worker` process as production runs it, or none at all.

A pack made by the worker process names that process in its job (`worker`, "host:pid"),
which tells it from a pack made by the request itself."""

from __future__ import annotations

import os
import threading
import time

import pytest

from crm.auth.models import Section
from crm.briefings import tasks
from crm.db import write_intent
from crm.extensions import db
from crm.jobs.models import JobStatus
from tests.briefings.made import pack_jobs, printed
from tests.briefings.pdf import read
from tests.conftest import sign_in
from tests.jobs.queues import queue_app, wait_for, worker_process
from tests.world import build_world


@pytest.fixture
def packs(tmp_path, monkeypatch):
    """The packs' folder, the same for the app and the worker processes it starts."""
    folder = tmp_path / "packs"
    monkeypatch.setenv("PACKS_FOLDER", str(folder))
    return folder


def _settings(packs) -> dict[str, object]:
    # A claim longer than any pack here takes: a slow layout is not taken over mid-way.
    return {"PACKS_FOLDER": str(packs), "JOBS_LEASE_SECONDS": 120.0}


@pytest.fixture
def patient(monkeypatch):
    """Leave packs to the workers for longer than the 2 s a request leaves them: on a
    machine this loaded, a worker may take longer than that to claim one, and the waiting
    process would rightly make it itself."""
    monkeypatch.setattr(tasks, "WORKER_GRACE_SECONDS", 60.0)


def _ready(app) -> None:
    """Wait until the worker process answers: starting one takes longer than a request
    leaves a pack to the workers."""
    celery = app.extensions["celery"]
    wait_for(lambda: celery.control.ping(timeout=0.5), timeout=60, what="the worker to start")


def _made_by(job) -> int:
    return int(job.worker.rsplit(":", 1)[1])


def _made():
    (job,) = pack_jobs()
    return job if not job.status.is_open else None


def test_the_button_page_moves_on_to_the_pdf_a_worker_made(databases, tmp_path, packs):
    with queue_app(databases, "empty", tmp_path, "redis", **_settings(packs)) as app:
        world = build_world()
        client = sign_in(app.test_client(), world.member)
        with worker_process(app, tmp_path):
            asked = client.get(f"/states/{world.home.state.iso2}/briefing")
            assert asked.status_code == 200
            job = wait_for(_made, timeout=120, what="the worker to make the pack")
        assert job.status is JobStatus.SUCCEEDED, job.last_error
        assert _made_by(job) != os.getpid()
        assert asked.headers["Refresh"] == f"2; url=/briefings/packs/{job.id}"
        page = client.get(f"/briefings/packs/{job.id}")
        assert page.headers["Refresh"] == f"0; url=/briefings/packs/{job.id}.pdf"
        pdf = read(client.get(f"/briefings/packs/{job.id}.pdf").data)
        (entry,) = printed()
        assert entry.actor_id == world.member.id
        assert entry.after["reference"] in pdf.pages[-1]


def test_the_fixed_address_answers_with_the_pdf_the_worker_made(
    databases, tmp_path, packs, patient
):
    with queue_app(databases, "empty", tmp_path, "redis", **_settings(packs)) as app:
        world = build_world()
        client = sign_in(app.test_client(), world.staff)
        with worker_process(app, tmp_path):
            _ready(app)
            response = client.get(f"/representatives/{world.home.reps[0].id}/briefing.pdf")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/pdf"
        (job,) = pack_jobs()
        assert _made_by(job) != os.getpid()  # the request waited; the worker made it
        assert job.attempts == 1
        (entry,) = printed()
        assert entry.after["reference"] in read(response.data).text


def test_without_a_worker_the_fixed_address_makes_the_pack_itself(databases, tmp_path, packs):
    with queue_app(databases, "empty", tmp_path, "redis", **_settings(packs)) as app:
        world = build_world()
        client = sign_in(app.test_client(), world.coordinator)
        started = time.monotonic()
        response = client.get("/briefings/overview.pdf")
        assert response.status_code == 200
        # It left the pack to the workers for a moment first.
        assert time.monotonic() - started >= tasks.WORKER_GRACE_SECONDS
        (job,) = pack_jobs()
        assert _made_by(job) == os.getpid()
        assert len(printed()) == 1


def test_laying_a_pack_out_holds_no_write_lock(databases, tmp_path, packs, patient):
    """While a worker lays a pack out (seconds), others write at once: on SQLite a write
    transaction held across the layout would make them wait for it."""
    with queue_app(databases, "empty", tmp_path, "redis", **_settings(packs)) as app:
        world = build_world()
        client = sign_in(app.test_client(), world.coordinator)
        with worker_process(app, tmp_path):
            client.get(f"/states/{world.home.state.iso2}/briefing")
            wait_for(
                lambda: pack_jobs()[0].status is JobStatus.RUNNING,
                timeout=120,
                what="the worker to start on the pack",
            )
            db.session.rollback()  # a write of its own, begun as the app begins one
            started = time.monotonic()
            with write_intent():
                db.session.add(Section(name="Written while the pack is laid out"))
                db.session.commit()
            took = time.monotonic() - started
            (job,) = pack_jobs()
            assert job.status is JobStatus.RUNNING  # the write did not wait for the pack
            assert took < 1.0
            done = wait_for(_made, timeout=120, what="the pack")
        assert done.status is JobStatus.SUCCEEDED, done.last_error


def test_printing_the_same_pack_twice_at_once_makes_it_once(databases, tmp_path, packs):
    """A double click, or two tabs: both requests wait for one job, and get one PDF with
    one audit entry. No worker runs, so both requests want to make it: one claims it,
    the other waits for it."""
    with queue_app(databases, "empty", tmp_path, "redis", **_settings(packs)) as app:
        world = build_world()
        url = f"/states/{world.home.state.iso2}/briefing.pdf"
        clients = [sign_in(app.test_client(), world.staff) for _ in range(2)]
        answers: list[object] = [None, None]

        def fetch(n: int) -> None:
            answers[n] = clients[n].get(url)

        threads = [threading.Thread(target=fetch, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert [answer.status_code for answer in answers] == [200, 200]
        assert answers[0].data == answers[1].data
        (job,) = pack_jobs()
        assert job.attempts == 1  # claimed once: laid out once
        assert len(printed()) == 1


def test_briefings_all_fans_out_one_job_per_pack_to_the_workers(
    databases, tmp_path, packs, patient
):
    with queue_app(databases, "empty", tmp_path, "redis", **_settings(packs)) as app:
        world = build_world()
        out = tmp_path / "out"
        with worker_process(app, tmp_path):
            _ready(app)
            result = app.test_cli_runner().invoke(
                args=["crm", "briefings", "--all", "--roster", "--out", str(out)]
            )
        assert result.exit_code == 0, result.output
        assert "Making briefing packs" in result.output
        assert "Wrote 4 PDF(s)" in result.output
        jobs = pack_jobs()
        assert sorted(job.arguments["pack"] for job in jobs) == [
            "roster",
            "roster",
            "state",
            "state",
        ]
        assert all(_made_by(job) != os.getpid() for job in jobs)
        assert len(list(out.glob("*.pdf"))) == 4
        assert sorted(entry.state_id for entry in printed()) == sorted(
            [world.home.state.id, world.other.state.id] * 2
        )
