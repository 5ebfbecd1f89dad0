"""The queue's own scheduled work."""

from __future__ import annotations

from celery import shared_task

from crm.jobs import services


@shared_task(name="jobs.sweep")
def sweep() -> int:
    """Send again what never reached a worker (scheduled every minute)."""
    return services.sweep()
