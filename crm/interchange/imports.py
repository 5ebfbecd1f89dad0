"""Imports from the web as background work: a CSV of representatives
(crm/interchange/csv_upload.py), or a chamber's Popolo roster
(crm/interchange/roster_upload.py), is uploaded, checked at once for what needs no
database (size, encoding, header, number of rows; for a roster, that it is a Popolo
document), and handed to a worker with a job; the state's import page follows the job's
progress and shows its outcome. What both kinds share (the file in the job's row, the
progress count, the lookup of a state's imports) is here.

Where the file waits: in the job's own row, compressed (a roster of 20,000 people is about
200 KB so). Every web server and worker shares the database, so no folder has to be shared
between machines; the file exists exactly as long as its job wants it (a request rolled back
leaves neither); and it is dropped from the row when the job is done. A job that failed
keeps it, so that an administrator can run it again from the jobs page.

How progress shows: `crm.jobs.services.run` commits a job's work in one transaction, which
nobody sees until it ends. So the work first checks every row with reads only — holding no
write lock, as the upload page always did — and writes how many rows it has checked to the
job's row every half second, in a short transaction of its own on another connection. Then
the checked rows are written in bulk, and the job is marked done, in one short transaction
under the write lock. What the import writes is all or nothing, and it commits together with
the job's "done": a second delivery of the job finds it done and writes nothing, and a worker
that dies half-way leaves nothing written, for the next delivery to do again.

Who sees it: whoever may import representatives into the job's state (that state's section
and administrators) — the same people, whoever uploaded the file. A job of another state, or
any other job, is "not found" (ids are guessable: nothing tells them apart from ids that do
not exist).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import OperationalError

from crm.auth.models import User
from crm.auth.permissions import Action, require
from crm.db import is_busy, set_write_intent, write_intent
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import marked
from crm.interchange.queries import MAX_ID
from crm.jobs import services as jobs
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative
from crm.said import Said, translated
from crm.states.models import State

if TYPE_CHECKING:
    from datetime import datetime

# The job of a CSV import, and of a Popolo roster's (the Celery tasks' names:
# crm/interchange/tasks.py).
CSV_IMPORT = "interchange.import_csv"
POPOLO_IMPORT = "interchange.import_popolo"
IMPORT_KINDS = (CSV_IMPORT, POPOLO_IMPORT)
# The name of the file the rows come from, when they were pasted into the form.
PASTED = "(pasted)"
# The uploaded file, in the job's arguments until the job is done.
_CONTENT = "file_zlib_b64"
# How much of an outcome the job keeps, and the page lists: a file of 20,000 bad rows would
# otherwise keep megabytes of messages (the count of all of them is kept).
ERRORS_KEPT = 1000
NAMES_KEPT = 200

# Why a job imported nothing, when the reason is ours: kept in English in the job's result
# (a worker has no reader), and said in the reader's language on the page.
REQUESTER_GONE = marked("The account that uploaded the file no longer exists.")
STATE_GONE = marked("The state is no longer on record.")
CHAMBER_GONE = marked("The chamber is no longer on record.")
FILE_GONE = marked("The uploaded file is no longer kept: upload it again.")
MAY_NO_LONGER = marked(
    "The account that uploaded the file may no longer change these representatives."
)
REASONS = frozenset((REQUESTER_GONE, STATE_GONE, CHAMBER_GONE, FILE_GONE, MAY_NO_LONGER))


class ImportRefused(DomainError):
    """The job could not do the import at all (nothing was written): said on its page."""


# --- Asking for an import (the upload's request) ------------------------------------------------


def submit_import(
    kind: str,
    actor: User,
    state: State,
    raw: bytes,
    arguments: dict[str, Any],
    *,
    total: int,
    form_key: str | None,
    asked: tuple[str, ...] = (),
) -> Job:
    """The job of import `kind` of the file `raw` into `state` as `actor` (who must be
    allowed to import there), with `arguments` and the file kept in the job's row.

    The same form sent twice with the same file and the same choices (`check_only` in
    `arguments`, and what else `asked` names) finds the job the first sending made;
    `form_key` None (a form without one) always asks anew."""
    require(actor, Action.CREATE, Representative, state=state)
    digest = hashlib.sha256()
    check = "check" if arguments.get("check_only") else "import"
    for part in (form_key or secrets.token_hex(16), check, *asked):
        digest.update(part.encode() + b"\0")
    digest.update(raw)
    job = jobs.submit(
        kind,
        f"{kind}:{state.id}:{actor.id}:{digest.hexdigest()}",
        {
            "state_id": state.id,
            **arguments,
            _CONTENT: base64.b64encode(zlib.compress(raw)).decode("ascii"),
        },
        requested_by=actor,
    )
    if job.total is None:
        job.total = total
    db.session.flush()
    return job


# --- Doing it (in a worker) ----------------------------------------------------------------------


def finish(job_id: int, arguments: dict[str, Any], *, done: int, total: int) -> None:
    """The job's row as an import leaves it, in the transaction `run` marks it done in: the
    count, and its arguments without the file (a failed attempt never gets here: its job
    keeps the file, for a retry)."""
    job = db.session.get_one(Job, job_id)  # the job run() marks done, read again if rolled back
    job.arguments = {key: value for key, value in arguments.items() if key != _CONTENT}
    job.done, job.total = done, total


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Read without the write lock inside a job's work, which `run` begins under it: its
    transaction ends (it only read the job), the block's reads take no lock, and what
    follows the block writes under the lock again, in a transaction of its own."""
    db.session.rollback()
    set_write_intent(False)
    try:
        yield
    finally:
        db.session.rollback()
        set_write_intent(True)


