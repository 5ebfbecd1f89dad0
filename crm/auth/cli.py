"""`crm create-user`, `crm set-enabled` and `crm token …`: accounts and tokens from the
command line, which acts as no user (the audit log says so)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from crm.auth.models import Role, Section, TokenScope, User
from crm.auth.services import (
    create_token,
    create_user,
    get_user_by_email,
    revoke_token_by_prefix,
    set_user_enabled,
)
from crm.cli_support import committed
from crm.extensions import db


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="Display name (defaults to the e-mail).")
@click.option(
    "--role", type=click.Choice(["section", "coordinator", "staff", "admin"]), required=True
)
@click.option("--section", "sections", multiple=True, help="Section name (repeatable).")
@click.password_option(help="Asked for when not given.")
def create_user_command(
    email: str, name: str, role: str, sections: tuple[str, ...], password: str
) -> None:
    """Create an account."""
    with committed():
        found = list(db.session.scalars(sa.select(Section).where(Section.name.in_(sections))))
        missing = set(sections) - {s.name for s in found}
        if missing:
            raise click.ClickException(f"No such section: {', '.join(sorted(missing))}")
        user = create_user(
            None, email=email, name=name, role=Role(role), password=password, sections=found
        )
    click.echo(f"Created {user.email} ({user.role.value}).")


@click.command("set-enabled")
@with_appcontext
@click.argument("email")
@click.option("--enable/--disable", required=True, help="Disabling ends every session.")
def set_enabled_command(email: str, enable: bool) -> None:
    """Enable or disable an account."""
    with committed():
        user = _user(email)
        set_user_enabled(None, user, enable)
    click.echo(f"{user.email} is {'enabled' if enable else 'disabled'}.")


token_cli = AppGroup("token", help="API and calendar tokens.")


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
    with committed():
        user = _user(email)
        raw, token = create_token(None, user, name=name, scope=TokenScope(scope), days=days)
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
    with committed():
        count = revoke_token_by_prefix(None, prefix)
    if not count:
        raise click.ClickException(f"No live token starts with {prefix!r}.")
    click.echo(f"Revoked {count} token(s).")


def _user(email: str) -> User:
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


COMMANDS = (create_user_command, set_enabled_command, token_cli)
