"""Data in and out: Popolo JSON (rosters and votes), CSV, and the iCalendar feed.

`popolo/` reads a file into checked Popolo records (or a one-line error), imports a
chamber's roster or a vote onto a stage, and writes a chamber back out (its `__init__.py`
maps the modules); `csvio.py` reads and writes spreadsheets, `csv_import/` checks and
writes a file of representatives, `calendar.py` builds the feed, `services.py` manages
calendar links and API tokens, `views.py` serves the pages and files, and `cli.py` holds
the import and export commands.
"""
