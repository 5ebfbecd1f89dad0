"""A CSV of representatives uploaded on the web, and imported by a job as `crm import-csv`
imports it from the command line.

The upload is read at once for what needs no database (size, encoding, header, number of
rows); the job checks every row against the records with reads only, then writes them in
bulk under the write lock, in the transaction that marks it done (crm/interchange/imports.py
says how an import runs, and holds what a CSV's and a roster's share).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.auth.models import User
from crm.errors import Conflict, DomainError
from crm.extensions import db
from crm.interchange.csv_import import (
    CsvRejected,
    CsvReport,
    check_representatives,
    read_rows,
    write_representatives,
)
from crm.interchange.imports import (
    CSV_IMPORT,
    ERRORS_KEPT,
    NAMES_KEPT,
    Progress,
    finish,
    kept,
    reading,
    refused,
    requester_and_state,
    submit_import,
    unpacked,
)
from crm.jobs.models import Job
from crm.states.models import State


@dataclass(frozen=True)
class Upload:
    """A CSV file received, read far enough to refuse it at once when it cannot be imported
    at all; its rows are checked against the records by the job."""

    raw: bytes
    source: str
    rows: int


def read_upload(raw: bytes, source: str) -> Upload:
    """The upload, or CsvRejected (with line numbers) for what is wrong with the file as a
    whole: not UTF-8, empty, a wrong header, more rows than an import takes, not CSV. Reads
    no database; about a quarter of a second for 20,000 rows."""
    return Upload(raw, source, len(read_rows(raw)))


def submit_csv_import(
    actor: User,
    state: State,
    upload: Upload,
    *,
    check_only: bool,
    form_key: str | None = None,
    ip_address: str | None = None,
) -> Job:
    """Ask a worker to check the upload's rows and, unless `check_only`, import them into
    `state` as `actor`: the job, sent to the queue when the caller's transaction commits.

    The same form sent twice with the same file (a double tap, a resend) finds the job the
    first sending made; `form_key` None (a form without one) always asks anew."""
    return submit_import(
        CSV_IMPORT,
        actor,
        state,
        upload.raw,
        {
            "source": upload.source,
            "check_only": check_only,
            "rows": upload.rows,
            "ip_address": ip_address,
        },
        total=upload.rows,
        form_key=form_key,
    )


def run_csv_import(job: Job) -> dict[str, Any]:
    """The work of a CSV import job, for `crm.jobs.services.run`, which marks the job done in
    the transaction this returns in: the outcome (`outcome` says which) as the job's result.

    A file with bad rows, or an import the requester may no longer do, is an outcome
    (nothing written), not a failure; a change made by someone else at the very moment of
    the write (Conflict) and anything unexpected fail the attempt, which is tried again."""
    job_id = job.id
    requester = job.requested_by_id
    arguments = dict(job.arguments)
    total = int(arguments.get("rows") or 0)
    plan = None
    actor: User | None = None
    with reading():
        progress = Progress(job_id, total)
        try:
            actor, state = requester_and_state(requester, arguments)
            raw = unpacked(arguments)
            plan = check_representatives(raw, state, actor=actor, progress=progress)
        except Conflict:
            raise
        except CsvRejected as error:
            result = _rejected(error)
        except DomainError as error:
            result = refused(error)
        done = progress.done
    if plan is not None and arguments.get("check_only"):
        result = _reported("checked", plan.report)
    elif plan is not None:
        try:
            report = write_representatives(
                plan,
                actor=actor,
                source=str(arguments.get("source") or ""),
                ip_address=arguments.get("ip_address"),
            )
            result = _reported("imported", report)
        except Conflict:
            raise
        except CsvRejected as error:  # rows that became wrong since the check
            db.session.rollback()
            result = _rejected(error)
        except DomainError as error:
            db.session.rollback()
            result = refused(error)
    finish(job_id, arguments, done=done, total=total)
    return result


def _reported(outcome: str, report: CsvReport) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "summary": report.summary(),
        "state": report.state,
        "added": len(report.added),
        "changed": len(report.changed),
        "unchanged": report.unchanged,
        "new": report.added[:NAMES_KEPT],
        "changes": [
            [name, [kept(change) for change in what]] for name, what in report.changed[:NAMES_KEPT]
        ],
    }


def _rejected(error: CsvRejected) -> dict[str, Any]:
    return {
        "outcome": "rejected",
        "message": error.message,
        "problems": len(error.errors),
        "errors": [[e.line, kept(e.message)] for e in error.errors[:ERRORS_KEPT]],
    }
