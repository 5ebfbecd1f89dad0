"""Writes about representatives: profiles, seats, committee seats, contact details, other
names, stances, archiving.

A representative's record is the person and their child rows (other names, contact
details, seats, committee seats). Every change to it begins with `rules.begin_change` and
ends with `records.touch_parent`: the permission and the version the form was opened on are
checked, the representative's version moves on, and the audit entry — on the
representative, naming the new version — says exactly what changed. So a form opened on an
older version gets a conflict that shows the change, whichever part of the record it
touched.

| module | holds |
|---|---|
| `profile.py` | creating a representative, editing their profile |
| `seats.py` | seats in a chamber: add, end, move party |
| `committees.py` | committee seats and roles |
| `details.py` | contact details and other names (on the generic `children.py`) |
| `stances.py` | recording stances, the cached current stance, archiving a record |
| `archive.py` | archiving and restoring a representative |
| `merge.py` | merging two records of one person; records a new one may duplicate |
| `rules.py` | what they share: permission and version check, dates, search text |

Callers import from here (`from crm.parliament import services`), not from the modules.
"""

from crm.parliament.services.archive import archive_representative, restore_representative
from crm.parliament.services.committees import add_committee_membership, end_committee_membership
from crm.parliament.services.details import (
    CONTACT_DETAILS,
    LANGUAGE_TAG,
    OTHER_NAMES,
    PHONE_NUMBER,
    URL_SCHEME,
    NewContactDetail,
    NewOtherName,
    add_contact_detail,
    add_other_name,
    contact_value_problem,
    contact_value_said,
    remove_contact_detail,
    remove_other_name,
    update_contact_detail,
    update_other_name,
)
from crm.parliament.services.merge import check_mergeable, merge_representatives
from crm.parliament.services.merge_plan import (
    KINDS,
    FieldChoice,
    MergePlan,
    field_choices,
    plan_merge,
)
from crm.parliament.services.profile import (
    EDITABLE_FIELDS,
    PossibleDuplicates,
    add_representative,
    create_representative,
    update_representative,
)
from crm.parliament.services.rules import (
    EARLIEST_DATE,
    LATEST_AHEAD,
    do_not_contact_override,
    refresh_search_text,
)
from crm.parliament.services.seats import NewSeat, add_membership, end_membership, move_party
from crm.parliament.services.stances import (
    archive_stance_record,
    record_stance,
    refresh_current_stances,
    restore_stance_record,
)

__all__ = [
    "CONTACT_DETAILS",
    "EARLIEST_DATE",
    "EDITABLE_FIELDS",
    "KINDS",
    "LANGUAGE_TAG",
    "LATEST_AHEAD",
    "OTHER_NAMES",
    "PHONE_NUMBER",
    "URL_SCHEME",
    "FieldChoice",
    "MergePlan",
    "NewContactDetail",
    "NewOtherName",
    "NewSeat",
    "PossibleDuplicates",
    "add_committee_membership",
    "add_contact_detail",
    "add_membership",
    "add_other_name",
    "add_representative",
    "archive_representative",
    "archive_stance_record",
    "check_mergeable",
    "contact_value_problem",
    "contact_value_said",
    "create_representative",
    "do_not_contact_override",
    "end_committee_membership",
    "end_membership",
    "field_choices",
    "merge_representatives",
    "move_party",
    "plan_merge",
    "record_stance",
    "refresh_current_stances",
    "refresh_search_text",
    "remove_contact_detail",
    "remove_other_name",
    "restore_representative",
    "restore_stance_record",
    "update_contact_detail",
    "update_other_name",
    "update_representative",
]
