"""Rules every write about a representative's record shares: who may change it and when,
which dates are plausible, and the folded names search uses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from flask_babel import format_number
from flask_babel import gettext as _

from crm import records
from crm.auth.permissions import Action, require
from crm.dates import format_when
from crm.db import today
from crm.errors import ValidationFailed
from crm.parliament.models import Representative
from crm.text import name_columns

if TYPE_CHECKING:
    from crm.auth.models import User

EARLIEST_DATE = date(1900, 1, 1)
# How far ahead a seat may start or end: a term's known end, an election's known result.
LATEST_AHEAD = timedelta(days=366)


def refuse_archived(representative: Representative) -> None:
    """An archived record changes only once an administrator has restored it."""
    if representative.archived_at is not None:
        raise ValidationFailed(
            _(
                "%(name)s is archived: an administrator must restore the record before it can "
                "change.",
                name=representative.name,
            )
        )


def begin_change(actor: User, representative: Representative, expected_version: int | None) -> None:
    """Check that the actor may change the record, and that nobody did since the form opened."""
    require(actor, Action.EDIT, representative)
    refuse_archived(representative)
    records.check_version(representative, expected_version)


def refresh_search_text(representative: Representative, name: str | None = None) -> None:
    """Recompute the search columns (after the name, or `name` about to be written, or an
    other name changes)."""
    names = [name or representative.name, *(other.name for other in representative.other_names)]
    columns = name_columns(names)
    representative.search_text = columns["search_text"]
    representative.name_keys = columns["name_keys"]


def check_date(value: date, field: str) -> None:
    latest = today() + LATEST_AHEAD
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationFailed(
            _(
                "Enter a date between %(earliest)s and %(latest)s.",
                earliest=day(EARLIEST_DATE),
                latest=day(latest),
            ),
            field=field,
        )


def day(value: date) -> str:
    """A date in a message, as the reader's language writes it ("01 Jan 1900")."""
    return format_when(value, "%d %b %Y")


def period(start: date | None, end: date | None) -> str:
    """A seat's dates as a person reads them: "since 1 Jan 2024", "1 Jan 2020 – 3 Mar 2024"."""
    begun = day(start) if start else "…"
    if end:
        return f"{begun} – {day(end)}"
    return str(_("since %(date)s", date=begun))


# A reason is a sentence or two, kept in the audit log beside the write it allowed.
OVERRIDE_REASON_LIMIT = 500


def do_not_contact_override(
    representatives: Iterable[Representative], reason: str | None, *, field: str
) -> dict[str, Any] | None:
    """The one rule for reaching people flagged "do not contact" (a contact, an invitation).

    Nobody flagged: None. Someone flagged and no reason given: refused, naming them, so the
    form can ask for a confirmation with a reason. With a reason: what the audit entry keeps
    ({"reason": …, "representative_ids": [...]}).
    """
    flagged = [r for r in representatives if r.do_not_contact]
    if not flagged:
        return None
    reason = (reason or "").strip()
    names = ", ".join(r.name for r in flagged)
    if not reason:
        raise ValidationFailed(
            _(
                "%(names)s asked not to be contacted. To go ahead, confirm and say why.",
                names=names,
            ),
            field=field,
        )
    if len(reason) > OVERRIDE_REASON_LIMIT:
        raise ValidationFailed(
            _(
                "Keep the reason to %(limit)s characters at most.",
                limit=format_number(OVERRIDE_REASON_LIMIT),
            ),
            field=field,
        )
    return {"reason": reason, "representative_ids": sorted(r.id for r in flagged)}
