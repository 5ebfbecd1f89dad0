"""Restoring a backup: the whole file checked as it is read, and written in one transaction."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from crm.backup.common import (
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    MAX_LINE_CHARS,
    BackupError,
    BackupSummary,
    Progress,
    reset_sequences,
    row_counts,
    schema_revision,
    tables,
)
from crm.backup.values import decoder, is_int
from crm.extensions import db


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
    if not isinstance(counts, dict) or not all(is_int(n) and n >= 0 for n in counts.values()):
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
    decoders = [decoder(table, column) for column in table.columns]
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
