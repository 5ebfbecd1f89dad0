"""`flask --app wsgi crm …`: thin wrappers over the services."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import click
from flask import current_app
from flask.cli import AppGroup

from crm.db import write_intent
from crm.extensions import db

crm_cli = AppGroup("crm", help="Campaign CRM commands.")


@crm_cli.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (quietly) when the database already holds other data.",
)
def demo_command(if_empty: bool) -> None:
    """Load the demonstration data set (never in production). Safe to run twice."""
    import sqlalchemy as sa

    from crm.demo.loader import DEMO_PASSWORD, load_demo
    from crm.states.models import State

    if not current_app.config.get("DEMO_ALLOWED", False):
        raise click.ClickException("The demo data set is never loaded in production.")
    with write_intent():
        if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(State)):
            report = load_demo(dry_run=True)
            if not report.accounts_present:
                click.echo("The database already holds data: the demo set was not loaded.")
                return
        else:
            report = load_demo(progress=click.echo)
            db.session.commit()
    click.echo(report.describe())
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for email, role in report.accounts:
        click.echo(f"  {email:<28} {role}")


@crm_cli.command("create-user")
@click.argument("email")
@click.option("--name", default="", help="Display name (defaults to the e-mail).")
@click.option(
    "--role",
    type=click.Choice(["section", "coordinator", "staff", "admin"]),
    required=True,
)
@click.option("--section", "sections", multiple=True, help="Section name (repeatable).")
@click.password_option(help="Asked for when not given.")
def create_user_command(
    email: str, name: str, role: str, sections: tuple[str, ...], password: str
) -> None:
    """Create an account."""
    import sqlalchemy as sa

    from crm.auth.models import Role, Section
    from crm.auth.services import create_user
    from crm.errors import DomainError

    with write_intent():
        found = list(db.session.scalars(sa.select(Section).where(Section.name.in_(sections))))
        missing = set(sections) - {s.name for s in found}
        if missing:
            raise click.ClickException(f"No such section: {', '.join(sorted(missing))}")
        try:
            user = create_user(
                None, email=email, name=name, role=Role(role), password=password, sections=found
            )
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@crm_cli.command("set-enabled")
@click.argument("email")
@click.option("--enable/--disable", required=True, help="Disabling ends every session.")
def set_enabled_command(email: str, enable: bool) -> None:
    """Enable or disable an account."""
    from crm.auth.services import get_user_by_email, set_user_enabled

    with write_intent():
        user = get_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account for {email}.")
        set_user_enabled(None, user, enable)
        db.session.commit()
    click.echo(f"{user.email} is {'enabled' if enable else 'disabled'}.")


@crm_cli.command("risk")
@click.option("--all", "include_closed", is_flag=True, help="Include closed agreements.")
def risk_command(include_closed: bool) -> None:
    """Print every state's ratification risk, highest first."""
    from crm.risk.services import forecasts
    from crm.states.queries import active_campaign

    campaign = active_campaign()
    if campaign is None:
        raise click.ClickException("There is no active campaign.")
    click.echo(f"{campaign.name} (goal: {campaign.goal.value} ratification)")
    header = (
        f"{'state':<22} {'level':<9} {'risk':>6} {'p(ratify)':>9} {'next vote':>10} {'cover':>6}"
    )
    click.echo(header)
    click.echo("-" * len(header))
    for result in forecasts(campaign, open_only=not include_closed):
        f = result.forecast
        days = "" if f.days_to_next_vote is None else f"{f.days_to_next_vote} d"
        cover = "" if f.coverage is None else f"{f.coverage:.0%}"
        click.echo(
            f"{result.state.name[:22]:<22} {f.level.value:<9} {f.risk:>6.1%} "
            f"{f.probability:>9.1%} {days:>10} {cover:>6}"
        )
        for chamber in f.chambers:
            click.echo(
                f"    {chamber.name[:30]:<30} pass {chamber.pass_probability:>6.1%}  "
                f"expected yes {chamber.expected_yes:6.1f} / {chamber.threshold_label}"
            )


