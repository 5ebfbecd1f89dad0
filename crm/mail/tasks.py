"""Sending mail in the background: one task per message, and the scheduler's round of
reminders and digests every quarter of an hour."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from crm.db import utcnow, write_intent
from crm.extensions import db
from crm.mail import services
from crm.mail.notify import notify

NOTIFY = "mail.notify"


@shared_task(bind=True, name=services.DELIVER)
def deliver(self: Task, message_id: int) -> None:
    """Hand one message over; a server that cannot take it now is tried again later."""
    wait = services.deliver(message_id)
    if wait is not None:
        raise self.retry(countdown=wait, max_retries=None)


@shared_task(name=NOTIFY)
def notify_now() -> dict[str, Any]:
    """Queue what is due (beat, every 15 minutes), and send again what was lost."""
    return run_notify()


def run_notify(*, digests_now: bool = False) -> dict[str, Any]:
    """What `crm notify` and the scheduled task both do."""
    with write_intent():
        queued = notify(utcnow(), digests_now=digests_now)
        db.session.commit()
    resent = services.resend_lost()
    return {"queued": queued.counts, "resent": resent}
