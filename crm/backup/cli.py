"""`crm backup` and `crm restore` (crm/backup/): every row to a file and back."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from crm.backup import (
    BackupError,
    default_name,
    read_header,
    restore_backup,
    row_counts,
    write_backup,
)
from crm.cli_support import database_refused, fail, progress
from crm.db import write_intent
from crm.extensions import db


@click.command("backup")
@with_appcontext
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def backup_command(file: str | None) -> None:
    """Write every row of the database to FILE (default: crm-backup-<UTC time>.jsonl.gz).

    Read from one consistent snapshot, so it is safe while the application is serving."""
    path = Path(file or default_name())
    try:
        total = sum(row_counts().values())
        db.session.rollback()
        with progress(total, "Backing up") as step:
            summary = write_backup(path, progress=step)
    except BackupError as error:
        raise click.ClickException(error.message) from None
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from None
    except SQLAlchemyError as error:
        reason = database_refused(error)
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


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--replace",
    is_flag=True,
    help="Delete everything in the database first (otherwise it must be empty).",
)
def restore_command(file: str, replace: bool) -> None:
    """Restore a backup made by `crm backup`: all of it in one transaction, or nothing."""
    path = Path(file)
    try:
        total = sum(read_header(path)["tables"].values())
    except BackupError as error:
        raise fail(file, f"{error.message}. Nothing was written.") from None
    with write_intent():
        try:
            with progress(total, "Restoring") as step:
                summary = restore_backup(path, replace=replace, progress=step)
            db.session.commit()
        except BackupError as error:
            raise fail(file, f"{error.message}. Nothing was written.") from None
        except SQLAlchemyError as error:
            message = f"the database refused the restore ({database_refused(error)})"
            raise fail(file, f"{message}. Nothing was written.") from None
    click.echo(f"Restored {file}.")
    for line in summary.lines():
        click.echo(line)


COMMANDS = (backup_command, restore_command)
