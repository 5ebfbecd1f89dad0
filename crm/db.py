"""Declarative base, column types and database-engine behaviour shared by every feature."""

from __future__ import annotations

import contextlib
import enum
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Self, TypeVar

import sqlalchemy as sa
from flask import has_app_context
from flask_babel import LazyString, gettext, pgettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)
from sqlalchemy.sql.functions import GenericFunction
from wtforms.fields import SelectChoice

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

F = TypeVar("F", bound=Callable[..., Any])

# A stable naming convention from the first migration on: Alembic batch mode on SQLite
# recreates tables and can only drop or alter constraints it can name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (used as a callable column default)."""
    return datetime.now(UTC)


def today() -> date:
    return utcnow().date()


def month_end(on: date) -> date:
    """The last day of the date's month: where a date shown as its month only is placed."""
    first_of_next = date(on.year + on.month // 12, on.month % 12 + 1, 1)
    return date.fromordinal(first_of_next.toordinal() - 1)


def as_utc(value: datetime | str | None) -> datetime | None:
    """An aggregate's datetime as aware UTC: MAX() bypasses the column type, so SQLite
    hands back a naive value or even a string."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes stored as UTC.

    SQLite has no time zone type; storing naive UTC there and `timestamptz` on PostgreSQL,
    and always returning aware values, keeps comparisons identical on both engines.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: VARCHAR plus a named CHECK constraint, storing the member values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def say(label: tuple[str, str]) -> str:
    """A label marked with `crm.i18n.marked_label`, in the reader's language (as written
    outside an app context: the command line, the demo data)."""
    context, words = label
    if not has_app_context():
        return words
    return pgettext(context, words) if context else gettext(words)


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a human label for pages, PDFs and e-mails.

    Each member names its words and their context for the catalogs:
    `VOTES_CAST = "votes_cast", marked_label("majority rule", "Majority of votes cast")`;
    `label` says them in the reader's language (English outside an app context), `english`
    as written. The values, which the API and the files carry, never change with either.
    """

    _value_: str
    _label: tuple[str, str]

    def __new__(cls, value: str, label: tuple[str, str] | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label or ("", value.replace("_", " ").capitalize())
        return member

    @property
    def english(self) -> str:
        return self._label[1]

    @property
    def label(self) -> str:
        return say(self._label)

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """The members as WTForms select choices, said when the form is shown."""
        return [SelectChoice(member.value, LazyString(lambda m=member: m.label)) for member in cls]


class IdMixin:
    """An integer key of no meaning of its own."""

    # First in the table, as in every table (backups and reports name a row by it).
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking: an UPDATE that finds another version raises StaleDataError.

    Forms carry the version they were opened with, so two tabs editing one record cannot
    silently overwrite each other.
    """

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class ArchivableMixin:
    """Records are archived, never deleted, so an admin can restore them."""

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class StateRecordMixin(IdMixin, VersionedMixin, ArchivableMixin, TimestampMixin):
    """A record a national section keeps for one state (a person, a contact, a follow-up, an
    event): the state decides who may see and edit it, and the record is versioned,
    timestamped and archived rather than deleted."""

    # Right after the id. States are never deleted: they keep the records their sections made.
    state_id: Mapped[int] = mapped_column(
        sa.ForeignKey("states.id", ondelete="RESTRICT"), sort_order=-1
    )

    @declared_attr
    def state(cls) -> Mapped[State]:
        return relationship("State")


class CreatedByMixin:
    """A record that names the user who made it (a contact, a follow-up, an event)."""

    # The record stays when its author's account is removed.
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    @declared_attr
    def created_by(cls) -> Mapped[User | None]:
        # Named by its column: a follow-up also names another user, its assignee.
        return relationship("User", foreign_keys=f"{cls.__name__}.created_by_id")


# --- SQLite behaviour -------------------------------------------------------------------

# SQLite's result codes for a lock held by another connection (the low byte of the
# extended code), and PostgreSQL's SQLSTATEs for lock_timeout, serialization failure and
# deadlock.
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
POSTGRESQL_BUSY = frozenset({"55P03", "40001", "40P01"})

# Set for requests and commands that will write: their transactions start with
# BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of one of them failing
# with "database is locked" when it upgrades a read lock.
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


def set_write_intent(value: bool) -> None:
    _write_intent.set(value)


def reads_first(view: F) -> F:
    """Mark a view that may read for long before it writes (the CSV upload checks thousands
    of rows): its POST does not begin with BEGIN IMMEDIATE, so the reading holds no write
    lock. The view takes `write_intent()` itself for its write."""
    view.reads_first = True  # type: ignore[attr-defined]
    return view


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def is_busy(error: BaseException) -> bool:
    """Whether a database error means another transaction held a lock for longer than we
    wait (SQLite's busy timeout, PostgreSQL's lock_timeout), or PostgreSQL gave up a
    transaction that ran into another (serialization failure, deadlock). Nothing was
    written and the same request may well succeed in a moment."""
    original = getattr(error, "orig", None) or error
    if isinstance(original, sqlite3.OperationalError):
        # The code SQLite gave (an error made by hand has none, and is not a lock).
        code = getattr(original, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return sqlstate in POSTGRESQL_BUSY


# From this many rows, a bulk write refreshes PostgreSQL's planner statistics itself.
BULK_ROWS = 1_000


def analyse_after_bulk_write(session: Session, tables: Iterable[sa.Table], rows: int) -> None:
    """After a bulk write of `rows` rows, refresh PostgreSQL's statistics of `tables` in the
    same transaction (ANALYZE counts the transaction's own rows), as PostgreSQL advises after
    a bulk load: until autovacuum gets to them, the planner plans for what the tables held
    before. Checking a file of 20,000 people right after importing them took 14 s, most of it
    one IN list compared row by row against every identifier, instead of 2 s. SQLite plans
    without statistics unless asked (it never is here)."""
    if rows < BULK_ROWS or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(sa.text("ANALYZE " + ", ".join(f'"{table.name}"' for table in tables)))


class lower_text(GenericFunction[str]):
    """lower() of any letters: SQLite's own lowers only A–Z, so on SQLite this is a function
    of ours (registered by `configure_sqlite`) that lowers as Python does; PostgreSQL's
    lower() follows the database's character type (a UTF-8 locale lowers every alphabet;
    the "C" locale only A–Z). Lower both sides of a comparison with it."""

    type = sa.String()
    inherit_cache = True


@compiles(lower_text, "postgresql")
def _lower_text_postgresql(element: lower_text, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


def _lower_text_sqlite(value: str | None) -> str | None:
    return None if value is None else value.lower()


def configure_postgresql(engine: Engine, lock_timeout_ms: int) -> None:
    """A lock timeout on every connection: a statement waiting longer than that for a lock
    held by another transaction fails (and the request answers 503) instead of waiting
    until gunicorn kills the worker."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
        cursor.close()
        dbapi_connection.autocommit = autocommit


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, and explicit BEGIN (IMMEDIATE when writing).

    pysqlite's own transaction handling is turned off so that SQLAlchemy's `begin` event
    decides how each transaction starts (the recipe in SQLAlchemy's SQLite dialect docs).
    """
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function("lower_text", 1, _lower_text_sqlite, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
