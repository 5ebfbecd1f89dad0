"""Writes about contacts with representatives and the follow-ups they lead to.

Every function checks the actor's permission, validates the whole request before it
writes anything, audits and flushes; the caller commits once.

| module | holds |
|---|---|
| `contacts.py` | logging a contact (with its stances and follow-ups), editing, archiving it |
| `follow_ups.py` | follow-ups: creating, editing, done, cancelled, reopened |
| `rules.py` | the checks they share: dates, texts, the people a contact or follow-up names |

Callers import from here (`from crm.interactions import services`), not from the modules.
"""

from crm.interactions.services.contacts import (
    INTERACTION_FIELDS,
    StanceSeen,
    archive_interaction,
    record_interaction,
    restore_interaction,
    stance_source,
    update_interaction,
)
from crm.interactions.services.follow_ups import (
    FOLLOW_UP_FIELDS,
    FollowUpDraft,
    create_follow_up,
    set_follow_up_status,
    update_follow_up,
)
from crm.interactions.services.rules import (
    CLOCK_SLACK,
    EARLIEST_CONTACT,
    LATEST_DUE,
    MAX_PEOPLE,
    allowed_people,
    representatives_met,
)

__all__ = [
    "CLOCK_SLACK",
    "EARLIEST_CONTACT",
    "FOLLOW_UP_FIELDS",
    "INTERACTION_FIELDS",
    "LATEST_DUE",
    "MAX_PEOPLE",
    "FollowUpDraft",
    "StanceSeen",
    "allowed_people",
    "archive_interaction",
    "create_follow_up",
    "record_interaction",
    "representatives_met",
    "restore_interaction",
    "set_follow_up_status",
    "stance_source",
    "update_follow_up",
    "update_interaction",
]
