"""Adding, editing and removing a small child row of a representative (a contact detail,
another name): one implementation, driven by a `ChildKind` per kind of row.

The row belongs to the person's record: each change checks the permission and the version
the form was opened on, moves the representative's version on, and is audited on the
representative (`records.touch_parent`) as `<kind>.added`, `<kind>.updated` or
`<kind>.removed`, with the row's values under the key `<kind>`. A removed row is really
deleted (the relationship deletes orphans); its audit entry keeps what it said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from crm import records
from crm.audit.services import snapshot
from crm.parliament.models import ContactDetail, OtherName, Representative
from crm.parliament.services.rules import begin_change, refresh_search_text

if TYPE_CHECKING:
    from crm.auth.models import User


# The kinds of child row written here (each has `representative`).
Row = TypeVar("Row", ContactDetail, OtherName)


@dataclass(frozen=True)
class ChildKind(Generic[Row]):
    """A kind of child row of a representative, and how its changes are written."""

    model: Callable[..., Row]
    # The representative's list of these rows.
    collection: str
    # The values given → the row's values, cleaned; raises ValidationFailed naming the field.
    clean: Callable[..., dict[str, Any]]
    # The audit actions' prefix, and the key of the row's values in their entries.
    action: str
    # What the audit log's summary says of the row.
    summary: Callable[[Row], str]
    # Search finds people by these rows too (other names): refold after each change.
    searched: bool = False

    def add(
        self,
        actor: User,
        representative: Representative,
        *,
        expected_version: int | None = None,
        **values: Any,
    ) -> Row:
        """Add a row to the representative's record."""
        begin_change(actor, representative, expected_version)
        row = self.model(**self.clean(**values))
        getattr(representative, self.collection).append(row)
        self._touch(
            actor,
            representative,
            "added",
            row,
            before=None,
            after=lambda: {self.action: snapshot(row)},
        )
        return row

    def update(
        self, actor: User, row: Row, *, expected_version: int | None = None, **values: Any
    ) -> bool:
        """Change a row; returns whether anything changed (nothing is written if not)."""
        representative = row.representative
        begin_change(actor, representative, expected_version)
        cleaned = self.clean(**values)
        before = snapshot(row)
        for field, value in cleaned.items():
            setattr(row, field, value)
        if snapshot(row) == before:
            return False
        self._touch(
            actor,
            representative,
            "updated",
            row,
            before={self.action: before},
            after=lambda: {self.action: snapshot(row)},
        )
        return True

    def remove(self, actor: User, row: Row, *, expected_version: int | None = None) -> None:
        """Delete a row; the audit entry keeps what it was."""
        representative = row.representative
        begin_change(actor, representative, expected_version)
        before = snapshot(row)
        getattr(representative, self.collection).remove(row)
        self._touch(
            actor,
            representative,
            "removed",
            row,
            before={self.action: before},
            after={self.action: None},
        )

    def _touch(
        self,
        actor: User,
        representative: Representative,
        event: str,
        row: Row,
        *,
        before: dict[str, Any] | None,
        after: Any,
    ) -> None:
        if self.searched:
            refresh_search_text(representative)
        records.touch_parent(
            actor,
            representative,
            f"{self.action}.{event}",
            before=before,
            after=after,
            summary=self.summary(row),
        )
