"""A chamber's Popolo roster (an EveryPolitician file, or our own export) uploaded on the web,
and imported by a job as `crm import-popolo` imports it from the command line.

It runs as a CSV upload does (crm/interchange/imports.py: the file waits in the job's row,
the same progress page, the same people may see it), with two differences. The upload is
read whole at once, with no database: a file that is not a Popolo roster, or an
organization id the file does not have, is said next to its field. And the import cannot
check everything before it writes — the importer matches, adds and ends seats as it goes
(crm/interchange/popolo/roster.py) — so the job does it under the write lock, in the
transaction that marks the job done: all or nothing, written once however often the job
is delivered. A check only does the same and rolls it back, keeping the report.

The web imports into a chamber the state has: making a chamber is the coordinators' (the
command line still makes one for a new roster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from crm.auth.models import User
from crm.errors import Conflict, DomainError
from crm.extensions import db
from crm.i18n import marked
from crm.interchange.imports import (
    CHAMBER_GONE,
    ERRORS_KEPT,
    NAMES_KEPT,
    POPOLO_IMPORT,
    ImportRefused,
    Progress,
    finish,
    kept,
    reading,
    refused,
    requester_and_state,
    submit_import,
    unpacked,
)
from crm.interchange.popolo.chamber import file_chamber
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.report import RosterReport
from crm.interchange.popolo.roster import import_roster
from crm.interchange.popolo.roster_in import RosterIn, read_roster
from crm.interchange.queries import get_chamber
from crm.jobs.models import Job
from crm.parliament.models import Chamber
from crm.said import Said, translated
from crm.states.models import State

# How the page says to choose among the organizations of a file (the command line: a flag).
CHOOSE_ORGANIZATION = marked("enter the chamber's id in the file in “Organization id in the file”")


class RosterRejected(DomainError):
    """An uploaded roster that cannot be imported at all, said next to `field`."""


@dataclass(frozen=True)
class RosterUpload:
    """A roster received and read whole: a Popolo document whose chamber is known."""

    raw: bytes
    source: str
    persons: int
    organization_id: str | None


def read_roster_upload(
    raw: bytes, source: str, state: State, chamber: Chamber, organization_id: str | None
) -> RosterUpload:
    """The upload, or RosterRejected naming the field at fault: the file when it is not a
    Popolo roster (with the line and column of a JSON error), the organization id when the
    file has none such, or several organizations and none chosen. Writes nothing."""
    try:
        roster = read_roster(raw)
    except PopoloError as error:
        # What is wrong with the file is the reader's (crm/interchange/popolo).
        problem = translated(error.message)
        raise RosterRejected(
            _("The file cannot be imported: %(problem)s.", problem=problem), field="roster"
        ) from None
    try:
        file_chamber(
            roster,
            state,
            chamber.name,
            organization_id,
            how_to_choose=Said.gettext(CHOOSE_ORGANIZATION),
        )
    except PopoloError as error:
        message = translated(error.message)
        raise RosterRejected(
            f"{message[:1].upper()}{message[1:]}.", field="organization_id"
        ) from None
    return RosterUpload(raw, source, len(roster.persons), organization_id)


def submit_popolo_import(
    actor: User,
    state: State,
    chamber: Chamber,
    upload: RosterUpload,
    *,
    check_only: bool,
    form_key: str | None = None,
) -> Job:
    """Ask a worker to import the roster into `chamber` as `actor` (or, `check_only`, to say
    what importing it would do): the job, sent to the queue when the caller commits."""
    return submit_import(
        POPOLO_IMPORT,
        actor,
        state,
        upload.raw,
        {
            "source": upload.source,
            "check_only": check_only,
            "chamber_id": chamber.id,
            "organization_id": upload.organization_id,
            "persons": upload.persons,
        },
        total=upload.persons,
        form_key=form_key,
        asked=(str(chamber.id), upload.organization_id or ""),
    )


def run_popolo_import(job: Job) -> dict[str, Any]:
    """The work of a roster import job, for `crm.jobs.services.run`, which marks the job
    done in the transaction the import is written in: the outcome as the job's result.

    A file the importer refuses, or an import the requester may no longer do, is an
    outcome (nothing written); a conflict with another writer and anything unexpected
    fail the attempt, which is tried again (the job keeps the file until it is done)."""
    job_id = job.id
    requester = job.requested_by_id
    arguments = dict(job.arguments)
    total = int(arguments.get("persons") or 0)
    asked: tuple[User, State, str, RosterIn] | None = None
    result: dict[str, Any] = {}
    with reading():
        progress = Progress(job_id, total)
        try:
            actor, state = requester_and_state(requester, arguments)
            chamber = get_chamber(state, int(arguments.get("chamber_id") or 0))
            if chamber is None:
                raise ImportRefused(CHAMBER_GONE)
            # By its name now: a chamber renamed since the upload is still the one chosen.
            asked = (actor, state, chamber.name, read_roster(unpacked(arguments)))
        except PopoloError as error:
            result = _unreadable(error)
        except DomainError as error:
            result = refused(error)
    if asked is not None:
        actor, state, chamber_name, roster = asked
        progress.while_writing()
        try:
            report = import_roster(
                roster,
                state,
                chamber_name,
                actor=actor,
                source=str(arguments.get("source") or ""),
                organization_id=arguments.get("organization_id"),
                progress=progress,
            )
        except Conflict:
            raise
        except PopoloError as error:
            db.session.rollback()
            result = _unreadable(error)
        except DomainError as error:
            db.session.rollback()
            result = refused(error)
        else:
            if arguments.get("check_only"):
                db.session.rollback()  # what it would do is said; none of it is kept
                result = _reported("checked", report)
            else:
                result = _reported("imported", report)
    finish(job_id, arguments, done=progress.done, total=total)
    return result


def _reported(outcome: str, report: RosterReport) -> dict[str, Any]:
    # The report's lines below its summary, as the page says them (ImportProgress.report).
    lines = [_kept_entry(kind, what) for kind, what in report.entries()]
    return {
        "outcome": outcome,
        "summary": report.summary(),
        "state": report.state,
        "chamber": report.chamber,
        "added": len(report.added),
        "changed": len(report.changed),
        "ended": len(report.ended),
        "unchanged": report.unchanged,
        "warnings": len(report.warnings),
        "report": lines[:ERRORS_KEPT],
        "more_lines": max(len(lines) - ERRORS_KEPT, 0),
        "new": report.added[:NAMES_KEPT],
    }


def _kept_entry(kind: str, what: Any) -> list[Any]:
    """A line of the report as the job keeps it: its kind, and what it says as JSON."""
    if kind == "changed":
        name, changes = what
        return [kind, [name, [kept(change) for change in changes]]]
    return [kind, kept(what)]


def _unreadable(error: PopoloError) -> dict[str, Any]:
    # `message` in English; the page says `problem` in the reader's language.
    return {
        "outcome": "refused",
        "message": f"Nothing was imported: {error.message}.",
        "problem": kept(error.message),
    }
