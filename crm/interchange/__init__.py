"""Data in and out: Popolo JSON (rosters and votes), CSV, and the iCalendar feed.

`popolo_read.py` turns a file into checked Popolo records (or a one-line error),
`popolo.py` imports a chamber's roster, `popolo_votes.py` a vote onto a stage,
`popolo_export.py` writes a chamber back out, `csvio.py` reads and writes spreadsheets,
`calendar.py` builds the feed, `services.py` manages calendar links, and `views.py`
serves the pages and files.
"""
