"""Made packs kept as files: whole, readable by this account only, and removed after two
days (nothing else in the folder is touched)."""

from __future__ import annotations

import os
import stat
import time

from crm.briefings import stored


def test_a_kept_pack_is_a_whole_file_only_this_account_reads(app):
    name = stored.store(7, b"%PDF-1.7 a pack")
    path = stored.folder() / name
    assert path.read_bytes() == b"%PDF-1.7 a pack"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.folder().stat().st_mode) & 0o077 == 0
    assert not list(stored.folder().glob("*.part"))


def test_files_older_than_two_days_are_removed_and_nothing_else(app):
    old = stored.folder() / stored.store(1, b"%PDF old")
    recent = stored.folder() / stored.store(2, b"%PDF recent")
    left_over = stored.folder() / "3-0123456789abcdef.pdf.part"  # a worker died writing it
    left_over.write_bytes(b"%PDF")
    someone_elses = stored.folder() / "notes.txt"
    someone_elses.write_text("not a pack")
    three_days_ago = time.time() - 3 * 24 * 3600
    for path in (old, left_over, someone_elses):
        os.utime(path, (three_days_ago, three_days_ago))
    assert stored.prune() == 2
    assert sorted(p.name for p in stored.folder().iterdir()) == sorted(
        [recent.name, someone_elses.name]
    )


def test_a_job_names_only_a_file_of_the_folder(app):
    class Result:
        def __init__(self, file: str) -> None:
            self.result = {"file": file}

    name = stored.store(4, b"%PDF")
    assert stored.path_of(Result(name)) == stored.folder() / name
    for forged in ("../../config.py", "/etc/passwd", "4-0123456789abcdef.pdf", name + "x"):
        assert stored.path_of(Result(forged)) is None
