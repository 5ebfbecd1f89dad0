"""`crm submissions prune` (crm/submissions.py): forget the submission keys of the past."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from crm.cli_support import committed
from crm.submissions import KEPT_FOR, forget_expired

submissions_cli = AppGroup("submissions", help="One-time submission keys.")


@submissions_cli.command("prune")
@with_appcontext
def prune_command() -> None:
    """Delete the submission keys older than a day. Requests forget their own user's old
    keys as they go; this forgets those of users who have stopped sending."""
    with committed():
        removed = forget_expired()
    hours = int(KEPT_FOR.total_seconds() // 3600)
    click.echo(
        f"Forgot {removed} submission key{'' if removed == 1 else 's'} older than {hours} h."
    )


COMMANDS = (submissions_cli,)
