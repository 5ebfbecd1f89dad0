"""Made packs kept as files in PACKS_FOLDER (instance/packs/ unless set).

Each file is named by its job and a random part, recorded in the job's result: a copy of
the database (a test's, a restored backup's) never finds another's file under its own
job's name. A file is written whole under a temporary name and renamed, before the job is
marked done, so a finished job always names a whole file. Files are readable by this
account only: they may hold restricted content.

A pack's key holds its day, so a file is served on the day it was made; files are kept
for two days (a progress page left open over midnight still finds its PDF), then removed
as new packs are made. Web servers and workers on several machines share the folder
(a network file system), as they share the database.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app

KEEP = timedelta(days=2)
_NAME = re.compile(r"[0-9]+-[0-9a-f]{16}\.pdf")
_PARTIAL = ".part"


def folder() -> Path:
    return Path(current_app.config["PACKS_FOLDER"])


def store(job_id: int, data: bytes) -> str:
    """Keep a made pack's PDF; returns the file's name, for the job's result."""
    where = folder()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{job_id}-{secrets.token_hex(8)}.pdf"
    partial = where / (name + _PARTIAL)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(where / name)
    prune()
    return name


def path_of(job: Any) -> Path | None:
    """The file of a made pack's job, or None when it has none (not made, or no longer
    kept)."""
    name = (job.result or {}).get("file")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return None
    path = folder() / name
    return path if path.is_file() else None


def prune(keep: timedelta = KEEP) -> int:
    """Remove the files older than `keep` (and pieces of files left by a worker that
    died while writing); returns how many."""
    where = folder()
    if not where.is_dir():
        return 0
    oldest = time.time() - keep.total_seconds()
    removed = 0
    for path in where.iterdir():
        if not _NAME.fullmatch(path.name.removesuffix(_PARTIAL)):
            continue  # not ours: never removed
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed by another process pruning at the same time
            continue
    return removed
