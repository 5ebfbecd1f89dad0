"""Imports as background work (crm/interchange/imports.py says how they run)."""

from __future__ import annotations

from celery import Task, shared_task

from crm.interchange.imports import CSV_IMPORT, run_csv_import
from crm.jobs import services as jobs


@shared_task(bind=True, name=CSV_IMPORT)
def import_csv(self: Task, job_id: int) -> None:
    """Check, and unless asked only to check, import an uploaded CSV of representatives."""
    jobs.run(self, job_id, run_csv_import)