class Progress:
    """Counts the rows (or persons) checked, and writes the count to the job's row every
    JOBS_PROGRESS_SECONDS in a short transaction on a connection of its own: the job's work
    commits only at its end, and a count kept in it would show nothing until then."""

    def __init__(self, job_id: int, total: int) -> None:
        self.job_id = job_id
        self.total = total
        self.done = 0
        self.next_write = 0.0
        self.quiet = False
        self._write()  # from nought again, on a second attempt too

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self.quiet:
            return
        if time.monotonic() >= self.next_write or self.done >= self.total:
            self._write()

    def while_writing(self) -> None:
        """The work now counts as it writes, holding the write lock until it ends. SQLite
        has one writer at a time: a count written from another connection would wait for
        the work's end, and slow it down for nothing, so there the count shows when the
        work is done. PostgreSQL writes it as it goes (the work leaves the job's row alone
        until its end)."""
        self.quiet = db.engine.dialect.name == "sqlite"

    def _write(self) -> None:
        statement = (
            sa.update(Job)
            .where(Job.id == self.job_id, Job.status == JobStatus.RUNNING)
            .values(done=self.done, total=self.total)
        )
        try:
            with write_intent(), db.engine.begin() as connection:
                connection.execute(statement)
        except OperationalError as error:
            # Another writer held the database for longer than we wait: the count shows at
            # the next write. The import is worth no failure for it.
            if not is_busy(error):
                raise
        finally:
            # Counted from now: a write that waited is not followed at once by another.
            self.next_write = time.monotonic() + current_app.config["JOBS_PROGRESS_SECONDS"]


def requester_and_state(requester: int | None, arguments: dict[str, Any]) -> tuple[User, State]:
    actor = db.session.get(User, requester) if requester is not None else None
    if actor is None:
        raise ImportRefused(REQUESTER_GONE)
    state = db.session.get(State, arguments.get("state_id"))
    if state is None:
        raise ImportRefused(STATE_GONE)
    return actor, state


def unpacked(arguments: dict[str, Any]) -> bytes:
    packed = arguments.get(_CONTENT)
    if not packed:
        raise ImportRefused(FILE_GONE)
    return zlib.decompress(base64.b64decode(packed))


def kept(words: Any) -> Any:
    """What the importers say (crm.said.Said) as a job's result keeps it, to be said in the
    reader's language when its page is read (a worker has no reader); names and counts as
    they are."""
    return words.kept() if isinstance(words, Said) else words


def refused(error: DomainError) -> dict[str, Any]:
    """The outcome of an import that could not be done: `reason` (what the page says, in the
    reader's language when it is one of REASONS) and `message` (the same in English)."""
    reason = MAY_NO_LONGER if isinstance(error, PermissionDenied) else error.message
    return {"outcome": "refused", "message": f"Nothing was imported. {reason}", "reason": reason}


def nothing_imported(problems: int) -> str:
    """What a rejected file's page says first (CsvRejected's message, in the reader's
    language)."""
    return ngettext(
        "Nothing was imported: %(num)d problem in the file.",
        "Nothing was imported: %(num)d problems in the file.",
        problems,
    )


# --- Following it (the progress page) ------------------------------------------------------------


def get_import(state: State, job_id: int) -> Job | None:
    """The import job `job_id` into `state`, or None: for any other job, of any kind or
    state, as for an id that does not exist."""
    if not 0 < job_id <= MAX_ID:
        return None
    job = db.session.get(Job, job_id)
    if job is None or job.kind not in IMPORT_KINDS or job.arguments.get("state_id") != state.id:
        return None
    return job


