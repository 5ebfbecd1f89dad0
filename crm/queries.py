"""Reads that the features' query modules share."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.interfaces import LoaderOption

from crm.db import Base
from crm.extensions import db

Row = TypeVar("Row", bound=Base)


def get_loaded(model: type[Row], row_id: int, *options: LoaderOption) -> Row | None:
    """The row with this id, with what its page shows loaded by `options` (one query, and
    one a loader), or None."""
    return db.session.scalar(sa.select(model).filter_by(id=row_id).options(*options))
