"""Creating a representative, and editing their profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crm import records
from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.errors import ValidationFailed
from crm.parliament.models import ContactDetail, OtherName, Representative, sort_name_for
from crm.parliament.services.details import (
    NewContactDetail,
    NewOtherName,
    clean_contact,
    clean_other_name,
)
from crm.parliament.services.rules import begin_change, refresh_search_text
from crm.parliament.services.seats import NewSeat, check_seat, new_membership
from crm.risk.changes import inputs_changed
from crm.text import search_text

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

# The fields of a representative that the edit form changes directly.
EDITABLE_FIELDS = (
    "name",
    "sort_name",
    "given_name",
    "family_name",
    "gender",
    "languages",
    "influence",
    "tags",
    "notes",
    "do_not_contact",
    "do_not_contact_reason",
)


def _check_profile(values: dict[str, Any], current: Representative | None) -> None:
    if "name" in values and not (values["name"] or "").strip():
        raise ValidationFailed("Enter a name.", field="name")
    influence = values.get("influence")
    if "influence" in values and (
        not isinstance(influence, int) or isinstance(influence, bool) or not 1 <= influence <= 5
    ):
        raise ValidationFailed("Choose an influence from 1 to 5.", field="influence")
    do_not_contact = values.get("do_not_contact", current.do_not_contact if current else False)
    reason = values.get("do_not_contact_reason", current.do_not_contact_reason if current else None)
    if do_not_contact and not (reason or "").strip():
        raise ValidationFailed(
            "Say why this person must not be contacted.", field="do_not_contact_reason"
        )


def update_representative(
    actor: User,
    representative: Representative,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
) -> dict[str, Any]:
    """Edit a representative's profile; returns what changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    begin_change(actor, representative, expected_version)
    _check_profile(changes, representative)
    if not changes.get("sort_name", representative.sort_name):
        values = {**{f: getattr(representative, f) for f in EDITABLE_FIELDS}, **changes}
        sort_name = sort_name_for(values["name"], values["given_name"], values["family_name"])
        changes = {**changes, "sort_name": sort_name}
    # The folded names go into the same UPDATE as the new name: a second UPDATE at commit
    # would move the version past the one the audit entry names.
    name = (changes.get("name") or representative.name).strip()
    if name != representative.name:
        representative.search_text = search_text(
            [name, *(other.name for other in representative.other_names)]
        )
    return records.update(
        actor,
        representative,
        changes,
        action="representative.updated",
        expected_version=expected_version,
    )


def create_representative(
    actor: User,
    state: State,
    *,
    profile: dict[str, Any],
    seat: NewSeat,
    other_names: Sequence[NewOtherName] = (),
    contact_details: Sequence[NewContactDetail] = (),
) -> Representative:
    """Add a representative of `state` with their first seat, other names and contacts."""
    require(actor, Action.CREATE, Representative, state=state)
    unknown = set(profile) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not set here: {', '.join(sorted(unknown))}")
    profile = records.clean(Representative, profile)
    _check_profile({"name": "", **profile}, None)
    check_seat(state.id, seat.chamber, seat.party, seat.start_date)
    names = [
        clean_other_name(
            n.name, n.lang, n.note, prefix=f"other_names-{i}-", row=f"Other name {i + 1}: "
        )
        for i, n in enumerate(other_names)
    ]
    contacts = [
        clean_contact(
            c.kind, c.value, c.label, prefix=f"contact_details-{i}-", row=f"Contact {i + 1}: "
        )
        for i, c in enumerate(contact_details)
    ]
    if not profile.get("sort_name"):
        profile["sort_name"] = sort_name_for(
            profile["name"], profile.get("given_name"), profile.get("family_name")
        )
    representative = Representative(state=state, **profile)
    representative.other_names = [OtherName(**values) for values in names]
    representative.contact_details = [ContactDetail(**values) for values in contacts]
    representative.memberships = [new_membership(seat)]
    refresh_search_text(representative)
    records.create(actor, representative, action="representative.created", state=state, audit=False)
    record(
        actor,
        "representative.created",
        representative,
        after={
            **snapshot(representative),
            "other_names": [snapshot(n) for n in representative.other_names],
            "contact_details": [snapshot(c) for c in representative.contact_details],
            "memberships": [snapshot(m) for m in representative.memberships],
        },
        summary=f"Added {representative.name}",
    )
    inputs_changed(state.id)  # with their first seat
    return representative
