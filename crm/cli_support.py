"""What the features' commands (each feature's `cli.py`) share: a command's write committed
under the write lock, progress bars for long work, and failures said in one line.

Commands are not web requests: each commits its own work, in a transaction begun with
`crm.db.write_intent()`, so that two writers queue instead of one failing on a lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import click

from crm.db import write_intent
from crm.errors import DomainError
from crm.extensions import db

# Work of at least this many steps (persons, rows) gets a progress bar.
PROGRESS_FROM = 200


@contextlib.contextmanager
def committed() -> Iterator[None]:
    """A command's change, under the write lock: committed when the block ends; a rule it
    breaks (DomainError) rolls it back and is the command's error."""
    with write_intent():
        try:
            yield
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()


@contextlib.contextmanager
def progress(length: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar's update function for long work; None (no bar) for short work."""
    if length < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=length, label=label) as bar:
        yield bar.update


def database_refused(error: Exception) -> str:
    """The first line of what the database driver said, for a message."""
    text = str(getattr(error, "orig", None) or error)
    return (text.splitlines() or [type(error).__name__])[0][:200]


def fail(path: object, message: str) -> click.ClickException:
    """The command's error about a file, after rolling back what it wrote."""
    db.session.rollback()
    return click.ClickException(f"{path}: {message}")
