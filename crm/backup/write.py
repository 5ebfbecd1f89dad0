"""Writing a backup: every row from one consistent snapshot, to a file that appears whole."""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
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
    row_counts,
    schema_revision,
    tables,
)
from crm.backup.values import decoder, encoder
from crm.db import utcnow
from crm.extensions import db


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
        encoders = [encoder(column) for column in columns]
        checks = [decoder(table, column) for column in columns]
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
