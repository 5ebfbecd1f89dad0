"""`crm demo` and `crm bench-data`: the demonstration data set, and synthetic data at scale
(never in production)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from crm.cli_support import committed, database_refused, progress
from crm.db import write_intent
from crm.demo.loader import DEMO_PASSWORD, load_demo
from crm.demo.synthetic import Scale, generate
from crm.extensions import db
from crm.states.models import State


@click.command("demo")
@with_appcontext
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (quietly) when the database already holds other data.",
)
def demo_command(if_empty: bool) -> None:
    """Load the demonstration data set (never in production). Safe to run twice."""
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


@click.command("bench-data")
@with_appcontext
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
    if not current_app.config.get("DEMO_ALLOWED", False):
        raise click.ClickException("Synthetic data are never loaded in production.")
    scale = Scale(states=states, representatives=representatives, interactions=interactions)
    try:
        with committed(), progress(scale.rows, "Generating") as step:
            summary = generate(scale, seed=seed, progress=step)
    except SQLAlchemyError as error:
        db.session.rollback()
        raise click.ClickException(
            f"the database refused the data ({database_refused(error)})"
        ) from None
    for line in summary.lines():
        click.echo(line)
    click.echo(
        f"Demo accounts (password: {DEMO_PASSWORD}); the two section accounts "
        "have the first two states."
    )


COMMANDS = (demo_command, bench_data_command)
