"""Archiving a representative (gone from lists and searches, kept for an admin to restore),
and restoring them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm import records
from crm.auth.permissions import Action, require
from crm.parliament.models import Representative
from crm.risk.changes import inputs_changed

if TYPE_CHECKING:
    from crm.auth.models import User


def archive_representative(
    actor: User, representative: Representative, *, expected_version: int | None = None
) -> None:
    """Archive a representative: gone from lists and searches, kept for an admin to restore."""
    require(actor, Action.ARCHIVE, representative)
    records.archive(
        actor, representative, action="representative.archived", expected_version=expected_version
    )
    inputs_changed(representative.state_id)  # their seat no longer counts


def restore_representative(actor: User, representative: Representative) -> None:
    """Restore an archived representative to lists and searches."""
    require(actor, Action.RESTORE, representative)
    records.restore(actor, representative, action="representative.restored")
    inputs_changed(representative.state_id)