@crm_cli.command("snapshot-risk")
@click.option("--backfill", type=click.IntRange(1, 3650), help="Also rebuild this many days.")
@click.option("--step", type=click.IntRange(1, 90), default=7, show_default=True)
def snapshot_risk_command(backfill: int | None, step: int) -> None:
    """Record today's risk of every state (run daily, e.g. from cron)."""
    from crm.risk.models import SnapshotReason
    from crm.risk.services import backfill as rebuild
    from crm.risk.services import take_snapshots
    from crm.states.queries import active_campaign

    campaign = active_campaign()
    if campaign is None:
        raise click.ClickException("There is no active campaign.")
    with write_intent():
        rebuilt = rebuild(campaign, backfill, step) if backfill else 0
        written = take_snapshots(campaign, SnapshotReason.DAILY)
        db.session.commit()
    click.echo(f"Wrote {written} snapshot(s) for today and {rebuilt} rebuilt from history.")


token_cli = AppGroup("token", help="API and calendar tokens.")
crm_cli.add_command(token_cli)


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="command line", show_default=True)
@click.option("--scope", type=click.Choice(["api", "calendar"]), default="api", show_default=True)
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help="How long it works (at most a year).",
)
def token_create_command(email: str, name: str, scope: str, days: int) -> None:
    """Create a token for a user and print it once (only its hash is kept)."""
    from crm.auth.models import TokenScope
    from crm.auth.services import create_token, get_user_by_email
    from crm.errors import DomainError

    with write_intent():
        user = get_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account for {email}.")
        try:
            raw, token = create_token(None, user, name=name, scope=TokenScope(scope), days=days)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
    click.echo(
        f"Token {token.prefix}… for {user.email} ({scope}), works until "
        f"{token.expires_at:%d %b %Y %H:%M} UTC. "
        "Keep it secret; it is shown once:"
    )
    click.echo(raw)


@token_cli.command("revoke")
@click.argument("prefix")
def token_revoke_command(prefix: str) -> None:
    """Revoke the token whose printed prefix is PREFIX."""
    from crm.auth.services import revoke_token_by_prefix

    with write_intent():
        count = revoke_token_by_prefix(None, prefix)
        db.session.commit()
    if not count:
        raise click.ClickException(f"No live token starts with {prefix!r}.")
    click.echo(f"Revoked {count} token(s).")


@crm_cli.command("briefings")
@click.option("--state", "states", multiple=True, help="ISO 3166 code of a state (repeatable).")
@click.option("--all", "all_states", is_flag=True, help="Every state.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, writable=True),
    required=True,
    help="Folder to write the PDFs into (created if missing).",
)
@click.option(
    "--roster", is_flag=True, help="Also write each state's full roster (no cap) as a PDF."
)
@click.option(
    "--as",
    "as_email",
    help="Make the packs for this user: restricted content only if they may read it. "
    "Without it, the packs hold no restricted content.",
)
def briefings_command(
    states: tuple[str, ...], all_states: bool, out: str, roster: bool, as_email: str | None
) -> None:
    """Write the state briefing packs of many states at once, with a progress bar.

    Every pack written is audited, like one downloaded from the app.
    """
    from pathlib import Path

    import sqlalchemy as sa

    from crm.auth.services import get_user_by_email
    from crm.briefings import packs
    from crm.briefings.render import render_pdf, warm_up
    from crm.briefings.services import record_printed
    from crm.briefings.views import slug
    from crm.states.models import State
    from crm.states.queries import get_state

    if bool(states) == all_states:
        raise click.UsageError("Give --state (one or more) or --all.")
    actor = None
    if as_email:
        actor = get_user_by_email(as_email)
        if actor is None or not actor.is_enabled:
            raise click.ClickException(f"No enabled account for {as_email}.")
    if all_states:
        codes = list(db.session.scalars(sa.select(State.iso2).order_by(State.name)))
    else:
        codes = list(dict.fromkeys(code.upper() for code in states))
        known = set(db.session.scalars(sa.select(State.iso2).where(State.iso2.in_(codes))))
        if missing := [code for code in codes if code not in known]:
            raise click.ClickException(f"No such state: {', '.join(missing)}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    warm_up()  # the fonts, once, before the bar starts
    written: list[Path] = []
    jobs = [(code, kind) for code in codes for kind in ("state", "roster")[: 2 if roster else 1]]
    with click.progressbar(
        jobs,
        label="Writing briefing packs",
        item_show_func=lambda job: f"{job[0]} {job[1]}" if job else "",
    ) as bar:
        for code, kind in bar:
            state = get_state(code)
            if kind == "state":
                pack = packs.state_pack(state, actor)
                pdf = render_pdf("pdf/state.html", pack=pack)
                name = f"briefing-{state.iso2}-{slug(state.name)}-{pack.today.isoformat()}.pdf"
            else:
                pack = packs.roster_pack(state, actor)
                pdf = render_pdf("pdf/roster.html", pack=pack)
                name = f"roster-{state.iso2}-{slug(state.name)}-{pack.today.isoformat()}.pdf"
            # Rendered outside any write transaction; audited in a short one; no entry, no file.
            db.session.commit()
            with write_intent():
                record_printed(actor, pack, pdf, via="cli")
                db.session.commit()
            path = folder / name
            path.write_bytes(pdf.data)
            written.append(path)
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"Wrote {len(written)} PDF(s) to {folder}.")


