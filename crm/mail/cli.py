"""`crm notify`: queue the reminders and digests due now, and send them."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from crm.extensions import db
from crm.mail import services
from crm.mail.models import MessageStatus, OutboxMessage
from crm.mail.tasks import run_notify


@click.command("notify")
@with_appcontext
@click.option(
    "--queue-only",
    is_flag=True,
    help="Only queue the messages: the workers send them (as the scheduler's run does).",
)
@click.option(
    "--digests-now",
    is_flag=True,
    help="Also this week's digests of everyone who has not had them, whatever their day "
    "and hour (to read them in development).",
)
def notify_command(queue_only: bool, digests_now: bool) -> None:
    """Queue whatever reminders and digests are due now, then send every waiting message
    from here (the scheduler runs the same every 15 minutes; each message goes once)."""
    outcome = run_notify(digests_now=digests_now)
    for kind, count in sorted(outcome["queued"].items()):
        if count:
            click.echo(f"queued {count} × {kind}")
    if queue_only:
        return
    waiting = list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.status.in_([MessageStatus.QUEUED, MessageStatus.RETRYING]))
            .order_by(OutboxMessage.id)
        )
    )
    db.session.rollback()
    sent = failed = 0
    for message_id in waiting:
        services.deliver(message_id)
        status = db.session.scalar(
            sa.select(OutboxMessage.status).where(OutboxMessage.id == message_id)
        )
        db.session.rollback()
        sent += status is MessageStatus.SENT
        failed += status in (MessageStatus.FAILED, MessageStatus.RETRYING)
    click.echo(
        f"sent {sent} message{'' if sent == 1 else 's'}"
        + (f", {failed} not sent (see /admin/mail)" if failed else "")
    )
    if failed:
        raise SystemExit(1)


COMMANDS = [notify_command]
