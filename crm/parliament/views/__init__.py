"""The parliament pages: the representative list and page, and the writes of a person's
record, one module per part of it.

| module | pages |
|---|---|
| `lists.py` | the representative list, a representative's page, the archived records |
| `profile.py` | adding a representative, editing their profile |
| `seats.py` | seats in a chamber: add, end, move party |
| `committees.py` | committee seats: add, end |
| `details.py` | contact details and other names: add, edit, remove (one generic set) |
| `stances.py` | recording a stance; archiving and restoring a stance record |
| `archive.py` | archiving and restoring a representative |
| `merge.py` | merging two records of one person; a merged record's page leads to the kept one |
| `common.py` | the blueprint and what the pages share |

Views parse the form, call a service and return: the request commits once, after the view
(crm.web.App), and rolls back on any error.
"""

# Importing the page modules registers their routes on the blueprint.
from crm.parliament.views import archive, committees, details, lists, merge, profile, seats, stances  # noqa: F401
from crm.parliament.views.common import bp

__all__ = ["bp"]
