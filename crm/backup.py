"""Backup and restore: every row of every table in one portable, compressed file.

A backup is gzip-compressed JSON lines, read from one consistent snapshot of the
database:

    {"format": "campaign-crm-backup", "format_version": 1, "schema_revision": …,
     "created_at": …, "database": "sqlite", "tables": {"campaigns": 1, …}}
    {"table": "campaigns", "columns": ["id", …], "rows": 1}
    [1, "Stop the impunity agreements", …]
    …
    {"end": true, "rows": 12345}

Values are written as the application reads them (aware datetimes and dates in ISO 8601,
enums as their stored value), so a backup taken from SQLite restores into PostgreSQL and
the other way round. Restoring checks the whole file as it goes and writes it in one
transaction: a truncated, altered or foreign file, or one of another schema revision, is
refused with a message naming the problem, and nothing is written.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from crm.db import UTCDateTime, utcnow
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


# --- Values ------------------------------------------------------------------------------


def _encoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, sa.Enum):
        return lambda value: None if value is None else str(getattr(value, "value", value))
    return lambda value: value


def _decoder(table: sa.Table, column: sa.Column[Any]) -> Callable[[Any], Any]:
    """Turns a JSON value back into what the column takes, refusing what it cannot hold."""
    kind = column.type
    where = f"{table.name}.{column.name}"

    def refuse(value: Any, wanted: str) -> BackupError:
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        return BackupError(f"{where} should be {wanted}, not {shown}")

    def checked(
        wanted: str, test: Callable[[Any], bool], convert: Callable[[Any], Any]
    ) -> Callable[[Any], Any]:
        def decode(value: Any) -> Any:
            if value is None:
                return None
            if not test(value):
                raise refuse(value, wanted)
            try:
                return convert(value)
            except (TypeError, ValueError, OverflowError):
                raise refuse(value, wanted) from None

        return decode

    if isinstance(kind, UTCDateTime):

        def aware(text: str) -> datetime:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError(text)
            return moment

        return checked("a date and time with its offset", _is_str, aware)
    if isinstance(kind, sa.Date):
        return checked("a date (YYYY-MM-DD)", _is_str, date.fromisoformat)
    if isinstance(kind, sa.Enum):
        allowed = set(kind.enums)
        return checked(
            f"one of {', '.join(sorted(allowed))}", lambda v: _is_str(v) and v in allowed, str
        )
    if isinstance(kind, sa.Boolean):
        return checked("true or false", lambda v: isinstance(v, bool), bool)
    if isinstance(kind, sa.Integer):
        return checked("a whole number", lambda v: _is_int(v) and -(2**63) <= v < 2**63, int)
    if isinstance(kind, sa.Float):
        return checked(
            "a finite number",
            lambda v: _is_int(v) or (isinstance(v, float) and math.isfinite(v)),
            float,
        )
    if isinstance(kind, sa.String):  # also Text
        limit = kind.length
        return checked(
            f"text of at most {limit} characters" if limit else "text",
            lambda v: _is_text(v) and (limit is None or len(v) <= limit),
            str,
        )
    if column.nullable:
        return lambda value: value

    def not_null(value: Any) -> Any:  # JSON that the application reads: never null
        if value is None:
            raise refuse(value, "a JSON value, not null")
        return value

    return not_null


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_text(value: Any) -> bool:
    """Text every database can hold: no NUL, no lone surrogate."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Backup ------------------------------------------------------------------------------


