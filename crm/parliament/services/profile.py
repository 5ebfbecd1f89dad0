"""Creating a representative, and editing their profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from crm import records
from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.errors import ValidationFailed
from crm.parliament.models import ContactDetail, OtherName, Representative, sort_name_for
from crm.parliament.queries import possible_duplicates
from crm.parliament.services.details import (
    NewContactDetail,
    NewOtherName,
    OnRow,
    clean_contact,
    clean_other_name,
)
from crm.parliament.services.rules import begin_change, refresh_search_text
from crm.parliament.services.seats import NewSeat, check_seat, new_membership
from crm.risk.changes import inputs_changed

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
        raise ValidationFailed(_("Enter a name."), field="name")
    influence = values.get("influence")
    if "influence" in values and (
        not isinstance(influence, int) or isinstance(influence, bool) or not 1 <= influence <= 5
    ):
        raise ValidationFailed(_("Choose an influence from 1 to 5."), field="influence")
    do_not_contact = values.get("do_not_contact", current.do_not_contact if current else False)
    reason = values.get("do_not_contact_reason", current.do_not_contact_reason if current else None)
    if do_not_contact and not (reason or "").strip():
        raise ValidationFailed(
            _("Say why this person must not be contacted."), field="do_not_contact_reason"
        )


class PossibleDuplicates(ValidationFailed):
    """A new person's name matches records of the same state: added only when the user
    confirms it is someone else. `candidates` are the records to show."""

    def __init__(self, candidates: list[Representative]) -> None:
        names = ", ".join(c.name for c in candidates)
        super().__init__(
            _(
                "This may be someone already recorded (%(names)s). Check the records below; if "
                "this is a different person, tick “Add anyway” and save again.",
                names=names,
            ),
            field="confirm_duplicate",
        )
        self.candidates = candidates


def update_representative(
    actor: User,
    representative: Representative,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
) -> dict[str, Any]:
    """Edit a representative's profile; returns what changed."""
    records.check_fields(changes, EDITABLE_FIELDS)
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
        refresh_search_text(representative, name)
    return records.update(
        actor,
        representative,
        changes,
        action="representative.updated",
        expected_version=expected_version,
    )


def _other_name_row(number: int) -> OnRow:
    return lambda problem: _("Other name %(number)d: %(problem)s", number=number, problem=problem)


def _contact_row(number: int) -> OnRow:
    return lambda problem: _("Contact %(number)d: %(problem)s", number=number, problem=problem)


def create_representative(
    actor: User,
    state: State,
    *,
    profile: dict[str, Any],
    seat: NewSeat,
    other_names: Sequence[NewOtherName] = (),
    contact_details: Sequence[NewContactDetail] = (),
    confirm_duplicate: bool = False,
) -> Representative:
    """Add a representative of `state` with their first seat, other names and contacts.

    A name that matches records of the state (as search matches, archived records
    included) is refused with PossibleDuplicates unless `confirm_duplicate`: duplicates
    split a person's history, and merging them later is work."""
    require(actor, Action.CREATE, Representative, state=state)
    records.check_fields(profile, EDITABLE_FIELDS)
    profile = records.clean(Representative, profile)
    _check_profile({"name": "", **profile}, None)
    check_seat(state.id, seat.chamber, seat.party, seat.start_date)
    names = [
        clean_other_name(
            n.name, n.lang, n.note, prefix=f"other_names-{i}-", row=_other_name_row(i + 1)
        )
        for i, n in enumerate(other_names)
    ]
    contacts = [
        clean_contact(
            c.kind, c.value, c.label, prefix=f"contact_details-{i}-", row=_contact_row(i + 1)
        )
        for i, c in enumerate(contact_details)
    ]
    if not confirm_duplicate:
        candidates = possible_duplicates(state, profile["name"])
        if candidates:
            raise PossibleDuplicates(candidates)
    if not profile.get("sort_name"):
        profile["sort_name"] = sort_name_for(
            profile["name"], profile.get("given_name"), profile.get("family_name")
        )
    representative = Representative(state=state, **profile)
    representative.other_names = [OtherName(**values) for values in names]
    representative.contact_details = [ContactDetail(**values) for values in contacts]
    representative.memberships = [new_membership(seat)]
    return add_representative(actor, representative, summary=f"Added {representative.name}")


def add_representative(
    actor: User | None, representative: Representative, *, summary: str, checked: bool = False
) -> Representative:
    """Add a new representative made with their names, contacts, identifiers and seats:
    the row through records, one audit entry holding all of it, and the forecast told of
    the new seats. The form and the Popolo import add people through it (`checked` where
    the import checked its permission first, or the command line runs it)."""
    refresh_search_text(representative)
    records.create(
        actor,
        representative,
        action="representative.created",
        state=representative.state,
        audit=False,
        checked=checked,
    )
    record(
        actor,
        "representative.created",
        representative,
        after={
            **snapshot(representative),
            **{
                children: [snapshot(row) for row in getattr(representative, children)]
                for children in (
                    "other_names",
                    "contact_details",
                    "identifiers",
                    "memberships",
                    "committee_memberships",
                )
            },
        },
        summary=summary,
    )
    inputs_changed(representative.state_id)
    return representative
