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

The package: `common` (the format, errors, summary, tables and row counts), `values` (how
each value is written and checked), `write` (a backup), `restore` (reading one back), and
`cli` (the `crm backup` and `crm restore` commands).
"""

from crm.backup.common import (
    FORMAT,
    FORMAT_VERSION,
    MAX_LINE_CHARS,
    BackupError,
    BackupSummary,
    default_name,
    reset_sequences,
    row_counts,
    schema_revision,
    tables,
)
from crm.backup.restore import read_header, restore_backup
from crm.backup.write import write_backup

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_LINE_CHARS",
    "BackupError",
    "BackupSummary",
    "default_name",
    "read_header",
    "reset_sequences",
    "restore_backup",
    "row_counts",
    "schema_revision",
    "tables",
    "write_backup",
]
