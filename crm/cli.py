"""`flask --app wsgi crm …`: thin wrappers over the services."""

from __future__ import annotations

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
def token_create_command(email: str, name: str, scope: str) -> None:
    """Create a token for a user and print it once (only its hash is kept)."""
    from crm.auth.models import TokenScope
    from crm.auth.services import create_token, get_user_by_email

    with write_intent():
        user = get_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account for {email}.")
        raw, token = create_token(None, user, name=name, scope=TokenScope(scope))
        db.session.commit()
    click.echo(
        f"Token {token.prefix}… for {user.email} ({scope}). Keep it secret; it is shown once:"
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
