"""Importing representatives from a spreadsheet (CSV), all rows or none.

Every row is checked first; if any is wrong, nothing is written and every bad row is
reported with its line number and the reason. A row names a new representative, or one
already on record — by `id`, `popolo_id`, `wikidata`, or the same name in the same
chamber — whose profile it updates with the cells that are filled in (an empty cell
changes nothing). The columns are documented in the README ("Data in and out"); a file
exported from the representatives list imports back unchanged.

Checking reads only, so a web upload checks its rows without holding the write lock
(SQLite has one for the whole database), then writes them with a few bulk statements in
one short transaction: 20,000 rows must never keep other people's changes waiting (see
docs/benchmarks.md). A change made between the check and the write is noticed (the rows
the check read no longer add up the same) and the rows are checked again inside the write.

`read.py` holds the columns and reads the file, `check.py` checks its rows (each cell on its
own in `cells.py`; against the records on file, and finding the one a row names, in
`on_record.py`), `plan.py` holds what the check found to write, `write.py` writes it.
"""

from crm.interchange.csv_import.check import check_representatives, check_rows
from crm.interchange.csv_import.plan import ImportPlan
from crm.interchange.csv_import.read import (
    MAX_ROWS,
    OTHER_COLUMNS,
    READ_ONLY_COLUMNS,
    TEXT_COLUMNS,
    WRITTEN,
    CsvRejected,
    CsvReport,
    RowError,
    read_rows,
)
from crm.interchange.csv_import.write import write_representatives

__all__ = [
    "MAX_ROWS",
    "OTHER_COLUMNS",
    "READ_ONLY_COLUMNS",
    "TEXT_COLUMNS",
    "WRITTEN",
    "CsvRejected",
    "CsvReport",
    "ImportPlan",
    "RowError",
    "check_representatives",
    "check_rows",
    "read_rows",
    "write_representatives",
]
