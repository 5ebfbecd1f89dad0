"""A roster of 20,000 rows on a real worker, on the real Redis of this machine: the upload's
request does none of the import; the worker's progress shows on the import's page while
it checks the rows; the rows arrive once, and a second delivery of the job writes nothing."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interchange.imports import CSV_IMPORT
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative
from tests.conftest import QueryCounter, csrf_token, sign_in
from tests.interchange.jobs import post_multipart
from tests.jobs.queues import drained, queue_app, wait_for, worker_thread
from tests.pages import text
from tests.world import build_world

ROWS = 20_000
WRITES = ("INSERT", "UPDATE", "DELETE")


def _roster(world, count: int, first: int = 0) -> bytes:
    chamber, party = world.home.chamber.name, world.home.parties[0].name
    lines = ["name,chamber,party,start_date,email,wikidata"] + [
        f"Member {n:05d} Imported,{chamber},{party},2024-01-09,m{n}@parliament.example,"
        f"Q{5_000_000 + n}"
        for n in range(first, first + count)
    ]
    return ("\n".join(lines) + "\n").encode()


def _people_in(state_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).where(Representative.state_id == state_id))


def _imported_entries() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "csv.imported"))


def test_20000_rows_are_imported_by_a_worker_with_progress_shown_and_only_once(databases, tmp_path):
    # A count written every few milliseconds: checking 20,000 rows on an idle machine can
    # take less than the half second a user's import waits between two.
    with queue_app(databases, "empty", tmp_path, "redis", JOBS_PROGRESS_SECONDS=0.005) as app:
        world = build_world()
        state_id = world.home.state.id
        people = _people_in(state_id)
        client = app.test_client()
        sign_in(client, world.member)
        token = csrf_token(client.get("/account").get_data(as_text=True))
        url = f"/states/{world.home.state.iso2}/representatives/import"

        def upload(content: bytes, name: str):
            counter = QueryCounter()
            sa.event.listen(db.engine, "before_cursor_execute", counter)
            try:
                response = post_multipart(
                    client, url, {"file": (content, name), "csrf_token": token}
                )
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", counter)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            return urlsplit(response.headers["Location"]).path, counter

        # No worker runs yet: whatever the requests did, they did alone.
        _one, one_row = upload(_roster(world, 1, first=ROWS), "one.csv")
        path, many_rows = upload(_roster(world, ROWS), "roster.csv")

        # Counted, not timed: 20,000 rows ask for the same statements as one, and none of
        # them writes a representative.
        assert many_rows.count == one_row.count
        writes = [s for s in many_rows.statements if s.lstrip().startswith(WRITES)]
        assert writes
        assert not [s for s in writes if "representatives" in s or "audit_entries" in s]
        assert _people_in(state_id) == people
        job_id = int(path.rsplit("/", 1)[1])

        seen: list[tuple[str, int]] = []
        # What the worker wrote as it counted (read off the statements, not by polling: a
        # loaded machine answers the page too slowly to catch every count).
        counted: list[int] = []

        def count_written(_conn, _cursor, statement, _parameters, context, _many) -> None:
            if statement.lstrip().upper().startswith("UPDATE JOBS SET DONE"):
                values = context.compiled_parameters[0]
                if job_id in [v for k, v in values.items() if k.startswith("id")]:
                    counted.append(values["done"])

        sa.event.listen(db.engine, "before_cursor_execute", count_written)
        with worker_thread(app):
            deadline = time.monotonic() + 600
            while True:
                response = client.get(path)
                assert response.status_code == 200
                soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
                status = text(soup.select_one("[role=status]"))
                bar = soup.select_one("progress")
                if bar is not None:
                    assert response.headers["Refresh"] == f"2; url={path}"
                    assert bar["max"] == str(ROWS)
                    seen.append((status, int(bar["value"])))
                if status.startswith("Imported:"):
                    break
                assert time.monotonic() < deadline, seen[-5:]
                time.sleep(0.15)

            assert status == (
                f"Imported: {world.home.state.name}: {ROWS} added, 0 changed, 0 unchanged."
            )
            assert "Refresh" not in response.headers
            sa.event.remove(db.engine, "before_cursor_execute", count_written)
            # The count moved while the rows were checked, and the page showed the counts
            # it found, in order, with the rows checked before the saving began.
            assert [done for done in counted if 0 < done < ROWS], counted
            assert counted == sorted(counted)
            checking = [done for words, done in seen if words.startswith("Checking rows")]
            assert checking == sorted(checking)
            assert set(checking) <= set(counted)
            assert any(words.startswith(f"All {ROWS} rows checked") for words, _ in seen), seen
            for words, done in seen:
                match = re.match(r"Checking rows: (\d+) of (\d+)\.", words)
                if match:
                    assert (int(match[1]), int(match[2])) == (done, ROWS)

            assert _people_in(state_id) == people + ROWS + 1
            assert _imported_entries() == 2
            # Delivered again (a worker lost, a broker redelivering): nothing more is written.
            app.extensions["celery"].send_task(CSV_IMPORT, args=[job_id])
            wait_for(drained(app), what="the second delivery")

        assert _people_in(state_id) == people + ROWS + 1
        assert _imported_entries() == 2
        job = db.session.get_one(Job, job_id)
        assert (job.status, job.attempts, job.done, job.total) == (
            JobStatus.SUCCEEDED,
            1,
            ROWS,
            ROWS,
        )
        assert job.result["added"] == ROWS
        assert "file_zlib_b64" not in job.arguments
