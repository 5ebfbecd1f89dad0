"""`crm backup` and `crm restore`: exact round trips, across databases, and refusals that
write nothing."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.auth.models import TokenScope
from crm.backup import FORMAT, MAX_LINE_CHARS, tables, write_backup
from crm.extensions import db
from crm.interchange.services import create_personal_token
from tests.conftest import (
    DEMO_PASSWORD,
    PG_URL,
    _migrate,
    app_on,
    every_row,
    login,
    make_app,
    row_counts,
)
from tests.factories import PASSWORD, CampaignFactory
from tests.world import build_world


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["crm", *args])


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return stream.read().splitlines()


def _write_lines(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write("".join(line + "\n" for line in lines))


def _is_empty() -> bool:
    return not any(row_counts().values())


def test_the_demo_data_round_trips_exactly(demo_app, fresh_app, tmp_path):
    first, second = tmp_path / "first.jsonl.gz", tmp_path / "second.jsonl.gz"
    before = every_row()
    made = _run(demo_app, "backup", str(first))
    assert made.exit_code == 0, made.output
    assert f"{sum(len(rows) for rows in before.values()):,} rows in" in made.output
    header = json.loads(_lines(first)[0])
    assert header["format"] == FORMAT
    assert header["tables"] == {name: len(rows) for name, rows in before.items()}

    with fresh_app() as target:
        restored = _run(target, "restore", str(first))
        assert restored.exit_code == 0, restored.output
        assert every_row() == before
        assert _run(target, "backup", str(second)).exit_code == 0
        assert _lines(second)[1:] == _lines(first)[1:]

        # The restored database is a working one: its people sign in, and new records
        # take fresh ids (PostgreSQL's sequences continue after the restored rows).
        client = target.test_client()
        assert login(client, "coordinator@demo.example", DEMO_PASSWORD).status_code == 302
        assert client.get("/dashboard").status_code == 200
        assert _sequences_behind() == []
        highest = max(row[0] for row in before["campaigns"])
        campaign = CampaignFactory()
        db.session.commit()
        assert campaign.id > highest


def _sequences_behind() -> list[str]:
    """PostgreSQL: the tables whose id sequence would hand out an id already used."""
    if db.engine.dialect.name != "postgresql":
        return []
    behind = []
    for table in tables():
        if "id" not in table.c:
            continue
        sequence = db.session.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
        highest = db.session.scalar(sa.select(sa.func.max(table.c.id)))
        if sequence and highest is not None:
            last = db.session.scalar(sa.text(f"SELECT last_value FROM {sequence}"))
            if last < highest:
                behind.append(table.name)
    return behind


@pytest.fixture(scope="module")
def world_backup(databases, tmp_path_factory) -> Iterator[tuple[Path, dict[str, list]]]:
    """A backup of the test world, with a signed-in session and an API token, made once
    for the module."""
    folder = tmp_path_factory.mktemp("world-backup")
    with app_on(databases, "empty", folder) as source:
        world = build_world()
        create_personal_token(world.member, name="Phone", scope=TokenScope.API)
        db.session.commit()
        assert login(source.test_client(), world.member.email, PASSWORD).status_code == 302
        rows = every_row()
        # Tables the demo data leaves empty.
        assert rows["user_sessions"]
        assert rows["api_tokens"]
        path = folder / "world.jsonl.gz"
        assert _run(source, "backup", str(path)).exit_code == 0
    return path, rows


def test_a_sqlite_backup_restores_into_this_database(app, tmp_path):
    """Moving from the default SQLite file to PostgreSQL is a backup and a restore (in the
    PostgreSQL run; in the SQLite run, it is one SQLite file to another)."""
    source_url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    _migrate(source_url)
    source = make_app(source_url)
    path = tmp_path / "from-sqlite.jsonl.gz"
    with source.app_context():
        build_world()
        expected = every_row()
        assert _run(source, "backup", str(path)).exit_code == 0
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        result = _run(app, "restore", str(path))
        assert result.exit_code == 0, result.output
        assert every_row() == expected
        # And back: from this database (PostgreSQL in that run) to a new SQLite file.
        back = tmp_path / "back.jsonl.gz"
        assert _run(app, "backup", str(back)).exit_code == 0
    target_url = f"sqlite:///{tmp_path / 'target.sqlite'}"
    _migrate(target_url)
    target = make_app(target_url)
    with target.app_context():
        result = _run(target, "restore", str(back))
        assert result.exit_code == 0, result.output
        assert every_row() == expected
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_holding_data_unless_replacing(app, world_backup):
    path, expected = world_backup
    CampaignFactory()
    db.session.commit()
    before = every_row()

    refused = _run(app, "restore", str(path))
    assert refused.exit_code == 1
    held = {name: count for name, count in row_counts().items() if count}
    assert f"already holds data ({sum(held.values())} rows in {len(held)} tables)" in refused.output
    assert "--replace" in refused.output
    assert every_row() == before

    replaced = _run(app, "restore", "--replace", str(path))
    assert replaced.exit_code == 0, replaced.output
    assert every_row() == expected


def test_backup_never_overwrites_and_names_its_file(app, tmp_path, monkeypatch):
    build_world()
    taken = tmp_path / "taken.jsonl.gz"
    taken.write_bytes(b"someone's file")
    refused = _run(app, "backup", str(taken))
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert taken.read_bytes() == b"someone's file"

    monkeypatch.chdir(tmp_path)
    made = _run(app, "backup")
    assert made.exit_code == 0, made.output
    (written,) = tmp_path.glob("crm-backup-*.jsonl.gz")
    assert f"Wrote {written.name}" in made.output
    assert not list(tmp_path.glob("*.partial"))


# --- Refusals ----------------------------------------------------------------------------


def _table_start(lines: list[str], name: str) -> int:
    return next(
        number
        for number, line in enumerate(lines)
        if line.startswith("{") and json.loads(line).get("table") == name
    )


def _edit_row(name: str, column: str, value: Any) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        start = _table_start(lines, name)
        columns = json.loads(lines[start])["columns"]
        row = json.loads(lines[start + 1])
        row[columns.index(column)] = value
        return [*lines[: start + 1], json.dumps(row), *lines[start + 2 :]]

    return edit


def _edit_header(**changes: Any) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        return [json.dumps({**json.loads(lines[0]), **changes}), *lines[1:]]

    return edit


def _duplicate_first_row(name: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        start = _table_start(lines, name)
        table = json.loads(lines[start])
        header = json.loads(lines[0])
        header["tables"][name] += 1
        table["rows"] += 1
        end = json.loads(lines[-1])
        end["rows"] += 1
        return [
            json.dumps(header),
            *lines[1:start],
            json.dumps(table),
            lines[start + 1],
            *lines[start + 1 : -1],
            json.dumps(end),
        ]

    return edit


def _drop_first_row(name: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        start = _table_start(lines, name)
        return [*lines[: start + 1], *lines[start + 2 :]]

    return edit


BROKEN_LINES: dict[str, tuple[Callable[[list[str]], list[str]], str]] = {
    "no end marker": (lambda lines: lines[:-1], "before the end marker"),
    "a row missing": (
        _drop_first_row("parties"),
        f"expected {len(db.metadata.tables['parties'].columns)} values",
    ),
    "lines after the end": (lambda lines: [*lines, "{}"], "more lines after the end marker"),
    "not JSON": (lambda lines: [*lines[:5], "{oops", *lines[6:]], "line 6: not JSON"),
    "another schema": (_edit_header(schema_revision="0123abcd"), "schema revision 0123abcd"),
    "another format": (_edit_header(format_version=99), "backup format 99"),
    "someone else's JSON lines": (
        lambda lines: ['{"hello": "world"}', *lines[1:]],
        "not a backup of this application",
    ),
    "a row too short": (
        lambda lines: [*lines[:2], json.dumps(json.loads(lines[2])[:-1]), *lines[3:]],
        "line 3: expected",
    ),
    "text for a number": (_edit_row("states", "id", "one"), "states.id should be a whole number"),
    "an impossible date": (
        _edit_row("stages", "scheduled_on", "2026-02-30"),
        "stages.scheduled_on should be a date",
    ),
    "a time without its offset": (
        _edit_row("interactions", "occurred_at", "2026-01-05T10:00:00"),
        "interactions.occurred_at should be a date and time with its offset",
    ),
    "an unknown stance": (
        _edit_row("stance_records", "stance", "maybe"),
        "stance_records.stance should be one of",
    ),
    "an overlong name": (_edit_row("states", "name", "x" * 500), "states.name should be text"),
    "a true/false that is text": (
        _edit_row("parties", "in_government", "yes"),
        "parties.in_government should be true or false",
    ),
    "a link to nothing": (
        _edit_row("representatives", "state_id", 999_999),
        "the database refused rows of representatives",
    ),
    "a missing required value": (
        _edit_row("states", "name", None),
        "the database refused rows of states",
    ),
    "a number of thousands of digits": (
        lambda lines: [*lines[:2], "[" + "9" * 5000 + "]", *lines[3:]],
        "line 3: not JSON",
    ),
    "nesting thousands deep": (
        lambda lines: [*lines[:2], "[" * 100_000, *lines[3:]],
        "line 3: not JSON",
    ),
    "a list for a stance": (
        _edit_row("stance_records", "stance", ["undecided"]),
        "stance_records.stance should be one of",
    ),
    "a number too big for any database": (
        _edit_row("parties", "id", 2**70),
        "parties.id should be a whole number",
    ),
    "an infinite attendance": (
        _edit_row("chambers", "attendance", float("inf")),
        "chambers.attendance should be a finite number",
    ),
    "a NUL in a name": (_edit_row("states", "name", "Home\x00land"), "states.name should be text"),
    "a lone surrogate in a name": (
        _edit_row("states", "name", "Home \ud800"),
        "states.name should be text",
    ),
    "null for a list": (
        _edit_row("representatives", "languages", None),
        "representatives.languages should be a JSON value, not null",
    ),
    "the same id twice": (_duplicate_first_row("parties"), "the database refused rows of parties"),
}


@pytest.mark.parametrize("broken", list(BROKEN_LINES))
def test_a_damaged_backup_is_refused_and_writes_nothing(app, world_backup, tmp_path, broken):
    path, _ = world_backup
    edit, message = BROKEN_LINES[broken]
    damaged = tmp_path / "damaged.jsonl.gz"
    _write_lines(damaged, edit(_lines(path)))
    result = _run(app, "restore", str(damaged))
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was written." in result.output
    assert "Traceback" not in result.output
    assert _is_empty()


BROKEN_FILES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "empty": (lambda data: b"", "not a backup of this application"),
    "not compressed": (lambda data: gzip.decompress(data), "not a backup of this application"),
    "cut short": (lambda data: data[: len(data) // 2], "damaged or cut short"),
    "a flipped checksum byte": (
        lambda data: data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:],
        "the file is damaged or cut short",
    ),
    "the last four bytes cut": (lambda data: data[:-4], "the file is damaged or cut short"),
    "a flipped byte": (
        lambda data: data[:-12] + bytes([data[-12] ^ 0xFF]) + data[-11:],
        "damaged or cut short",
    ),
    "a picture": (lambda data: b"\x89PNG\r\n\x1a\n" + data, "not a backup of this application"),
}


@pytest.mark.parametrize("broken", list(BROKEN_FILES))
def test_a_file_that_is_not_a_whole_backup_is_refused(app, world_backup, tmp_path, broken):
    path, _ = world_backup
    spoil, message = BROKEN_FILES[broken]
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(spoil(path.read_bytes()))
    result = _run(app, "restore", str(damaged))
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert _is_empty()


def test_an_overlong_line_is_refused_before_it_is_read_into_memory(app, world_backup, tmp_path):
    """A line of 200 MiB (200 KB compressed) is refused after reading at most the cap."""
    path, _ = world_backup
    lines = _lines(path)
    huge = tmp_path / "huge.jsonl.gz"
    mib = 1024 * 1024
    with gzip.open(huge, "wt", encoding="utf-8", compresslevel=1) as stream:
        stream.write("".join(line + "\n" for line in lines[:2]))
        for _ in range(200):
            stream.write(" " * mib)
        stream.write("".join(line + "\n" for line in lines[2:]))
    assert huge.stat().st_size < mib

    tracemalloc.start()
    try:
        result = _run(app, "restore", str(huge))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.exit_code == 1
    assert f"line 3: longer than {MAX_LINE_CHARS:,} characters" in result.output, result.output
    assert "Nothing was written." in result.output
    assert _is_empty()
    assert peak < 4 * MAX_LINE_CHARS, f"peak {peak / mib:.0f} MiB"


def test_a_line_of_exactly_the_longest_length_is_read(app, world_backup, tmp_path):
    path, _ = world_backup
    lines = _lines(path)
    # JSON allows white space before a value: the third line, padded to the cap.
    padded = " " * (MAX_LINE_CHARS - len(lines[2])) + lines[2]
    assert len(padded) == MAX_LINE_CHARS
    exact = tmp_path / "exact.jsonl.gz"
    with gzip.open(exact, "wt", encoding="utf-8", compresslevel=1) as stream:
        stream.write("".join(line + "\n" for line in [*lines[:2], padded, *lines[3:]]))

    result = _run(app, "restore", str(exact))

    assert result.exit_code == 0, result.output


def test_a_backup_names_a_row_too_long_for_a_restore(app, tmp_path):
    world = build_world()
    rep = world.home.reps[0]
    db.session.execute(
        sa.text("UPDATE representatives SET notes = :notes WHERE id = :id"),
        {"notes": "x" * MAX_LINE_CHARS, "id": rep.id},
    )
    db.session.commit()
    path = tmp_path / "long.jsonl.gz"

    result = _run(app, "backup", str(path))

    assert result.exit_code == 1
    assert f"representatives: the row is longer than {MAX_LINE_CHARS:,} characters" in (
        result.output
    )
    assert f"(row {rep.id})" in result.output


def test_any_change_to_a_backup_restores_whole_or_not_at_all(app, world_backup, tmp_path):
    """Random edits anywhere in the text: each restore is refused with a message and
    writes nothing, or (an edit the rules allow, such as a letter of a name) is taken."""
    path, _ = world_backup
    lines = _lines(path)
    damaged = tmp_path / "edited.jsonl.gz"

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.integers(min_value=0, max_value=len(lines) - 1),
        st.integers(min_value=0, max_value=10_000),
        st.integers(min_value=0, max_value=6),
        st.text(max_size=3),
    )
    def edit(line: int, at: int, cut: int, insert: str) -> None:
        text = lines[line]
        at %= len(text) + 1
        _write_lines(
            damaged, [*lines[:line], text[:at] + insert + text[at + cut :], *lines[line + 1 :]]
        )
        result = _run(app, "restore", "--replace", str(damaged))
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code == 0:
            assert not _is_empty()
            _run(app, "restore", "--replace", str(path))  # back to the original
        else:
            assert result.exit_code == 1
            assert "Nothing was written." in result.output
            assert every_row() == world_rows

    world_rows = world_backup[1]
    assert _run(app, "restore", str(path)).exit_code == 0
    edit()


# --- Writing -----------------------------------------------------------------------------


def test_a_backup_is_one_snapshot_while_others_write(app, tmp_path):
    """A section saving a meeting while the backup runs: the file holds the database as
    it was when the backup began, whole and consistent."""
    build_world()
    before = every_row()
    url = db.engine.url.render_as_string(hide_password=False)
    other = sa.create_engine(url, poolclass=sa.pool.NullPool)
    writes = []

    def meanwhile(_rows: int) -> None:
        if not writes:  # after the first table, before the others are read
            with other.begin() as conn:
                conn.execute(sa.insert(db.metadata.tables["sections"]).values(name="Meanwhile"))
            writes.append(1)

    path = tmp_path / "during.jsonl.gz"
    try:
        summary = write_backup(path, progress=meanwhile)
    finally:
        other.dispose()
    assert writes == [1]
    assert summary.tables["sections"] == len(before["sections"])
    assert "Meanwhile" in {row[1] for row in every_row()["sections"]}
    assert not any('"Meanwhile"' in line for line in _lines(path))
    assert _run(app, "restore", "--replace", str(path)).exit_code == 0
    assert every_row() == before


def test_a_failed_backup_leaves_no_file(app, tmp_path):
    build_world()

    def interrupted(_rows: int) -> None:
        raise KeyboardInterrupt

    folder = tmp_path / "backups"
    folder.mkdir()
    with pytest.raises(KeyboardInterrupt):
        write_backup(folder / "never.jsonl.gz", progress=interrupted)
    assert list(folder.iterdir()) == []

    missing = _run(app, "backup", str(tmp_path / "no-such-folder" / "b.jsonl.gz"))
    assert missing.exit_code == 1
    assert "No such file or directory" in missing.output
    assert "Traceback" not in missing.output


@pytest.mark.skipif(PG_URL is not None, reason="PostgreSQL never stores an over-long name")
def test_a_backup_names_values_a_restore_would_refuse(app, tmp_path):
    """SQLite does not enforce text lengths: a backup is still written whole, but says
    which records must be corrected before it can be restored."""
    world = build_world()
    db.session.execute(
        sa.text("UPDATE states SET name = :name WHERE id = :id"),
        {"name": "x" * 200, "id": world.home.state.id},
    )
    db.session.commit()
    path = tmp_path / "flawed.jsonl.gz"
    result = _run(app, "backup", str(path))
    assert result.exit_code == 1
    assert "states.name should be text of at most 120 characters" in result.output
    assert f"(row {world.home.state.id})" in result.output
    assert "1 values break the schema" in result.output
    assert path.exists()
