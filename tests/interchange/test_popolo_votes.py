"""`crm import-votes`: a Popolo VoteEvent onto a stage — counts, group results, votes."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.interchange.popolo.votes import import_vote_event
from crm.interchange.popolo.votes_in import read_vote_events
from crm.parliament.models import Party, Representative, Stance, StanceRecord, StanceSource
from crm.states.models import StageKind, StageResult, StageStatus
from crm.votes.models import Count, Vote, VoteEvent, VoteOption
from tests.conftest import SHARED, row_counts
from tests.factories import AgreementFactory, PartyFactory, StageFactory, StateFactory, UserFactory
from tests.interchange.factories import SPEC_EXAMPLES, roster, run, write

VOTE = {
    "vote_events": [
        {
            "id": "ve-2024-03",
            "motion": {"text": "That the agreement be ratified."},
            "start_date": "2024-03-01T22:30:00Z",
            "result": "failed",
            "counts": [
                {"option": "yes", "value": 1},
                {"option": "no", "value": "2"},
                {"option": "yes", "value": 1, "group": {"name": "Green Party"}},
                {"option": "no", "value": 1, "group_id": "party/red"},
            ],
            "votes": [
                {"voter_id": "person/ana-popescu", "option": "yes"},
                {"voter_id": "person/ion-ionescu", "option": "no"},
                {"voter": {"name": "Maria Dinu"}, "option": "no"},
            ],
        }
    ]
}


def _rep(name: str) -> Representative:
    return db.session.scalars(sa.select(Representative).where(Representative.name == name)).one()


@pytest.fixture
def stage(app, tmp_path):
    """A plenary vote in a chamber whose roster came from a Popolo file."""
    state = StateFactory(timezone="Europe/Bucharest")
    result = run(app, "import-popolo", str(write(tmp_path, roster(), "roster.json")),
                 "--state", state.iso2, "--chamber", "Assembly")  # fmt: skip
    assert result.exit_code == 0, result.output
    chamber = state.chambers[0]
    return StageFactory(
        agreement=AgreementFactory(state=state),
        kind=StageKind.PLENARY_VOTE,
        chamber=chamber,
        scheduled_on=date(2024, 3, 2),
    )


def _votes(app, stage, path, *extra):
    return run(app, "import-votes", str(path), "--stage", str(stage.id), *extra)


def test_a_vote_event_records_counts_group_results_votes_and_stances(app, stage, tmp_path):
    result = _votes(
        app, stage, write(tmp_path, VOTE, "vote.json"), "--state", stage.agreement.state.iso2
    )

    assert result.exit_code == 0, result.output
    assert "recorded, result fail" in result.output
    db.session.refresh(stage)
    # 22:30 UTC is already the next day in Bucharest.
    assert (stage.status, stage.held_on, stage.result) == (
        StageStatus.HELD,
        date(2024, 3, 2),
        StageResult.FAIL,
    )
    vote_event = db.session.scalars(sa.select(VoteEvent)).one()
    assert (vote_event.popolo_id, vote_event.motion, vote_event.result) == (
        "ve-2024-03",
        "That the agreement be ratified.",
        "fail",
    )
    counts = {(c.option, c.party.name if c.party else None): c.value for c in vote_event.counts}
    assert counts == {
        (VoteOption.YES, None): 1,
        (VoteOption.NO, None): 2,
        (VoteOption.YES, "Green Party"): 1,
        (VoteOption.NO, "Red Party"): 1,
    }
    votes = {v.representative.name: (v.option, v.party.name if v.party else None)
             for v in vote_event.votes}  # fmt: skip
    assert votes == {
        "Ana Popescu": (VoteOption.YES, "Green Party"),
        "Ion Ionescu": (VoteOption.NO, "Red Party"),
        "Maria Dinu": (VoteOption.NO, None),
    }
    stances = db.session.scalars(sa.select(StanceRecord)).all()
    assert {(s.representative.name, s.stance, s.source) for s in stances} == {
        ("Ana Popescu", Stance.FOR_RATIFICATION, StanceSource.VOTE),
        ("Ion Ionescu", Stance.AGAINST_RATIFICATION, StanceSource.VOTE),
        ("Maria Dinu", Stance.AGAINST_RATIFICATION, StanceSource.VOTE),
    }
    assert all(s.vote_id is not None and s.observed_on == date(2024, 3, 2) for s in stances)
    assert _rep("Ana Popescu").stance is Stance.FOR_RATIFICATION
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"stage.held", "vote.recorded", "stance.recorded", "popolo.votes_imported"} <= actions


def test_importing_the_same_vote_again_changes_nothing(app, stage, tmp_path):
    path = write(tmp_path, VOTE, "vote.json")
    assert _votes(app, stage, path).exit_code == 0
    before = row_counts()

    again = _votes(app, stage, path)

    assert again.exit_code == 0, again.output
    assert "already recorded exactly like this" in again.output
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before


def test_a_corrected_roll_call_takes_back_the_stance_the_old_vote_made(app, stage, tmp_path):
    assert _votes(app, stage, write(tmp_path, VOTE, "vote.json")).exit_code == 0
    corrected = copy.deepcopy(VOTE)
    corrected["vote_events"][0]["votes"][2]["option"] = "abstain"
    corrected["vote_events"][0]["counts"][1]["value"] = 1

    result = _votes(app, stage, write(tmp_path, corrected, "corrected.json"))

    assert result.exit_code == 0, result.output
    maria = _rep("Maria Dinu")
    assert maria.stance is Stance.UNKNOWN
    archived = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.representative_id == maria.id)
    ).one()
    assert archived.archived_at is not None
    assert (
        db.session.scalar(sa.select(Vote.option).where(Vote.representative_id == maria.id))
        is VoteOption.ABSTAIN
    )


def test_a_dry_run_writes_nothing(app, stage, tmp_path):
    before = row_counts()
    result = _votes(app, stage, write(tmp_path, VOTE, "vote.json"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written" in result.output
    assert row_counts() == before


def _refused(app, stage, tmp_path, document, message, *extra):
    before = row_counts()
    result = _votes(app, stage, write(tmp_path, document, "refused.json"), *extra)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert row_counts() == before


def test_a_voter_who_is_no_representative_stops_the_whole_import(app, stage, tmp_path):
    document = copy.deepcopy(VOTE)
    document["vote_events"][0]["votes"].append({"voter_id": "person/stranger", "option": "yes"})
    document["vote_events"][0]["counts"][0]["value"] = 2
    _refused(app, stage, tmp_path, document, "1 voter(s) match no representative")


def test_counts_that_disagree_with_the_roll_call_are_refused(app, stage, tmp_path):
    document = copy.deepcopy(VOTE)
    document["vote_events"][0]["counts"][1]["value"] = 1
    _refused(app, stage, tmp_path, document, "The roll call lists 2")


def test_an_unknown_group_is_refused(app, stage, tmp_path):
    document = copy.deepcopy(VOTE)
    document["vote_events"][0]["counts"][2]["group"]["name"] = "Blue Party"
    _refused(app, stage, tmp_path, document, 'the group "Blue Party" is not a party')


def test_a_vote_needs_a_result_a_past_date_and_a_voting_stage(app, stage, tmp_path):
    no_result = copy.deepcopy(VOTE)
    del no_result["vote_events"][0]["result"]
    _refused(app, stage, tmp_path, no_result, "has no result")
    assert (
        _votes(app, stage, write(tmp_path, no_result, "v.json"), "--result", "pass").exit_code == 0
    )

    future = copy.deepcopy(VOTE)
    future["vote_events"][0]["start_date"] = "2150-01-01"
    _refused(app, stage, tmp_path, future, "which is in the future")

    stage.kind = StageKind.ASSENT
    db.session.commit()
    _refused(app, stage, tmp_path, VOTE, "holds no vote")


def test_a_stage_of_another_state_or_an_unknown_stage_is_refused(app, stage, tmp_path):
    path = write(tmp_path, VOTE, "vote.json")
    other = StateFactory()
    wrong_state = _votes(app, stage, path, "--state", other.iso2)
    assert wrong_state.exit_code != 0
    assert "not " + other.iso2 in wrong_state.output
    missing = run(app, "import-votes", str(path), "--stage", "999999")
    assert missing.exit_code != 0
    assert "No stage #999999" in missing.output


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "found a list"),
        ({"name": "not a vote"}, "holds no vote event"),
        ({"text": "A motion", "requirements": "majority"}, "is a Popolo motion"),
        ({"vote_events": []}, "the vote_events list is empty"),
        ({"counts": [{"option": "maybe", "value": 1}]}, 'option is "maybe"'),
        ({"counts": [{"option": "yes", "value": -3}]}, "must be a whole number"),
        ({"vote_events": [{"id": "a"}, {"id": "b"}]}, "has 2 vote events (a, b)"),
    ],
)
def test_a_file_that_is_no_vote_event_is_refused(app, stage, tmp_path, document, message):
    _refused(app, stage, tmp_path, document, message)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the checkout")
def test_the_popolo_spec_examples_of_a_vote_event_count_and_vote(app, tmp_path):
    examples = SHARED / SPEC_EXAMPLES
    person = json.loads((examples / "person.json").read_text(encoding="utf-8"))
    state = StateFactory(timezone="America/Toronto")
    assert run(app, "import-popolo", str(write(tmp_path, {"persons": [person]}, "p.json")),
               "--state", state.iso2, "--chamber", "House of Commons").exit_code == 0  # fmt: skip
    chamber = state.chambers[0]
    chamber.seats = 338
    PartyFactory(state=state, name="Bosniak")
    stage = StageFactory(agreement=AgreementFactory(state=state), chamber=chamber)
    event = json.loads((examples / "vote_event.json").read_text(encoding="utf-8"))
    event["counts"].append(json.loads((examples / "count.json").read_text(encoding="utf-8")))

    result = _votes(app, stage, write(tmp_path, event, "event.json"), "--result", "fail")

    assert result.exit_code == 0, result.output
    vote_event = db.session.scalars(sa.select(VoteEvent)).one()
    assert vote_event.popolo_id == "42"
    assert vote_event.held_on == date(2013, 1, 1)
    assert {(c.option, c.value, c.party_id is not None) for c in vote_event.counts} == {
        (VoteOption.YES, 128, False),
        (VoteOption.NO, 145, False),
        (VoteOption.YES, 5, True),
    }
    assert [(v.representative.name, v.option) for v in vote_event.votes] == [
        ("Mr. John Q. Public, Esq.", VoteOption.YES)
    ]

    # vote.json: a paired vote, given apart from its event, says nothing about a stance.
    vote = json.loads((examples / "vote.json").read_text(encoding="utf-8"))
    document = {
        "vote_events": [{"id": "vote-42", "start_date": "2013-01-01", "result": "pass"}],
        "votes": [vote],
    }
    result = _votes(app, stage, write(tmp_path, document, "paired.json"))
    assert result.exit_code == 0, result.output
    db.session.refresh(vote_event)
    assert [(v.option) for v in vote_event.votes] == [VoteOption.PAIRED]
    # Without counts in the file, the counts are the roll call's tally.
    tally = db.session.execute(
        sa.select(Count.option, Count.value).where(Count.vote_event_id == vote_event.id)
    ).all()
    assert {option: value for option, value in tally if value} == {VoteOption.PAIRED: 1}
    live = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.archived_at.is_(None))
    ).all()
    assert live == []


def test_a_coordinators_import_is_recorded_as_on_the_roll_call_page(app, stage):
    """The import writes through the votes service: the stances a vote shows are the
    importing coordinator's (coordinators record votes, not stances: SPEC §1), and the
    vote's audit entry has the page's shape (totals and party totals as objects)."""
    coordinator = UserFactory(role=Role.COORDINATOR)
    import_vote_event(read_vote_events(json.dumps(VOTE).encode()), stage, actor=coordinator)
    db.session.commit()

    stances = db.session.scalars(sa.select(StanceRecord)).all()
    assert len(stances) == 3
    assert {s.recorded_by_id for s in stances} == {coordinator.id}
    stance_entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "stance.recorded")
    ).all()
    assert {e.actor_id for e in stance_entries} == {coordinator.id}
    [vote_entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "vote.recorded")
    ).all()
    green = db.session.scalars(sa.select(Party).where(Party.name == "Green Party")).one()
    assert vote_entry.actor_id == coordinator.id
    assert vote_entry.after["counts"] == {"yes": 1, "no": 2}
    assert vote_entry.after["party_counts"][str(green.id)] == {"yes": 1}
