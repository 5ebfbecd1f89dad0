"""Importing representatives from CSV: every row or none, every bad row by line number."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.parliament.models import ContactKind, Representative
from tests.conftest import row_counts
from tests.interchange.factories import run

HEADER = (
    "name,given_name,family_name,chamber,party,constituency,start_date,influence,languages,"
    "tags,email,phone,wikidata,do_not_contact,do_not_contact_reason\n"
)


def _rows(world, *lines: str) -> str:
    chamber, party = world.home.chamber.name, world.home.parties[0].name
    return HEADER + "".join(line.format(chamber=chamber, party=party) + "\n" for line in lines)


def _file(tmp_path, content: str, name: str = "reps.csv", encoding: str = "utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def _rep(name: str) -> Representative:
    return db.session.scalars(sa.select(Representative).where(Representative.name == name)).one()


def _import(app, world, path, *extra):
    return run(app, "import-csv", str(path), "--state", world.home.state.iso2, *extra)


NEW_ROWS = (
    "Radu Ionescu,Radu,Ionescu,{chamber},{party},Cluj,2024-12-20,4,ro; hu,lawyer; EU,"
    "radu@parliament.example,+40 264 000 000,Q777,no,",
    '"Popa, Elena-Ștefania",,,{chamber},,,2023-01-09,,,,,,,yes,Asked us not to',
)


def test_new_representatives_are_added_with_their_seat_and_details(app, world, tmp_path):
    result = _import(app, world, _file(tmp_path, _rows(world, *NEW_ROWS)))

    assert result.exit_code == 0, result.output
    assert "2 added, 0 changed, 0 unchanged" in result.output
    radu = _rep("Radu Ionescu")
    assert (radu.sort_name, radu.influence, radu.languages, radu.tags) == (
        "Ionescu, Radu",
        4,
        ["ro", "hu"],
        ["lawyer", "EU"],
    )
    assert {(c.kind, c.value) for c in radu.contact_details} == {
        (ContactKind.EMAIL, "radu@parliament.example"),
        (ContactKind.PHONE, "+40 264 000 000"),
    }
    assert [(i.scheme, i.value) for i in radu.identifiers] == [("wikidata", "Q777")]
    seat = radu.memberships[0]
    assert (seat.chamber_id, seat.party_id, seat.constituency, seat.start_date) == (
        world.home.chamber.id,
        world.home.parties[0].id,
        "Cluj",
        date(2024, 12, 20),
    )
    elena = _rep("Popa, Elena-Ștefania")
    assert elena.do_not_contact
    assert elena.do_not_contact_reason == "Asked us not to"
    assert elena.memberships[0].party_id is None
    assert "elena-stefania" in elena.search_text
    summary = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "csv.imported")
    ).one()
    assert summary.actor_email.startswith("command line")
    assert summary.after["added"] == 2


def test_a_row_naming_someone_on_record_updates_only_the_filled_cells(app, world, tmp_path):
    rep = world.home.reps[0]
    version = rep.version
    content = _rows(world, f"{rep.name},,,{{chamber}},,,,5,,,new@parliament.example,,,,")

    result = _import(app, world, _file(tmp_path, content))

    assert result.exit_code == 0, result.output
    assert "0 added, 1 changed" in result.output
    rep = _rep(rep.name)
    assert rep.influence == 5
    assert "new@parliament.example" in {c.value for c in rep.contact_details}
    assert len(rep.memberships) == 1
    assert rep.version > version
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "representative.updated", AuditEntry.target_id == str(rep.id)
        )
    ).one()
    assert (entry.before["influence"], entry.after["influence"]) == (3, 5)


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(app, world, tmp_path):
    content = _rows(
        world,
        *NEW_ROWS,  # lines 2 and 3 are fine
        "No Chamber,,,Senate of Mars,,,2024-01-01,,,,,,,,",  # 4
        '"Multi\nLine Name",,,{chamber},,,2024-01-01,9,,,,,,,',  # 5–6: influence 9
        "Bad Date,,,{chamber},,,31/12/2024,,,,,,,,",  # 7
        ",,,{chamber},,,2024-01-01,,,,,,,,",  # 8: no name
        "No Start,,,{chamber},,,,,,,,,,,",  # 9
        "Bad Mail,,,{chamber},,,2024-01-01,,,,not-an-address,,,,",  # 10
        "Bad Party,,,{chamber},Purple,,2024-01-01,,,,,,,,",  # 11
        "Bad Flag,,,{chamber},,,2024-01-01,,,,,,,maybe,",  # 12
        "Radu Ionescu,,,{chamber},,,2024-12-20,,,,,,,,",  # 13: twice in the file
        "Wiki Wrong,,,{chamber},,,2024-01-01,,,,,,wikidata,,",  # 14
        "Too,Many,Cells,{chamber},,,2024-01-01,,,,,,,,,extra",  # 15
    )
    before = row_counts()

    result = _import(app, world, _file(tmp_path, content))

    assert result.exit_code != 0
    assert "Nothing was imported: 11 problems in the file." in result.output
    for line, reason in [
        (4, "no chamber called “Senate of Mars”"),
        (5, "influence “9” is not a number from 1 to 5"),
        (7, "start_date “31/12/2024” is not a date"),
        (8, "name is empty"),
        (9, "start_date is empty"),
        (10, "email “not-an-address”"),
        (11, "no party called “Purple”"),
        (12, "do_not_contact “maybe” is not yes or no"),
        (13, "Radu Ionescu is already added on line 2"),
        (14, "wikidata “wikidata” is not a Wikidata id"),
        (15, "more cells than the header has columns"),
    ]:
        assert f"line {line}: {reason}" in result.output, (line, result.output)
    assert "Traceback" not in result.output
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        ("name,chamber\n", "The file has a header but no rows."),
        ("name,chambre\nA,B\n", "unknown column(s): chambre"),
        ("given_name\nA\n", "missing column(s): name, chamber"),
        ("name,name,chamber\nA,B,C\n", "column(s) given twice: name"),
    ],
)
def test_a_wrong_header_or_an_empty_file_is_refused(app, world, tmp_path, content, message):
    before = row_counts()
    result = _import(app, world, _file(tmp_path, content))
    assert result.exit_code != 0
    assert message in result.output
    assert row_counts() == before


def test_a_file_that_is_not_utf8_is_refused_with_advice(app, world, tmp_path):
    path = _file(tmp_path, _rows(world, *NEW_ROWS), encoding="utf-16")
    result = _import(app, world, path)
    assert result.exit_code != 0
    assert "Save it as “CSV UTF-8”" in result.output


def test_semicolons_as_spreadsheets_in_many_countries_write_them(app, world, tmp_path):
    content = (
        "name;chamber;start_date;languages\n"
        f"Ana Semicolon;{world.home.chamber.name};2024-01-01;ro, fr\n"
    )
    result = _import(app, world, _file(tmp_path, content))
    assert result.exit_code == 0, result.output
    assert _rep("Ana Semicolon").languages == ["ro", "fr"]


def test_an_exported_file_imports_back_with_no_change(app, world, tmp_path):
    out = tmp_path / "export.csv"
    iso = world.home.state.iso2
    assert run(app, "export-csv", "representatives", "--state", iso, "-o", str(out)).exit_code == 0
    before = row_counts()

    result = _import(app, world, out)

    assert result.exit_code == 0, result.output
    assert "0 added, 0 changed, 4 unchanged" in result.output
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before


def test_a_dry_run_checks_everything_and_writes_nothing(app, world, tmp_path):
    before = row_counts()
    result = _import(app, world, _file(tmp_path, _rows(world, *NEW_ROWS)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written" in result.output
    assert "+ Radu Ionescu" in result.output
    assert row_counts() == before


def test_a_big_file_shows_its_progress_on_the_command_line(app, world, tmp_path):
    lines = [f"Member {n:03d},,,{{chamber}},,,2024-01-09,,,,,,,," for n in range(250)]
    result = _import(app, world, _file(tmp_path, _rows(world, *lines)))
    assert result.exit_code == 0, result.output
    assert "Checking rows" in result.output
    assert "250 added, 0 changed, 0 unchanged" in result.output
