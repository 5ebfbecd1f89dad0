"""The one path for every write: check permission, change, audit, flush — never commit.

Feature services call these helpers so that every change of a record, whoever makes it
(a page, the API, the command line), is permission-checked, audited with its values before
and after, and protected against lost edits.

What these helpers need of a record is said by protocols, which the mapped classes meet
with their columns: a `Record` is named in the audit log by its table and id; a `Versioned`
one (crm.db.VersionedMixin) can tell a form opened on an older version; an `Archivable` one
(crm.db.ArchivableMixin) is archived rather than deleted. The actor is always a `User`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from crm.audit.models import AuditEntry
from crm.audit.services import diff, record, snapshot
from crm.auth.models import User
from crm.auth.permissions import Action, require
from crm.db import utcnow
from crm.errors import Conflict, ValidationFailed
from crm.extensions import db
from crm.states.models import State


@runtime_checkable
class Record(Protocol):
    """A mapped row, as the audit log names it."""

    __tablename__: str
    id: int


@runtime_checkable
class Versioned(Record, Protocol):
    """A record with optimistic locking: each write moves its version on."""

    version: int


class Archivable(Record, Protocol):
    """A record that is archived (and restored) instead of deleted."""

    archived_at: datetime | None


R = TypeVar("R", bound=Record)
Item = TypeVar("Item")


@dataclass(frozen=True)
class OtherChange:
    """A change someone else saved after the form was opened."""

    field: str
    before: Any
    after: Any
    by: str | None  # the e-mail, as the audit log keeps it
    at: datetime
    by_name: str | None = None  # the person's name, for the API (which shows no e-mails)


def _changes_since(obj: Record, version: int) -> list[OtherChange]:
    """What others changed in `obj` after `version`, from the audit log."""
    entries = db.session.execute(
        sa.select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(
            AuditEntry.target_type == type(obj).__tablename__, AuditEntry.target_id == str(obj.id)
        )
        .order_by(AuditEntry.id.desc())
        .limit(50)
    )
    changes: list[OtherChange] = []
    for entry, name in entries:
        after = entry.after or {}
        if not isinstance(after.get("version"), int) or after["version"] <= version:
            continue
        before = entry.before or {}
        for field in sorted(after):
            if field == "version":
                continue
            changes.append(
                OtherChange(
                    field, before.get(field), after[field], entry.actor_email, entry.at, name
                )
            )
    changes.reverse()
    return changes


def conflict(obj: Versioned, version: int) -> Conflict:
    changes = _changes_since(obj, version)
    who = ", ".join(sorted({c.by for c in changes if c.by}))
    if who:
        message = _(
            "%(who)s saved this record after you opened it. Your changes were not saved: "
            "check what changed, then save again to keep yours.",
            who=who,
        )
    else:
        message = _(
            "someone else saved this record after you opened it. Your changes were not saved: "
            "check what changed, then save again to keep yours."
        )
    return Conflict(message, changes={"changes": changes, "current_version": obj.version})


def check_version(obj: Versioned, expected_version: int | None) -> None:
    """Refuse an edit made from a form opened on an older version of the record."""
    if expected_version is not None and obj.version != expected_version:
        raise conflict(obj, expected_version)


def begin_edit(actor: User, obj: Versioned, expected_version: int | None) -> None:
    """Before a use case checks its own rules: the actor may edit `obj`, and nobody saved
    it since the form was opened (so a stale form hears of the conflict, not of a rule
    that the other change made moot)."""
    require(actor, Action.EDIT, obj)
    check_version(obj, expected_version)


def check_fields(values: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Refuse values for columns a use case does not set: a caller's mistake, not the
    user's, so a ValueError (a form only ever sends its own fields)."""
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"not settable here: {', '.join(sorted(unknown))}")


def _audit_after(obj: Record, after: dict[str, Any]) -> dict[str, Any]:
    # The version lets a later conflict say exactly which changes came after a form opened.
    if isinstance(obj, Versioned):
        after = {**after, "version": obj.version}
    return after


def create(
    actor: User | None,
    obj: R,
    *,
    action: str,
    state: State | None = None,
    audit: bool = True,
    checked: bool = False,
    note: Mapping[str, Any] | None = None,
) -> R:
    """Add a new record after checking the actor may create it (in `state`).

    `checked` only where the caller checked already (before rules that answer with their
    own message) or the actor is None (the command line, which checks nothing). `note`,
    what else the audit entry keeps beside the columns (the people a contact names; why a
    rule was overridden).
    """
    if not checked:
        if actor is None:
            raise TypeError("a permission is checked against an actor")
        require(actor, Action.CREATE, type(obj), state=state)
    texts = {
        column.key: getattr(obj, column.key)
        for column in sa.inspect(type(obj)).column_attrs
        if isinstance(getattr(obj, column.key), str)
    }
    for field, value in clean(type(obj), texts).items():
        setattr(obj, field, value)
    db.session.add(obj)
    db.session.flush()
    if audit:
        record(actor, action, obj, after=_audit_after(obj, {**snapshot(obj), **(note or {})}))
    return obj


