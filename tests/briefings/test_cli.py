"""`flask crm briefings`: many states' packs at once, each audited like a download."""

from __future__ import annotations

import pytest

from crm.extensions import db
from tests.briefings.made import pack_jobs, printed
from tests.briefings.pdf import read
from tests.world import RESTRICTED_MARK


def briefings(runner, *args: str):
    return runner.invoke(args=["crm", "briefings", *args])


def test_writes_the_packs_of_the_states_given(runner, world, tmp_path):
    home, other = world.home.state, world.other.state
    result = briefings(
        runner, "--state", home.iso2, "--state", other.iso2.lower(), "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.pdf"))
    assert [f.name.split("-")[1] for f in files] == sorted([home.iso2, other.iso2])
    texts = {f.name.split("-")[1]: " ".join(read(f.read_bytes()).text.split()) for f in files}
    assert "Home open meeting summary" in texts[home.iso2]
    assert "Other open meeting summary" in texts[other.iso2]
    # Without --as nobody's permissions apply: no restricted content.
    assert all(RESTRICTED_MARK not in text for text in texts.values())
    assert "the command line" in texts[home.iso2]
    assert "Wrote 2 PDF(s)" in result.output
    entries = printed()
    assert sorted(e.state_id for e in entries) == sorted([home.id, other.id])
    assert all(e.actor_id is None and e.after["via"] == "cli" for e in entries)


def test_packs_made_before_from_the_same_records_are_not_made_again(runner, world, tmp_path):
    args = ["--state", world.home.state.iso2, "--state", world.other.state.iso2]
    first = briefings(runner, *args, "--out", str(tmp_path / "first"))
    assert first.exit_code == 0, first.output
    world.other.interaction.summary = "Other open meeting summary, corrected"
    db.session.commit()
    again = briefings(runner, *args, "--out", str(tmp_path / "again"))
    assert again.exit_code == 0, again.output
    # One pack per job: the home state's found made, the other state's made anew.
    home_first, home_again = (
        next((tmp_path / folder).glob(f"*-{world.home.state.iso2}-*.pdf")).read_bytes()
        for folder in ("first", "again")
    )
    assert home_again == home_first
    assert sorted(e.state_id for e in printed()) == sorted(
        [world.home.state.id, world.other.state.id, world.other.state.id]
    )
    assert len(pack_jobs()) == 3


def test_all_states_and_their_full_rosters(runner, world, tmp_path):
    result = briefings(runner, "--all", "--roster", "--out", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    names = sorted(f.name for f in (tmp_path / "new").glob("*.pdf"))
    assert len(names) == 4
    roster = next(f for f in (tmp_path / "new").glob(f"roster-{world.home.state.iso2}-*.pdf"))
    text = read(roster.read_bytes()).text
    for rep in world.home.reps:
        assert rep.name in text
    assert len(printed()) == 4


def test_packs_made_for_a_user_follow_their_permissions(runner, world, tmp_path):
    result = briefings(
        runner, "--state", world.home.state.iso2, "--as", world.member.email, "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    (pdf,) = tmp_path.glob("*.pdf")
    assert RESTRICTED_MARK in read(pdf.read_bytes()).squeezed()
    (entry,) = printed()
    assert entry.actor_id == world.member.id
    assert entry.after["restricted_content"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "00"], "No such state: 00"),
        ([], "Give --state"),
        (["--all", "--state", "XX"], "Give --state"),
        (["--all", "--as", "nobody@example.org"], "No enabled account"),
    ],
)
def test_refuses_bad_arguments_and_writes_nothing(runner, world, tmp_path, args, message):
    result = briefings(runner, *args, "--out", str(tmp_path))
    assert result.exit_code != 0
    assert message in result.output
    assert not list(tmp_path.glob("*.pdf"))
    assert printed() == []
