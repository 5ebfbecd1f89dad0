"""What a backup is: its format, its errors and summary, and the tables it holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from crm.db import utcnow
from crm.extensions import db

FORMAT = "campaign-crm-backup"
FORMAT_VERSION = 1
BATCH = 1000
# The longest line a restore reads, in characters. The longest legal row (an audit entry
# of a big change, a risk snapshot of a large chamber) is well under a megabyte; a line
# longer than this is refused before the rest of it is read into memory.
MAX_LINE_CHARS = 16 * 1024 * 1024

Progress = Callable[[int], None]


class BackupError(Exception):
    """The file cannot be restored (or written); the message is meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class BackupSummary:
    """What a backup holds, or what a restore wrote."""

    schema_revision: str | None
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # values a restore would refuse

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def lines(self) -> list[str]:
        filled = {name: count for name, count in self.tables.items() if count}
        return [
            f"{self.rows:,} rows in {len(filled)} of {len(self.tables)} tables "
            f"(schema revision {self.schema_revision}).",
            *(f"  {name:<28} {count:>10,}" for name, count in filled.items()),
        ]


def tables() -> list[sa.Table]:
    """Every table of the application, parents before the tables that refer to them."""
    return list(db.metadata.sorted_tables)


def schema_revision() -> str | None:
    """The migration the database is at (None when it was never migrated)."""
    return MigrationContext.configure(db.session.connection()).get_current_revision()


def row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    sql = _compiled_once("row_counts", _row_counts_statement)
    return dict(db.session.execute(sa.text(sql)).one()._mapping)


def _row_counts_statement() -> sa.Select[Any]:
    return sa.select(
        *(
            sa.select(sa.func.count()).select_from(table).scalar_subquery().label(table.name)
            for table in tables()
        )
    )


_COMPILED: dict[tuple[str, str, int], str] = {}


def _compiled_once(name: str, build: Callable[[], sa.Select[Any]]) -> str:
    """The SQL of a statement over every table, compiled once per kind of database (and per
    set of tables: models imported later add some). Its 50-odd subqueries cost more to build
    and look up in SQLAlchemy's cache than to run, and tests run these after every request."""
    dialect = db.session.get_bind().dialect
    key = (name, dialect.name, len(db.metadata.tables))
    if key not in _COMPILED:
        statement = build().compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        _COMPILED[key] = str(statement)
    return _COMPILED[key]


def reset_sequences() -> None:
    """PostgreSQL: each id sequence continues after the table's highest id (one query)."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.execute(sa.text(_compiled_once("reset_sequences", _sequence_resets)))


def _sequence_resets() -> sa.Select[Any]:
    resets = []
    for table in tables():
        if "id" not in table.c:
            continue
        highest = sa.select(sa.func.max(table.c.id)).scalar_subquery()
        resets.append(
            sa.func.setval(
                sa.func.pg_get_serial_sequence(
                    sa.literal(table.name, sa.String), sa.literal("id", sa.String)
                ),
                sa.func.coalesce(highest, 1),
                highest.is_not(None),
            )
        )
    return sa.select(*resets)


def default_name() -> str:
    return f"crm-backup-{utcnow():%Y%m%d-%H%M%S}.jsonl.gz"