def update(
    actor: User | None,
    obj: Record,
    changes: Mapping[str, Any],
    *,
    action: str,
    expected_version: int | None = None,
    permission: Action | None = Action.EDIT,
) -> dict[str, Any]:
    """Apply `changes` to `obj`; returns what actually changed (field → new value).

    `permission=None` only where the caller checked a permission of its own that covers
    this change (recording a vote, which a section may do, sets its stage held); only then
    may the actor be None (the command line, whose operator may do anything)."""
    if permission is not None:
        if actor is None:
            raise TypeError("a permission is checked against an actor")
        require(actor, permission, obj)
    if expected_version is not None:
        if not isinstance(obj, Versioned):
            raise TypeError(f"{type(obj).__name__} has no version to check")
        check_version(obj, expected_version)
    before = snapshot(obj)
    for field, value in clean(type(obj), changes).items():
        setattr(obj, field, value)
    return _flush_and_audit(actor, obj, before, action)


def clean(model: type[Record], values: Mapping[str, Any]) -> dict[str, Any]:
    """Strip text; an empty text box means NULL where the column allows it."""
    columns = sa.inspect(model).columns
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        # Enum members are strings too, but they are choices, not typed text.
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            value = value.strip()
            column = columns.get(field)
            if value == "" and column is not None and column.nullable:
                value = None
        cleaned[field] = value
    return cleaned


def _flush_and_audit(
    actor: User | None, obj: Record, before: dict[str, Any], action: str
) -> dict[str, Any]:
    old_version = obj.version if isinstance(obj, Versioned) else None
    try:
        db.session.flush()
    except StaleDataError:
        # Someone saved between our read and our write (PostgreSQL, read committed).
        db.session.rollback()
        current = db.session.get(type(obj), obj.id)
        if old_version is None or not isinstance(current, Versioned):
            # No version to say what changed since: the record has none, or the rollback
            # took it away (it was created in this transaction).
            raise
        raise conflict(current, old_version) from None
    changed_before, changed_after = diff(before, snapshot(obj))
    if changed_after:
        record(actor, action, obj, before=changed_before, after=_audit_after(obj, changed_after))
    return changed_after


def delete(
    actor: User,
    obj: Record,
    *,
    action: str,
    summary: str | None = None,
    note: Mapping[str, Any] | None = None,
) -> None:
    """Really delete a small row (an invitation, a seat that never was); the audit entry,
    on the row itself, keeps what it said (with `note`, what its child rows said: a key
    message's translations). Records people rely on are archived instead."""
    require(actor, Action.EDIT, obj)
    record(actor, action, obj, before={**snapshot(obj), **(note or {})}, summary=summary)
    db.session.delete(obj)
    db.session.flush()


def touch_parent(
    actor: User,
    parent: Versioned,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
    summary: str | None = None,
) -> None:
    """A child row of `parent` (a contact detail of a person, say) was added, changed or
    removed: move the parent's version on, flush, and audit the change on the parent, so
    that a form opened on the parent before it sees a conflict that names the change.

    `after` may be a callable: values such as a new row's id exist only after the flush.
    """
    # Touching the row makes the ORM write it, and so bump its version (with the
    # optimistic check of the version read); the child rows go in the same flush.
    update(actor, parent, {"updated_at": utcnow()}, action=action)
    values = after() if callable(after) else (after or {})
    record(
        actor, action, parent, before=before, after=_audit_after(parent, values), summary=summary
    )


def archive(
    actor: User, obj: Archivable, *, action: str, expected_version: int | None = None
) -> None:
    """Archive instead of deleting, so an admin can restore it."""
    if obj.archived_at is not None:
        raise ValidationFailed(_("This record is already archived."))
    update(
        actor,
        obj,
        {"archived_at": utcnow()},
        action=action,
        expected_version=expected_version,
        permission=Action.ARCHIVE,
    )


def restore(actor: User, obj: Archivable, *, action: str) -> None:
    if obj.archived_at is None:
        raise ValidationFailed(_("This record is not archived."))
    update(actor, obj, {"archived_at": None}, action=action, permission=Action.RESTORE)


def swap_with_neighbour(ordered: list[Item], item: Item, direction: str, *, refused: str) -> bool:
    """Swap `item` with its neighbour in `ordered`, above ("up") or below ("down"); False,
    the list unchanged, when it is already first or last. The caller writes the positions.
    Another direction is refused with the words `refused`."""
    if direction not in ("up", "down"):
        raise ValidationFailed(refused, field="direction")
    index = ordered.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    return True


def replace_collection(
    actor: User,
    obj: Record,
    attribute: str,
    new_items: Iterable[Item],
    *,
    action: str,
    describe: Callable[[Item], str] = lambda item: str(getattr(item, "id", item)),
    note: Mapping[str, Any] | None = None,
) -> list[str] | None:
    """Replace a many-to-many collection, auditing the members before and after (with
    `note`, what else the entry must keep: why a rule was overridden). Returns the new
    members as described, or None when they are the same as before (nothing written)."""
    require(actor, Action.EDIT, obj)
    current = list(getattr(obj, attribute))
    wanted = list(new_items)
    if {id(i) for i in current} == {id(i) for i in wanted}:
        return None
    setattr(obj, attribute, wanted)
    db.session.flush()
    described = [describe(i) for i in wanted]
    record(
        actor,
        action,
        obj,
        before={attribute: [describe(i) for i in current]},
        after=_audit_after(obj, {attribute: described, **(note or {})}),
    )
    return described
