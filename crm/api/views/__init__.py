"""The JSON API under /api/v1.

Every request carries a bearer token (crm.api.auth). Reads and writes ask the same
permission module as the pages, and writes go through the same services, in one
transaction each: an error rolls everything back and answers with a problem document.

The endpoints are registered in the order of the OpenAPI document: states, representatives,
contacts, events, risk; `common.py` holds the blueprint and what they share.
"""

from importlib import import_module

from crm.api.views.common import bp

# The endpoints register in this order, which is the OpenAPI document's.
for _part in ("states", "representatives", "contacts", "events", "risk"):
    import_module(f"{__name__}.{_part}")

__all__ = ["bp"]
