"""Data in and out from the command line: `crm import-popolo`, `crm export-popolo`,
`crm import-votes`, `crm export-csv` and `crm import-csv`.

The command line acts as no user; the audit log names it, with the system user running it.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from crm.cli_support import committed, database_refused, fail, progress
from crm.db import today, write_intent
from crm.errors import DomainError
from crm.extensions import db
from crm.interchange import csvio
from crm.interchange.csv_import import CsvRejected, check_rows, read_rows, write_representatives
from crm.interchange.popolo.export import export_chamber
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.report import RosterReport, VoteReport
from crm.interchange.popolo.roster import import_roster
from crm.interchange.popolo.roster_in import read_roster
from crm.interchange.popolo.votes import import_vote_event
from crm.interchange.popolo.votes_in import read_vote_events
from crm.interchange.queries import find_chamber
from crm.interchange.services import record_export
from crm.states.models import Stage, StageResult, State
from crm.states.queries import get_state
from crm.votes.queries import get_stage

T = TypeVar("T")
W = TypeVar("W")


class _Report(Protocol):
    def lines(self) -> list[str]: ...


# Where an export goes.
OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of the standard output.",
)


@click.command("import-popolo")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code, e.g. FM.")
@click.option("--chamber", "chamber_name", required=True, help="Chamber name (made if missing).")
@click.option("--organization", help="The chamber's id in the file, when it has several.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_popolo_command(
    file: str, iso2: str, chamber_name: str, organization: str | None, dry_run: bool
) -> None:
    """Import a chamber's roster from a Popolo JSON file (e.g. EveryPolitician's)."""
    roster = _read(file, read_roster)

    def write(state: State) -> RosterReport:
        with progress(len(roster.persons), "Importing persons") as step:
            return import_roster(
                roster,
                state,
                chamber_name,
                progress=step,
                actor_label=_command_line_actor(),
                source=Path(file).name,
                organization_id=organization,
            )

    _import(file, dry_run, lambda: _state_for(iso2), write)


@click.command("export-popolo")
@with_appcontext
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code.")
@click.option("--chamber", "chamber_name", required=True, help="Chamber name.")
@OUTPUT
def export_popolo_command(iso2: str, chamber_name: str, output: str | None) -> None:
    """Export a chamber's roster as Popolo JSON (the importer reads it back unchanged)."""
    state = _state_for(iso2)
    chamber = find_chamber(state, chamber_name)
    if chamber is None:
        names = ", ".join(c.name for c in state.chambers) or "none"
        raise click.ClickException(f"{state.name} has no chamber {chamber_name!r} ({names}).")
    document = export_chamber(chamber)
    _deliver(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        output,
        chamber,
        what=f"Roster of the {chamber.name} of {state.name} (Popolo JSON)",
        done=f"Wrote {len(document['persons'])} person(s) and "
        f"{len(document['memberships'])} membership(s) to {output}.",
    )


@click.command("import-votes")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--stage", "stage_id", type=click.IntRange(1, 2**31 - 1), required=True,
              help="The stage's id (its page is /stages/ID).")  # fmt: skip
@click.option("--state", "iso2", help="Check that the stage is of this state.")
@click.option("--result", type=click.Choice(["pass", "fail", "deferred"]),
              help="The vote's result, when the file does not give it.")  # fmt: skip
@click.option("--vote-event", "event_id", help="The vote event's id, when the file has several.")
@click.option("--dry-run", is_flag=True, help="Check the file; write nothing.")
def import_votes_command(
    file: str,
    stage_id: int,
    iso2: str | None,
    result: str | None,
    event_id: str | None,
    dry_run: bool,
) -> None:
    """Record a Popolo VoteEvent (counts, group results, individual votes) at a stage."""
    votes_in = _read(file, read_vote_events)

    def write(stage: Stage) -> VoteReport:
        return import_vote_event(
            votes_in,
            stage,
            actor_label=_command_line_actor(),
            source=Path(file).name,
            result=StageResult(result) if result else None,
            event_id=event_id,
        )

    _import(file, dry_run, lambda: _stage_for(stage_id, iso2), write)