# --- Data in and out: Popolo, CSV (crm/interchange) --------------------------------------------

# Files with at least this many persons get a progress bar.
PROGRESS_FROM = 200


@contextlib.contextmanager
def _progress(length: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar's update function for long work; None (no bar) for short work."""
    if length < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=length, label=label) as bar:
        yield bar.update


def _command_line_actor() -> str:
    """Who the audit log names for an import or export run from the command line."""
    import getpass

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown user"
    return f"command line ({who})"[:254]


def _state_for(iso2: str):
    from crm.states.queries import get_state

    state = get_state(iso2)
    if state is None:
        raise click.ClickException(f"No state with the code {iso2!r}.")
    return state


def _discard_dry_run() -> None:
    db.session.rollback()


def _database_refused(error: Exception) -> str:
    """The first line of what the database driver said, for a message."""
    text = str(getattr(error, "orig", None) or error)
    return (text.splitlines() or [type(error).__name__])[0][:200]


def _fail(path: object, message: str):
    db.session.rollback()
    return click.ClickException(f"{path}: {message}")


@crm_cli.command("import-popolo")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code, e.g. FM.")
@click.option("--chamber", "chamber_name", required=True, help="Chamber name (made if missing).")
@click.option("--organization", help="The chamber's id in the file, when it has several.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_popolo_command(
    file: str, iso2: str, chamber_name: str, organization: str | None, dry_run: bool
) -> None:
    """Import a chamber's roster from a Popolo JSON file (e.g. EveryPolitician's)."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from crm.errors import DomainError
    from crm.interchange.popolo import import_roster
    from crm.interchange.popolo_read import PopoloError, read_roster

    try:
        roster = read_roster(Path(file).read_bytes())
    except PopoloError as error:
        raise click.ClickException(f"{file}: {error.message}") from None
    with write_intent():
        state = _state_for(iso2)
        options = {
            "actor_label": _command_line_actor(),
            "source": Path(file).name,
            "organization_id": organization,
        }
        try:
            with _progress(len(roster.persons), "Importing persons") as progress:
                report = import_roster(roster, state, chamber_name, progress=progress, **options)
        except (PopoloError, DomainError) as error:
            raise _fail(file, error.message) from None
        except SQLAlchemyError as error:
            reason = _database_refused(error)
            raise _fail(file, f"the database refused the import ({reason})") from None
        if dry_run:
            _discard_dry_run()
        else:
            db.session.commit()
    if dry_run:
        click.echo("Dry run: nothing was written. The import would give:")
    for line in report.lines():
        click.echo(line)


@crm_cli.command("export-popolo")
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code.")
@click.option("--chamber", "chamber_name", required=True, help="Chamber name.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of the standard output.",
)
def export_popolo_command(iso2: str, chamber_name: str, output: str | None) -> None:
    """Export a chamber's roster as Popolo JSON (the importer reads it back unchanged)."""
    import json
    from pathlib import Path

    from crm.interchange.popolo_export import export_chamber
    from crm.interchange.queries import find_chamber
    from crm.interchange.services import record_export

    state = _state_for(iso2)
    chamber = find_chamber(state, chamber_name)
    if chamber is None:
        names = ", ".join(c.name for c in state.chambers) or "none"
        raise click.ClickException(f"{state.name} has no chamber {chamber_name!r} ({names}).")
    document = export_chamber(chamber)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    db.session.commit()
    with write_intent():
        record_export(
            None,
            chamber,
            what=f"Roster of the {chamber.name} of {state.name} (Popolo JSON)",
            via="cli",
            actor_label=_command_line_actor(),
        )
        db.session.commit()
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(
            f"Wrote {len(document['persons'])} person(s) and "
            f"{len(document['memberships'])} membership(s) to {output}.",
            err=True,
        )


