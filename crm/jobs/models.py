"""A job: one piece of background work, as the database knows it.

The broker carries messages that may be delivered twice (a worker that dies is replaced,
a retry, two schedulers); the row is the truth. Its `key` names the work itself (the kind
and what it is about: "risk.daily_snapshot:2026-12-03"), so asking twice finds one row,
and a worker runs it only once it has claimed the row (crm.jobs.services.run)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, IdMixin, LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from crm.i18n import marked_label


class JobStatus(LabelledEnum):
    QUEUED = "queued", marked_label("job status", "Queued")
    RUNNING = "running", marked_label("job status", "Running")
    # Failed, and waiting for its next attempt (with backoff).
    RETRYING = "retrying", marked_label("job status", "Retrying")
    SUCCEEDED = "succeeded", marked_label("job status", "Succeeded")
    # Failed on every attempt: shown to admins, who may run it again.
    FAILED = "failed", marked_label("job status", "Failed")

    @property
    def is_open(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)


class Job(IdMixin, TimestampMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_status_created", "status", "created_at"),)

    # The task's name, e.g. "risk.daily_snapshot".
    kind: Mapped[str] = mapped_column(sa.String(80))
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # The worker running it ("host:pid"), and until when its claim holds: a worker that
    # dies leaves the claim to lapse, and the job's next delivery takes it over.
    worker: Mapped[str | None] = mapped_column(sa.String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Progress of work done in steps (e.g. a pack per state), for its progress page.
    done: Mapped[int] = mapped_column(sa.Integer, default=0)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
