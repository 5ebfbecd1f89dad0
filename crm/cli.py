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
