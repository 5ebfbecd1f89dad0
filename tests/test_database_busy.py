"""A database held by another writer answers 503 with Retry-After, never 500, and writes
nothing; reading (checking a CSV file included) does not wait for the lock at all.

Another connection holds the lock the way a long write would: on SQLite the database's
write lock (BEGIN IMMEDIATE), on PostgreSQL the audit log's table, which every write adds
an entry to (the lock timeout is then what makes the request give up).
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from crm.auth.models import TokenScope, UserSession
from crm.auth.services import create_token
from crm.db import is_busy, utcnow
from crm.errors import DatabaseBusy
from crm.extensions import db
from crm.interactions.models import FollowUp
from tests.conftest import PG_URL, csrf_token, login, make_app, row_counts
from tests.factories import PASSWORD

# How long the app under test waits for a lock before giving up.
WAIT_MS = 200


@pytest.fixture
def impatient(app: Flask) -> Iterator[Flask]:
    """A second app on the same database that waits only WAIT_MS for a lock."""
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.commit()
    other = make_app(url, SQLITE_BUSY_TIMEOUT_MS=WAIT_MS, PG_LOCK_TIMEOUT_MS=WAIT_MS)
    yield other
    with other.app_context():
        db.engine.dispose()


@contextlib.contextmanager
def held_lock(app: Flask) -> Iterator[None]:
    """Another connection holds the write lock until the block ends."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
        finally:
            connection.rollback()
            connection.close()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            # Every write a request makes writes an audit entry or asks for a job.
            connection.exec_driver_sql("LOCK TABLE audit_entries, jobs IN EXCLUSIVE MODE")
            yield
            connection.rollback()
    finally:
        engine.dispose()


def _follow_up_form(world) -> dict[str, str]:
    return {
        "title": "Ask for a meeting with the committee chair",
        "due_on": (date.today() + timedelta(days=5)).isoformat(),
        "assignee": str(world.member.id),
        "representative": str(world.home.reps[0].id),
    }


def _follow_ups() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))


def test_a_form_posted_while_another_writer_holds_the_database_answers_503(app, impatient, world):
    client = impatient.test_client()
    assert login(client, world.member.email, PASSWORD).status_code == 302
    url = f"/follow-ups/new?state={world.home.state.iso2}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    before = _follow_ups()

    with held_lock(app):
        response = client.post(url, data={**_follow_up_form(world), "csrf_token": token})

    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.headers["Retry-After"] == str(DatabaseBusy.retry_after)
    assert "text/html" in response.content_type
    body = response.get_data(as_text=True)
    assert "The database is busy" in body
    assert "try again in a few seconds" in body
    assert _follow_ups() == before

    # Once the lock is gone, the same form saves.
    again = client.post(url, data={**_follow_up_form(world), "csrf_token": token})
    assert again.status_code == 302
    assert _follow_ups() == before + 1


def test_an_api_write_while_another_writer_holds_the_database_is_a_503_problem(
    app, impatient, world
):
    raw, _token = create_token(None, world.member, name="tests", scope=TokenScope.API)
    db.session.commit()
    body = {
        "state": world.home.state.iso2,
        "title": "Ask for the committee's timetable",
        "due_on": str(date.today() + timedelta(days=7)),
        "assignee_id": world.member.id,
    }
    before = _follow_ups()
    client = impatient.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    # The first use of a token notes it; let that write happen before the lock is taken.
    assert client.get("/api/v1/follow-ups", headers=headers).status_code == 200

    with held_lock(app):
        response = client.post("/api/v1/follow-ups", json=body, headers=headers)

    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == str(DatabaseBusy.retry_after)
    problem = response.get_json()
    assert (problem["status"], problem["title"]) == (503, "Service unavailable")
    assert "The database is busy" in problem["detail"]
    assert _follow_ups() == before


def test_reading_a_page_does_not_wait_for_the_write_lock(app, impatient, world):
    client = impatient.test_client()
    assert login(client, world.member.email, PASSWORD).status_code == 302
    with held_lock(app):
        assert client.get(f"/states/{world.home.state.iso2}").status_code == 200


def test_a_session_due_its_activity_note_still_reads_while_the_database_is_held(
    app, impatient, world
):
    client = impatient.test_client()
    assert login(client, world.member.email, PASSWORD).status_code == 302
    # Last seen long enough ago that this request would note the session's activity.
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()

    with held_lock(app):
        response = client.get(f"/states/{world.home.state.iso2}")

    assert response.status_code == 200
    # The note was given up, not half-written; the next request takes it.
    assert client.get(f"/states/{world.home.state.iso2}").status_code == 200
    db.session.rollback()
    seen = db.session.scalar(sa.select(sa.func.max(UserSession.last_seen_at)))
    assert utcnow() - seen < timedelta(minutes=1)


CSV = "name,chamber,start_date\nRadu Ionescu,{chamber},2024-12-20\nAna Pop,{chamber},2024-01-09\n"


def _upload(client, world, **extra: str):
    url = f"/states/{world.home.state.iso2}/representatives/import"
    token = csrf_token(client.get(url).get_data(as_text=True))
    content = CSV.format(chamber=world.home.chamber.name).encode()
    return client.post(
        url,
        data={"file": (io.BytesIO(content), "reps.csv"), "csrf_token": token, **extra},
        content_type="multipart/form-data",
    )


def test_a_command_line_dry_run_takes_no_write_lock_and_writes_nothing(
    app, impatient, world, tmp_path
):
    path = tmp_path / "reps.csv"
    path.write_text(CSV.format(chamber=world.home.chamber.name), encoding="utf-8")
    args = ["crm", "import-csv", str(path), "--state", world.home.state.iso2]
    before = row_counts()

    with held_lock(app):
        dry = impatient.test_cli_runner().invoke(args=[*args, "--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was written" in dry.output
    assert row_counts() == before
    imported = impatient.test_cli_runner().invoke(args=args)
    assert imported.exit_code == 0, imported.output
    assert row_counts() != before


# The rows of a web upload are checked by a worker, with no write lock held
# (tests/interchange/test_import_jobs.py watches its progress while it reads); the request
# only writes the job asking for it, and that write waits for the lock like any other.
@pytest.mark.parametrize("check_only", [{}, {"check_only": "y"}], ids=["import", "check"])
def test_asking_for_an_import_while_another_writer_holds_the_database_answers_503(
    app, impatient, world, check_only
):
    client = impatient.test_client()
    assert login(client, world.member.email, PASSWORD).status_code == 302
    before = row_counts()

    with held_lock(app):
        response = _upload(client, world, **check_only)

    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert row_counts() == before
    assert _upload(client, world, **check_only).status_code == 302


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's own error (this run is PostgreSQL)")
def test_sqlite_lock_errors_are_recognised(tmp_path):
    path = tmp_path / "busy.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            other.execute("BEGIN IMMEDIATE")
    finally:
        holder.rollback()
        holder.close()
        other.close()
    assert is_busy(raised.value)
    assert not is_busy(sqlite3.OperationalError("no such table: t"))