def write_backup(path: Path, *, progress: Progress | None = None) -> BackupSummary:
    """Write every row to `path` from one consistent snapshot; never overwrites a file.

    Reads in a transaction of its own (anything pending in the session is rolled back
    first). The file appears only when complete and on disk: it is written to a
    temporary file beside `path`, synced, then linked into place. Each value is checked
    as a restore will check it; `summary.problems` lists any a restore would refuse."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose another name.")
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(name)
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        summary = BackupSummary(schema_revision=schema_revision(), tables=row_counts())
        with open(handle, "wb") as raw:
            with (
                gzip.GzipFile(fileobj=raw, mode="wb", filename="") as zipped,
                io.TextIOWrapper(zipped, encoding="utf-8", newline="\n") as out,
            ):
                _write(out, summary, progress)
            raw.flush()
            os.fsync(raw.fileno())
        _publish(partial, path)
    finally:
        partial.unlink(missing_ok=True)
        db.session.rollback()
    return summary


def _publish(partial: Path, path: Path) -> None:
    """Give the finished file its name, unless someone took the name meanwhile."""
    try:
        os.link(partial, path)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose another name.") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise BackupError(f"{path} already exists; choose another name.") from None
        os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _line(out: IO[str], value: Any) -> int:
    """Write one JSON line; returns its length (without the line break)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    out.write(text)
    out.write("\n")
    return len(text)


def _write(out: IO[str], summary: BackupSummary, progress: Progress | None) -> None:
    _line(
        out,
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": summary.schema_revision,
            "created_at": utcnow().isoformat(timespec="seconds"),
            "database": db.engine.dialect.name,
            "tables": summary.tables,
        },
    )
    for table in tables():
        columns = list(table.columns)
        encoders = [_encoder(column) for column in columns]
        checks = [_decoder(table, column) for column in columns]
        _line(
            out,
            {
                "table": table.name,
                "columns": [c.name for c in columns],
                "rows": summary.tables[table.name],
            },
        )
        written = 0
        query = sa.select(table).order_by(*table.primary_key.columns)
        for batch in db.session.execute(query, execution_options={"yield_per": BATCH}).partitions():
            for row in batch:
                values = [encode(value) for encode, value in zip(encoders, row, strict=True)]
                for check, value in zip(checks, values, strict=True):
                    try:
                        check(value)
                    except BackupError as error:
                        summary.problems.append(f"{error.message} (row {row[0]})")
                if _line(out, values) > MAX_LINE_CHARS:
                    summary.problems.append(
                        f"{table.name}: the row is longer than {MAX_LINE_CHARS:,} characters, "
                        f"more than a restore reads (row {row[0]})"
                    )
            written += len(batch)
            if progress:
                progress(len(batch))
        if written != summary.tables[table.name]:  # the snapshot makes this impossible
            raise BackupError(f"{table.name} changed while it was read; try again.")
    _line(out, {"end": True, "rows": summary.rows})


# --- Restore -----------------------------------------------------------------------------