@crm_cli.command("import-votes")
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
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from crm.errors import DomainError
    from crm.interchange.popolo_read import PopoloError, read_vote_events
    from crm.interchange.popolo_votes import import_vote_event
    from crm.states.models import StageResult
    from crm.votes.queries import get_stage

    try:
        votes_in = read_vote_events(Path(file).read_bytes())
    except PopoloError as error:
        raise click.ClickException(f"{file}: {error.message}") from None
    with write_intent():
        stage = get_stage(stage_id)
        if stage is None:
            raise click.ClickException(f"No stage #{stage_id}.")
        if iso2 and stage.agreement.state.iso2 != iso2.upper():
            raise click.ClickException(
                f"Stage #{stage_id} is of {stage.agreement.state.name}, not {iso2.upper()}."
            )
        try:
            report = import_vote_event(
                votes_in,
                stage,
                actor_label=_command_line_actor(),
                source=Path(file).name,
                result=StageResult(result) if result else None,
                event_id=event_id,
            )
        except (PopoloError, DomainError) as error:
            raise _fail(file, error.message) from None
        except SQLAlchemyError as error:
            reason = _database_refused(error)
            raise _fail(file, f"the database refused the import ({reason})") from None
        if dry_run:
            _discard_dry_run()
        else:
            db.session.commit()
    if dry_run:
        click.echo("Dry run: nothing was written. The import would give:")
    for line in report.lines():
        click.echo(line)


@crm_cli.command("export-csv")
@click.argument("what", type=click.Choice(["representatives", "interactions", "events"]))
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of the standard output.",
)
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
    from pathlib import Path

    from crm.db import today
    from crm.interchange import csvio
    from crm.interchange.services import record_export

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
    db.session.commit()
    with write_intent():
        record_export(
            None,
            state,
            what=f"{what.capitalize()} of {state.name} (CSV)",
            restricted=what == "interactions" and include_restricted,
            via="cli",
            actor_label=_command_line_actor(),
        )
        db.session.commit()
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_bytes(text.encode("utf-8"))
        click.echo(f"Wrote {text.count(chr(10)) - 1} row(s) to {output}.", err=True)