def recent_imports(state: State, limit: int = 5) -> list[Job]:
    """The latest import jobs (CSV and Popolo) into `state`, newest first."""
    of_state = sa.or_(
        *(
            sa.and_(Job.kind == kind, Job.key.startswith(f"{kind}:{state.id}:", autoescape=True))
            for kind in IMPORT_KINDS
        )
    )
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(of_state)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class ImportProgress:
    """An import job as its page tells it."""

    job: Job

    @property
    def is_roster(self) -> bool:
        """A Popolo roster's import (else a CSV's)."""
        return self.job.kind == POPOLO_IMPORT

    @property
    def source(self) -> str:
        source = str(self.job.arguments.get("source") or "")
        return _("pasted rows") if source in ("", PASTED) else source

    @property
    def check_only(self) -> bool:
        return bool(self.job.arguments.get("check_only"))

    @property
    def is_open(self) -> bool:
        return self.job.status.is_open

    @property
    def stage(self) -> str:
        """waiting, checking, writing, retrying, failed, or the outcome: imported, checked,
        rejected, refused."""
        status = self.job.status
        if status is JobStatus.SUCCEEDED:
            return str((self.job.result or {}).get("outcome", "imported"))
        if status is JobStatus.RUNNING:
            total = self.job.total or 0
            return "writing" if total and self.job.done >= total else "checking"
        return {
            JobStatus.QUEUED: "waiting",
            JobStatus.RETRYING: "retrying",
            JobStatus.FAILED: "failed",
        }[status]

    @property
    def done(self) -> int:
        return self.job.done

    @property
    def total(self) -> int:
        return self.job.total or 0

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def result(self) -> dict[str, Any]:
        return self.job.result or {}

    @property
    def asked_at(self) -> datetime:
        return self.job.created_at

    @property
    def summary(self) -> str:
        """What the import did (or would do), in counts, in the reader's language; as the
        job kept it (in English) for a job that kept no names with its counts (an older one)."""
        result = self.result
        counts = {
            key: int(result.get(key) or 0) for key in ("added", "changed", "ended", "unchanged")
        }
        if "state" not in result:
            return str(result.get("summary", ""))
        if self.is_roster:
            return _(
                "%(chamber)s of %(state)s: %(added)d added, %(changed)d changed, "
                "%(ended)d ended, %(unchanged)d unchanged",
                chamber=result.get("chamber", ""),
                state=result["state"],
                **counts,
            )
        return _(
            "%(state)s: %(added)d added, %(changed)d changed, %(unchanged)d unchanged",
            state=result["state"],
            **counts,
        )

    @property
    def message(self) -> str:
        """Why nothing was imported (a file rejected, or an import refused), in the reader's
        language."""
        result = self.result
        if result.get("outcome") == "rejected":
            return nothing_imported(int(result.get("problems") or 0))
        if "problem" in result:
            problem = translated(result["problem"])
            return _("Nothing was imported: %(problem)s.", problem=problem)
        if "reason" in result:
            reason = str(result["reason"])
            said = _(reason) if reason in REASONS else reason
            return _("Nothing was imported. %(reason)s", reason=said)
        return str(result.get("message", ""))

    @property
    def errors(self) -> list[tuple[int, str]]:
        """The rows of a rejected file, as far as they are kept (0: the file as a whole), with
        what is wrong with each in the reader's language."""
        return [(line, translated(message)) for line, message in self.result.get("errors", [])]

    @property
    def changes(self) -> list[tuple[str, list[str]]]:
        """Who a CSV file changed (as far as kept), and what of each, in the reader's
        language."""
        return [
            (name, [translated(change) for change in what])
            for name, what in self.result.get("changes", [])
        ]

    @property
    def report(self) -> list[str]:
        """A roster's report below its summary, as far as kept, a line each in the reader's
        language (crm.interchange.popolo.report.RosterReport.entries); an older job's, which
        kept the command line's English lines, as it was."""
        if "report" not in self.result:
            return [str(line).strip() for line in self.result.get("lines", [])]
        return [roster_line(kind, what) for kind, what in self.result["report"]]


def roster_line(kind: str, what: Any) -> str:
    """A line of a roster's report (a kind of RosterReport.entries, and what the job kept of
    it) in the reader's language."""
    if kind == "party":
        return _("new party: %(party)s", party=what)
    if kind == "added":
        return f"+ {what}"
    if kind == "changed":
        name, changes = what
        return f"~ {name}: " + "; ".join(translated(change) for change in changes)
    if kind == "ended":
        return "- " + _("%(name)s: seat ended", name=what)
    if kind == "left_alone":
        return _("Left alone (%(num)d):", num=what)
    if kind == "other_chambers":
        return ngettext(
            "Not in this chamber (skipped): %(num)d person",
            "Not in this chamber (skipped): %(num)d persons",
            what,
        )
    if kind == "warnings":
        return _("Warnings (%(num)d):", num=what)
    return translated(what)  # a change, a person skipped, a warning
