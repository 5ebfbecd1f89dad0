"""The columns a file of representatives may have, the report of a check or an import, and
reading the file into rows."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.errors import ValidationFailed
from crm.interchange.csvio import uncell
from crm.parliament.models import (
    ContactDetail,
    ContactKind,
    Identifier,
    Membership,
    OtherName,
    Representative,
)
from crm.said import Said

if TYPE_CHECKING:
    pass

# The tables the import writes, as Core tables for bulk statements.
REPRESENTATIVES = cast(sa.Table, Representative.__table__)
CONTACT_DETAILS = cast(sa.Table, ContactDetail.__table__)
IDENTIFIERS = cast(sa.Table, Identifier.__table__)
MEMBERSHIPS = cast(sa.Table, Membership.__table__)
OTHER_NAMES = cast(sa.Table, OtherName.__table__)

AUDIT_ENTRIES = cast(sa.Table, AuditEntry.__table__)

CHANGED_MEANWHILE = (
    "Someone changed these representatives while the file was being imported; nothing was "
    "imported. Import the file again."
)
WRITTEN = (REPRESENTATIVES, CONTACT_DETAILS, IDENTIFIERS, MEMBERSHIPS)

# What each column may hold, and how long it may be.
TEXT_COLUMNS = {
    "name": 200,
    "sort_name": 200,
    "given_name": 120,
    "family_name": 120,
    "gender": 20,
    "chamber": 120,
    "party": 200,
    "constituency": 200,
    "legislative_period": 80,
    "do_not_contact_reason": 300,
    "popolo_id": 200,
}
OTHER_COLUMNS = {
    "id",
    "start_date",
    "influence",
    "languages",
    "tags",
    "do_not_contact",
    "email",
    "phone",
    "website",
    "wikidata",
}
# Columns of the export that an import does not change (a stance needs its source).
READ_ONLY_COLUMNS = {"end_date", "stance", "stance_on", "stance_stale"}
REQUIRED_COLUMNS = ("name", "chamber")
MAX_ROWS = 20_000
PROFILE_FIELDS = (
    "name",
    "sort_name",
    "given_name",
    "family_name",
    "gender",
    "influence",
    "languages",
    "tags",
    "do_not_contact",
    "do_not_contact_reason",
)
CONTACT_COLUMNS = {
    "email": ContactKind.EMAIL,
    "phone": ContactKind.PHONE,
    "website": ContactKind.WEBSITE,
}
WIKIDATA = re.compile(r"Q[1-9][0-9]{0,11}")
# An address of the common shape (an ASCII dot-atom before the @) is valid when its domain
# is, which is checked once per domain: the full check of each address costs about 0.2 ms,
# four seconds for a file of 20,000.
PLAIN_EMAIL = re.compile(r"(?P<local>[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@(?P<domain>[^@\s]+)")
# The cells of a row whose cells outnumber the header's columns.
MORE_CELLS = "__more_cells__"
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class RowError:
    """What is wrong with a line of a file (0: the file as a whole): `message` is English as
    it stands (the command line), and said in the reader's language where a page shows it
    (crm.said.translated)."""

    line: int
    message: Said | str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else str(self.message)


class CsvRejected(ValidationFailed):
    """The file was not imported; `errors` says why, row by row. The message is English (the
    command line's); a page says it with crm.interchange.imports.nothing_imported."""

    def __init__(self, errors: list[RowError]) -> None:
        count = len(errors)
        super().__init__(
            f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in the file."
        )
        self.errors = errors


@dataclass
class CsvReport:
    state: str
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[Said]]] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{self.state}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{self.unchanged} unchanged"
        )

    def lines(self) -> list[str]:
        """The report as the command line prints it (in English)."""
        out = [self.summary()]
        out += [f"  + {name}" for name in self.added]
        out += [f"  ~ {name}: {'; '.join(map(str, what))}" for name, what in self.changed]
        return out


# --- Reading the file --------------------------------------------------------------------------


def _header_name(text: str) -> str:
    return re.sub(r"[\s-]+", "_", uncell(text).strip().lower())


def read_rows(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as (line number, column → cell), header checked."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvRejected(
            [
                RowError(
                    0,
                    Said.gettext(
                        "The file is not UTF-8 text (byte %(byte)d). Save it as “CSV UTF-8” "
                        "from your spreadsheet program.",
                        byte=error.start + 1,
                    ),
                )
            ]
        ) from None
    if not text.strip():
        raise CsvRejected([RowError(0, Said.gettext("The file is empty."))])
    if "\x00" in text:
        raise CsvRejected(
            [RowError(0, Said.gettext("The file contains NUL characters: is it a CSV file?"))]
        )
    first = text.lstrip().splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [_header_name(name) for name in next(reader)]
        known = set(TEXT_COLUMNS) | OTHER_COLUMNS | READ_ONLY_COLUMNS
        problems = []
        unknown = [name for name in header if name and name not in known]
        # The English says "column(s)" whatever the number (the command line's words); a
        # language that agrees with it has its plural forms.
        if unknown:
            said = Said.ngettext(
                "unknown column(s): %(columns)s (see the README for the columns)",
                "unknown column(s): %(columns)s (see the README for the columns)",
                len(unknown),
                columns=", ".join(unknown)[:200],
            )
            problems.append(RowError(1, said))
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            said = Said.ngettext(
                "missing column(s): %(columns)s",
                "missing column(s): %(columns)s",
                len(missing),
                columns=", ".join(missing),
            )
            problems.append(RowError(1, said))
        doubled = sorted({name for name in header if name and header.count(name) > 1})
        if doubled:
            said = Said.ngettext(
                "column(s) given twice: %(columns)s",
                "column(s) given twice: %(columns)s",
                len(doubled),
                columns=", ".join(doubled),
            )
            problems.append(RowError(1, said))
        if problems:
            raise CsvRejected(problems)
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                said = Said.gettext("more than %(most)d rows: split the file", most=MAX_ROWS)
                raise CsvRejected([RowError(line, said)])
            values = {name: "" for name in header if name}
            extra = cells[len(header) :]
            if any(c.strip() for c in extra):
                rows.append((line, {MORE_CELLS: "yes"}))
                continue
            for name, value in zip(header, cells, strict=False):
                if name:
                    values[name] = uncell(value.strip())
            rows.append((line, values))
    except csv.Error as error:
        # Python's words for what it could not read (English, as the command line's).
        said = Said.gettext("the CSV cannot be read: %(problem)s", problem=str(error))
        raise CsvRejected([RowError(reader.line_num, said)]) from None
    if not rows:
        raise CsvRejected([RowError(0, Said.gettext("The file has a header but no rows."))])
    return rows
