"""The query side of the restricted-contact rule (SPEC §2), in one place.

`crm.auth.permissions.withheld` answers for one record; these clauses answer the same for
the database, so that every read which joins contacts, follow-ups or stances to a
representative (pages, filters, counts, "last contact", PDFs, exports, the API) can leave
out what the reader may not see linked to a person, rather than fetch it and hide it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crm.auth.permissions import restricted_readable_states
from crm.interactions.models import Confidentiality, FollowUp, Interaction
from crm.parliament.models import StanceRecord


def linked_to_people(reader: Any) -> sa.ColumnElement[bool]:
    """Contacts the reader may see linked to people: every contact but the restricted
    ones of states whose restricted content the reader may not read.

    For such a reader a restricted contact is linked to no person (SPEC §2).
    """
    return linked_for_states(restricted_readable_states(reader))


def linked_for_states(readable: frozenset[int] | None) -> sa.ColumnElement[bool]:
    """`linked_to_people` for a reader who may read the restricted contacts of these
    states (None: of every state)."""
    if readable is None:
        return sa.true()
    normal = Interaction.confidentiality != Confidentiality.RESTRICTED
    if not readable:
        return normal
    return sa.or_(normal, Interaction.state_id.in_(sorted(readable)))


def follow_ups_linked_to_people(reader: Any) -> sa.ColumnElement[bool]:
    """Follow-ups the reader may see under a person: those not made in a contact, and
    those made in a contact `linked_to_people` allows."""
    return sa.or_(
        FollowUp.interaction_id.is_(None),
        sa.exists().where(Interaction.id == FollowUp.interaction_id, linked_to_people(reader)),
    )


def stances_linked_to_people(reader: Any, record: Any = StanceRecord) -> sa.ColumnElement[bool]:
    """Stance records whose source the reader may see (the others show their value and
    month only); `record` is StanceRecord or an alias of it."""
    return sa.or_(
        record.interaction_id.is_(None),
        sa.exists().where(Interaction.id == record.interaction_id, linked_to_people(reader)),
    )
