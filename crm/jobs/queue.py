"""The Celery app, bound to the Flask app as Flask's documentation shows: every task runs
inside an application context, with the same configuration as the web app.

Delivery is at least once: a task is acknowledged only when it has finished (`acks_late`),
and one whose worker process died is put back on the queue (`reject_on_worker_lost`), so
every task must have the effect of one when run twice; `crm.jobs.services.run` sees to it
for work that writes to the database."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]  # Celery is untyped
        # Retries are counted on the job's (or message's) row, which says when to stop;
        # Celery's own count would stop a retrying job after three (`retry(max_retries=None)`
        # means "the task's default", not "no limit").
        max_retries = None

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    queue = app.config["JOBS_QUEUE"]
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        broker_transport_options=_transport_options(app.config["CELERY_BROKER_URL"]),
        broker_connection_retry_on_startup=True,
        task_default_queue=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per worker process: a long pack does not hold others back.
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # outcomes are kept on the job's row
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        beat_schedule={
            # Asked for every hour, done once a day (the day's job is claimed once): a
            # scheduler that was down at midnight still takes the day's snapshot.
            "daily risk snapshot": {
                "task": "risk.daily_snapshot",
                "schedule": crontab(minute=5),
                "options": {"queue": queue},
            },
            # Reminders and digests due in the last quarter of an hour (each once).
            "reminders and digests": {
                "task": "mail.notify",
                "schedule": crontab(minute="*/15"),
                "options": {"queue": queue},
            },
            "send jobs that never reached the queue": {
                "task": "jobs.sweep",
                "schedule": 60.0,
                "options": {"queue": queue},
            },
        },
        imports=[
            "crm.jobs.tasks",
            "crm.risk.tasks",
            "crm.briefings.tasks",
            "crm.interchange.tasks",
            "crm.mail.tasks",
        ],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def _transport_options(url: str) -> dict[str, Any]:
    if url.startswith("sqla+sqlite"):
        # Kombu's SQLAlchemy transport: the web server, the worker and the scheduler share
        # one SQLite file, so each waits for the others' locks instead of failing.
        return {"connect_args": {"timeout": 30}}
    if url.startswith(("redis://", "rediss://")):
        # A message taken by a worker that vanished (machine lost, not only the process)
        # goes back to the queue after this long: longer than the longest task.
        return {"visibility_timeout": 3600}
    return {}
