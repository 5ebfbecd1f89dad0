"""Pages of the events feature: lists, the month calendar, the event page and its forms.

`common.py` holds the blueprint and the helpers other features' templates use, `lists.py` the
lists and the calendar, `event.py` one event, its form and its actions, `invitations.py`
the invitations.
"""

from importlib import import_module

from crm.events.views.common import bp

# Importing each part registers its pages on the blueprint.
for _part in ("lists", "event", "invitations"):
    import_module(f"{__name__}.{_part}")

__all__ = ["bp"]
