"""Reads that the features' query modules share."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.interfaces import LoaderOption

from crm.db import Base
from crm.extensions import db

Row = TypeVar("Row", bound=Base)


def get_loaded(model: type[Row], row_id: int, *options: LoaderOption) -> Row | None:
    """The row with this id, with what its page shows loaded by `options` (one query, and
    one a loader), or None."""
    return db.session.scalar(sa.select(model).filter_by(id=row_id).options(*options))


class CappedPagination(SelectPagination):
    """A page of a list that counts its rows only up to `cap`: past it, the list says "more
    than `cap`" and pages on by "next" and "previous" (`beyond`), as no reader pages through
    thousands of names. Counting 100,000 representatives cost more than showing a page.

    `has_next` comes from the page itself (one row more is read), so it holds beyond the
    cap too."""

    def __init__(self, select: sa.Select[Any], *, page: int, per_page: int, cap: int) -> None:
        self.cap = cap
        self.beyond = False
        self._more = False
        super().__init__(
            select=select, session=db.session(), page=page, per_page=per_page, error_out=False
        )

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"]
        rows = list(
            db.session.execute(select.limit(self.per_page + 1).offset(self._query_offset))
            .unique()
            .scalars()
        )
        self._more = len(rows) > self.per_page
        return rows[: self.per_page]

    def _query_count(self) -> int:
        select = self._query_args["select"]
        counted = select.options(lazyload("*")).order_by(None).limit(self.cap + 1).subquery()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
        self.beyond = total > self.cap
        return min(total, self.cap)

    @property
    def has_next(self) -> bool:
        return self._more

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self._more else None