class _Reader:
    """The backup's lines, decoded, with the line number for messages."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.number = 0

    def next(self, what: str) -> Any:
        try:
            # The longest line read whole, with its line break, and one character more.
            text = self.stream.readline(MAX_LINE_CHARS + 2)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
            raise BackupError(
                f"line {self.number + 1}: the file is damaged or cut short ({_reason(error)})"
            ) from None
        self.number += 1
        if not text:
            raise BackupError(f"the file ends at line {self.number - 1}, before {what}")
        if len(text.rstrip("\n")) > MAX_LINE_CHARS:
            raise BackupError(
                f"line {self.number}: longer than {MAX_LINE_CHARS:,} characters, which no "
                f"backup writes (expected {what})"
            )
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # also numbers of thousands of digits
            raise BackupError(f"line {self.number}: not JSON (expected {what})") from None

    def at_end(self) -> bool:
        """Whether the file ends here (reading on checks the gzip trailer's checksum)."""
        try:
            return not self.stream.read(1)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
            raise BackupError(
                f"after line {self.number}: the file is damaged or cut short ({_reason(error)})"
            ) from None


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def read_header(path: Path) -> dict[str, Any]:
    """The backup's first line, checked (used to describe a file before restoring it)."""
    with _open(path) as stream:
        return _header(_Reader(stream))


def _open(path: Path) -> IO[str]:
    try:
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    except OSError as error:
        raise BackupError(f"cannot read the file ({_reason(error)})") from None


def _header(reader: _Reader) -> dict[str, Any]:
    try:
        header = reader.next("the header")
    except BackupError as error:
        if reader.number <= 1:
            raise BackupError(f"not a backup of this application ({error.message})") from None
        raise
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("not a backup of this application (its first line is not the header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format {header.get('format_version')!r}; this version reads "
            f"format {FORMAT_VERSION}"
        )
    counts = header.get("tables")
    if not isinstance(counts, dict) or not all(_is_int(n) and n >= 0 for n in counts.values()):
        raise BackupError("line 1: the header's table counts are missing or malformed")
    return header


def restore_backup(
    path: Path, *, replace: bool = False, progress: Progress | None = None
) -> BackupSummary:
    """Write a backup's rows into this database, in the caller's transaction.

    The database must be at the backup's schema revision and empty, unless `replace`, which
    deletes every row first. Raises BackupError, leaving the transaction to be rolled back,
    when anything is wrong. The caller commits."""
    with _open(path) as stream:
        reader = _Reader(stream)
        header = _header(reader)
        here = schema_revision()
        if here is None:
            raise BackupError(
                "this database has no schema yet: run `flask --app wsgi db upgrade` first"
            )
        if header.get("schema_revision") != here:
            raise BackupError(
                f"the backup is of schema revision {header.get('schema_revision')}, this "
                f"database is at {here}: restore it with the version of the application "
                "that made it, then upgrade"
            )
        known = {table.name for table in tables()}
        if set(header["tables"]) != known:
            odd = sorted(set(header["tables"]) ^ known)
            raise BackupError(f"the backup's tables do not match this schema ({', '.join(odd)})")
        present = {name: count for name, count in row_counts().items() if count}
        if present and not replace:
            raise BackupError(
                f"this database already holds data ({sum(present.values()):,} rows in "
                f"{len(present)} tables); restore into an empty database, or replace "
                "everything in it with --replace"
            )
        if present:
            for table in reversed(tables()):
                db.session.execute(sa.delete(table))
        summary = BackupSummary(schema_revision=here)
        for table in tables():
            summary.tables[table.name] = _restore_table(reader, table, header, progress)
        end = reader.next("the end marker")
        if end != {"end": True, "rows": summary.rows}:
            raise BackupError(f"line {reader.number}: expected the end marker")
        if not reader.at_end():
            raise BackupError(f"line {reader.number + 1}: more lines after the end marker")
    reset_sequences()
    return summary


def _restore_table(
    reader: _Reader, table: sa.Table, header: dict[str, Any], progress: Progress | None
) -> int:
    columns = [column.name for column in table.columns]
    expected: int = header["tables"][table.name]
    start = reader.next(f"the {table.name} table")
    if start != {"table": table.name, "columns": columns, "rows": expected}:
        raise BackupError(
            f"line {reader.number}: expected the {table.name} table with columns "
            f"{', '.join(columns)} and {expected} rows"
        )
    decoders = [_decoder(table, column) for column in table.columns]
    batch: list[dict[str, Any]] = []
    for _ in range(expected):
        values = reader.next(f"a row of {table.name}")
        if not isinstance(values, list) or len(values) != len(columns):
            raise BackupError(f"line {reader.number}: expected {len(columns)} values")
        try:
            batch.append(
                {
                    name: decode(value)
                    for name, decode, value in zip(columns, decoders, values, strict=True)
                }
            )
        except BackupError as error:
            raise BackupError(f"line {reader.number}: {error.message}") from None
        if len(batch) == BATCH:
            _insert(reader, table, batch, progress)
            batch = []
    if batch:
        _insert(reader, table, batch, progress)
    return expected


def _insert(
    reader: _Reader, table: sa.Table, batch: list[dict[str, Any]], progress: Progress | None
) -> None:
    try:
        db.session.execute(sa.insert(table), batch)
    except (sa.exc.SQLAlchemyError, ValueError, OverflowError) as error:
        reason = _reason(getattr(error, "orig", None) or error)
        raise BackupError(
            f"the database refused rows of {table.name} ending at line {reader.number} ({reason})"
        ) from None
    if progress:
        progress(len(batch))


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
