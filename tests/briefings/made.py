"""What the tests of packs read back: the packs' audit entries and their jobs."""

from __future__ import annotations

import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.briefings.queries import MAKE_PACK
from crm.extensions import db
from crm.jobs.models import Job


def printed() -> list[AuditEntry]:
    """Every pack's audit entry, oldest first, as committed now."""
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "briefing.printed")
            .order_by(AuditEntry.id)
        )
    )


def pack_jobs() -> list[Job]:
    """Every pack's job, oldest first, as committed now."""
    db.session.rollback()
    return list(db.session.scalars(sa.select(Job).where(Job.kind == MAKE_PACK).order_by(Job.id)))
