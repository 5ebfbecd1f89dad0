"""Popolo ids: the scheme a file's person id is kept under, and the ids we export records
under when they have none of their own.

Records without a Popolo id are exported under ids of the form `crm/<ISO2>/<kind>/<row>`.
Reading them back into the same database finds the record by its id (and, for a person, the
same name) instead of storing the id, so that an export re-imports with no change at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.states.models import State

POPOLO_SCHEME = "popolo"

OWN_ID = re.compile(r"crm/([A-Z]{2})/(representative|party|chamber)/(\d{1,10})")


def own_id(state: State, kind: str, row_id: int) -> str:
    return f"crm/{state.iso2}/{kind}/{row_id}"


def own_row(value: str | None, state: State, kind: str) -> int | None:
    """The row an id of ours names, if it is one, of this state and kind."""
    match = OWN_ID.fullmatch(value or "")
    if match and match.group(1) == state.iso2 and match.group(2) == kind:
        return int(match.group(3))
    return None


def storable(popolo_id: str | None) -> str | None:
    """An organization's Popolo id, if it fits its column (longer ones are not kept)."""
    return popolo_id if popolo_id and len(popolo_id) <= 200 else None