@crm_cli.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", "iso2", required=True, help="ISO 3166 alpha-2 code.")
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
def import_csv_command(file: str, iso2: str, dry_run: bool) -> None:
    """Import representatives from a CSV file: every row, or none (columns: see README)."""
    from pathlib import Path

    from crm.errors import DomainError
    from crm.interchange.csv_import import (
        CsvRejected,
        check_representatives,
        write_representatives,
    )

    # As on the page: the check only reads (no write lock, so the application keeps
    # saving meanwhile); only the bulk write, and not a dry run, takes the lock.
    state = _state_for(iso2)
    try:
        plan = check_representatives(Path(file).read_bytes(), state)
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
        raise _fail(file, error.message) from None
    except DomainError as error:
        db.session.rollback()
        raise _fail(file, error.message) from None
    if dry_run:
        click.echo("Dry run: nothing was written. The import would give:")
    for line in report.lines():
        click.echo(line)


@crm_cli.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def backup_command(file: str | None) -> None:
    """Write every row of the database to FILE (default: crm-backup-<UTC time>.jsonl.gz).

    Read from one consistent snapshot, so it is safe while the application is serving."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from crm.backup import BackupError, default_name, row_counts, write_backup

    path = Path(file or default_name())
    try:
        total = sum(row_counts().values())
        db.session.rollback()
        with _progress(total, "Backing up") as progress:
            summary = write_backup(path, progress=progress)
    except BackupError as error:
        raise click.ClickException(error.message) from None
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from None
    except SQLAlchemyError as error:
        reason = _database_refused(error)
        raise click.ClickException(f"the database could not be read ({reason})") from None
    click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes).")
    for line in summary.lines():
        click.echo(line)
    if summary.problems:
        for problem in summary.problems[:20]:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"{len(summary.problems):,} values break the schema, and a restore will refuse "
            "this backup until the records holding them are corrected (listed above, at most "
            "20). Everything was written."
        )


@crm_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--replace",
    is_flag=True,
    help="Delete everything in the database first (otherwise it must be empty).",
)
def restore_command(file: str, replace: bool) -> None:
    """Restore a backup made by `crm backup`: all of it in one transaction, or nothing."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from crm.backup import BackupError, read_header, restore_backup

    path = Path(file)
    try:
        total = sum(read_header(path)["tables"].values())
    except BackupError as error:
        raise _fail(file, f"{error.message}. Nothing was written.") from None
    with write_intent():
        try:
            with _progress(total, "Restoring") as progress:
                summary = restore_backup(path, replace=replace, progress=progress)
            db.session.commit()
        except BackupError as error:
            raise _fail(file, f"{error.message}. Nothing was written.") from None
        except SQLAlchemyError as error:
            message = f"the database refused the restore ({_database_refused(error)})"
            raise _fail(file, f"{message}. Nothing was written.") from None
    click.echo(f"Restored {file}.")
    for line in summary.lines():
        click.echo(line)


@crm_cli.command("bench-data")
@click.option("--states", default=200, show_default=True, type=click.IntRange(min=1))
@click.option("--representatives", default=100_000, show_default=True, type=click.IntRange(min=1))
@click.option("--interactions", default=1_000_000, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--seed",
    default=1,
    show_default=True,
    help="The same seed gives the same data (on the same day: dates are relative to today).",
)
def bench_data_command(states: int, representatives: int, interactions: int, seed: int) -> None:
    """Fill an empty database with synthetic data at a given scale (never in production).

    For measuring pages at campaign scale; the demo accounts are created too."""
    from sqlalchemy.exc import SQLAlchemyError

    from crm.demo.loader import DEMO_PASSWORD
    from crm.demo.synthetic import Scale, generate
    from crm.errors import DomainError

    if not current_app.config.get("DEMO_ALLOWED", False):
        raise click.ClickException("Synthetic data are never loaded in production.")
    scale = Scale(states=states, representatives=representatives, interactions=interactions)
    with write_intent():
        try:
            with _progress(scale.rows, "Generating") as progress:
                summary = generate(scale, seed=seed, progress=progress)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except SQLAlchemyError as error:
            db.session.rollback()
            raise click.ClickException(
                f"the database refused the data ({_database_refused(error)})"
            ) from None
    for line in summary.lines():
        click.echo(line)
    click.echo(
        f"Demo accounts (password: {DEMO_PASSWORD}); the two section accounts "
        "have the first two states."
    )
