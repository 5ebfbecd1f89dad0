"""Pages of the interactions feature: logging contacts, timelines, follow-ups.

`common.py` holds the blueprint and what the pages share, `contacts.py` the contact form,
a contact and the state list, `follow_ups.py` the follow-up lists and forms.
"""

from importlib import import_module

from crm.interactions.views.common import bp

# Importing each part registers its pages on the blueprint.
for _part in ("contacts", "follow_ups"):
    import_module(f"{__name__}.{_part}")

__all__ = ["bp"]