@click.command("export-csv")
@with_appcontext
@click.argument("what", type=click.Choice(["representatives", "interactions", "events"]))
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code.")
@OUTPUT
@click.option("--former", is_flag=True, help="Representatives: include former members.")
@click.option(
    "--include-restricted",
    is_flag=True,
    help="Include restricted content (otherwise a restricted contact shows only its date, "
    "and a stance observed in one only its month).",
)
def export_csv_command(
    what: str, iso2: str, output: str | None, former: bool, include_restricted: bool
) -> None:
    """Export a state's representatives, interactions or events as CSV (UTF-8 with BOM)."""
    state = _state_for(iso2)
    if what == "representatives":
        header = csvio.REPRESENTATIVE_COLUMNS
        stale_days = current_app.config["STALE_STANCE_DAYS"]
        rows = csvio.representative_rows(
            state,
            today(),
            may_see_restricted=include_restricted,
            former=former,
            stale_days=stale_days,
        )
    elif what == "interactions":
        header = csvio.INTERACTION_COLUMNS
        rows = csvio.interaction_rows(state, may_see_restricted=include_restricted)
    else:
        header, rows = csvio.EVENT_COLUMNS, csvio.event_rows(state)
    text = "".join(csvio.csv_chunks(header, rows))
    _deliver(
        text,
        output,
        state,
        what=f"{what.capitalize()} of {state.name} (CSV)",
        restricted=what == "interactions" and include_restricted,
        done=f"Wrote {text.count(chr(10)) - 1} row(s) to {output}.",
    )


@click.command("import-csv")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code.")
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
def import_csv_command(file: str, iso2: str, dry_run: bool) -> None:
    """Import representatives from a CSV file: every row, or none (columns: see README)."""
    # As on the page: the check only reads (no write lock, so the application keeps
    # saving meanwhile); only the bulk write, and not a dry run, takes the lock.
    state = _state_for(iso2)
    try:
        rows = read_rows(Path(file).read_bytes())
        with progress(len(rows), "Checking rows") as step:
            plan = check_rows(rows, state, None, today(), step)
        db.session.rollback()
        report = plan.report
        if not dry_run:
            with write_intent():
                report = write_representatives(
                    plan, actor_label=_command_line_actor(), source=Path(file).name
                )
                db.session.commit()
    except CsvRejected as error:
        db.session.rollback()
        for problem in error.errors:
            click.echo(f"{file}: {problem}", err=True)
        raise fail(file, str(error.message)) from None
    except DomainError as error:
        raise fail(file, str(error.message)) from None
    _echo_report(report, dry_run)


# --- What the commands share -------------------------------------------------------------------


def _command_line_actor() -> str:
    """Who the audit log names for an import or export run from the command line."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown user"
    return f"command line ({who})"[:254]


def _state_for(iso2: str) -> State:
    state = get_state(iso2)
    if state is None:
        raise click.ClickException(f"No state with the code {iso2!r}.")
    return state


def _stage_for(stage_id: int, iso2: str | None) -> Stage:
    stage = get_stage(stage_id)
    if stage is None:
        raise click.ClickException(f"No stage #{stage_id}.")
    if iso2 and stage.agreement.state.iso2 != iso2.upper():
        raise click.ClickException(
            f"Stage #{stage_id} is of {stage.agreement.state.name}, not {iso2.upper()}."
        )
    return stage


def _read(file: str, reader: Callable[[bytes], T]) -> T:
    """A Popolo file read (and checked, before any transaction); a problem is the error."""
    try:
        return reader(Path(file).read_bytes())
    except PopoloError as error:
        raise click.ClickException(f"{file}: {error.message}") from None


def _import(
    file: str, dry_run: bool, target: Callable[[], W], write: Callable[[W], _Report]
) -> None:
    """Import a file under the write lock and print what it did: `target` finds where it
    goes, `write` imports it there. Committed, or rolled back for a dry run; a problem
    with the file, a rule it breaks or a database that refuses it writes nothing."""
    with write_intent():
        where = target()
        try:
            report = write(where)
        except (PopoloError, DomainError) as error:
            raise fail(file, str(error.message)) from None
        except SQLAlchemyError as error:
            reason = database_refused(error)
            raise fail(file, f"the database refused the import ({reason})") from None
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    _echo_report(report, dry_run)


def _echo_report(report: _Report, dry_run: bool) -> None:
    if dry_run:
        click.echo("Dry run: nothing was written. The import would give:")
    for line in report.lines():
        click.echo(line)


def _deliver(
    text: str, output: str | None, target: object, *, what: str, done: str, restricted: bool = False
) -> None:
    """Audit an export, then write it to `output` (saying `done` on the standard error) or
    to the standard output. The reading transaction ends first: the audit entry is written
    in a short one of its own, and with no entry there is no file."""
    db.session.commit()
    with committed():
        record_export(
            None,
            target,
            what=what,
            restricted=restricted,
            via="cli",
            actor_label=_command_line_actor(),
        )
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_bytes(text.encode("utf-8"))
        click.echo(done, err=True)


COMMANDS = (
    import_popolo_command,
    export_popolo_command,
    import_votes_command,
    export_csv_command,
    import_csv_command,
)
