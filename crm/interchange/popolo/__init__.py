"""Popolo JSON in and out: chamber rosters and vote events.

Reading a file: `read.py` (JSON and checked values, `PopoloError`), `roster_in.py` and
`votes_in.py` (the records a file holds). Importing: `roster.py` (a chamber's roster, in
steps: `chamber.py`, `members.py`, `parties.py`, `committees.py`, `matching.py`,
`people.py`, `seats.py`, sharing a `run.py`) and `votes.py` (a vote onto a stage, its
voters found by `voters.py`); `report.py` says what each import did. Writing a file:
`export.py`. Our own ids for records without a Popolo id: `ids.py`.
"""
