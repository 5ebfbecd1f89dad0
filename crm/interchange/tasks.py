"""Imports as background work (crm/interchange/imports.py says how they run)."""

from __future__ import annotations

from celery import Task, shared_task

from crm.interchange.csv_upload import run_csv_import
from crm.interchange.imports import CSV_IMPORT, POPOLO_IMPORT
from crm.interchange.roster_upload import run_popolo_import
from crm.jobs import services as jobs


@shared_task(bind=True, name=CSV_IMPORT)
def import_csv(self: Task, job_id: int) -> None:
    """Check, and unless asked only to check, import an uploaded CSV of representatives."""
    jobs.run(self, job_id, run_csv_import)


@shared_task(bind=True, name=POPOLO_IMPORT)
def import_popolo(self: Task, job_id: int) -> None:
    """Import an uploaded Popolo roster into a chamber, or only say what it would do."""
    jobs.run(self, job_id, run_popolo_import)
