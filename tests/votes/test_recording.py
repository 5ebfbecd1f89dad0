"""Recording a held vote: counts, a roll call of only what was entered, stances from votes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.parliament.models import Representative, Stance, StanceRecord, StanceSource
from crm.states.models import Stage, StageKind, StageResult, StageStatus
from crm.votes import services
from crm.votes.models import Count, Vote, VoteEvent, VoteOption
from tests.conftest import SIGN_IN_TABLES, csrf_token, login, row_counts, sign_in
from tests.factories import PASSWORD, StageFactory
from tests.pages import page, text
from tests.states.test_agreement import form_values
from tests.world import World


def _today() -> date:
    return date.today()


def record_vote_directly(world: World, stage: Stage) -> VoteEvent:
    """A vote recorded through the service, as the coordinator (for other tests)."""
    vote_event = services.record_vote(
        world.coordinator,
        stage,
        held_on=_today(),
        result=StageResult.PASS,
        counts=dict.fromkeys(VoteOption),
        roll_call={world.home.reps[0]: VoteOption.YES},
    )
    db.session.commit()
    return vote_event


def _url(stage: Stage) -> str:
    return f"/stages/{stage.id}/vote"


def _form(client, stage: Stage) -> dict[str, str]:
    return form_values(page(client, _url(stage)))


def _audit(action: str | None = None) -> list[AuditEntry]:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def _rows(model) -> list:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def _vote_stances() -> list[StanceRecord]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(StanceRecord)
            .where(StanceRecord.source == StanceSource.VOTE)
            .order_by(StanceRecord.id)
        )
    )


def _counts() -> dict[str, int]:
    return {c.option.value: c.value for c in _rows(Count)}


# --- Recording -----------------------------------------------------------------------------------


def test_section_records_its_states_vote_with_counts_and_a_partial_roll_call(client, world):
    stage = world.home.stages[1]
    yes_rep, no_rep, abstain_rep, silent_rep = world.home.reps
    sign_in(client, world.member.email)
    data = _form(client, stage) | {
        "held_on": _today().isoformat(),
        "result": "fail",
        "motion": "That the agreement be ratified.",
        "count_yes": "2",
        "count_no": "3",
        "count_abstain": "1",
        f"rep_{yes_rep.id}": "yes",
        f"rep_{no_rep.id}": "no",
        f"rep_{abstain_rep.id}": "abstain",
    }
    response = client.post(_url(stage), data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/stages/{stage.id}")

    db.session.expire_all()
    saved = db.session.get(Stage, stage.id)
    assert (saved.status, saved.result, saved.held_on) == (
        StageStatus.HELD,
        StageResult.FAIL,
        _today(),
    )
    [vote_event] = _rows(VoteEvent)
    assert vote_event.stage_id == stage.id
    assert vote_event.chamber_id == world.home.chamber.id
    assert (vote_event.held_on, vote_event.result) == (_today(), "fail")
    assert vote_event.motion == "That the agreement be ratified."
    # Only the counts entered: the empty ones are not known, not zero.
    assert _counts() == {"yes": 2, "no": 3, "abstain": 1}
    # Only the votes entered: the fourth member was left at "Not recorded".
    votes = {v.representative_id: v for v in _rows(Vote)}
    assert {rid: v.option for rid, v in votes.items()} == {
        yes_rep.id: VoteOption.YES,
        no_rep.id: VoteOption.NO,
        abstain_rep.id: VoteOption.ABSTAIN,
    }
    # Each vote names the party the member sat for (world: parties alternate).
    assert votes[yes_rep.id].party_id == world.home.parties[0].id
    assert votes[no_rep.id].party_id == world.home.parties[1].id

    # Stance records for the yes and the no only, from the vote, by the member.
    stances = _vote_stances()
    assert [(s.representative_id, s.stance) for s in stances] == [
        (yes_rep.id, Stance.FOR_RATIFICATION),
        (no_rep.id, Stance.AGAINST_RATIFICATION),
    ]
    for record in stances:
        assert record.recorded_by_id == world.member.id
        assert record.observed_on == _today()
        assert record.vote_id == votes[record.representative_id].id
        assert record.confidence.value == "high"
    # The current stance cache follows.
    reps = {r.id: r for r in _rows(Representative)}
    assert reps[yes_rep.id].stance is Stance.FOR_RATIFICATION
    assert reps[no_rep.id].stance is Stance.AGAINST_RATIFICATION
    assert reps[abstain_rep.id].stance is Stance.AGAINST_RATIFICATION  # unchanged: abstaining
    assert reps[silent_rep.id].stance is Stance.UNKNOWN

    actions = [
        (e.action, e.actor_id)
        for e in _audit()
        if e.action.startswith(("vote.", "stage.", "stance."))
    ]
    assert actions == [
        ("stage.held", world.member.id),
        ("stance.recorded", world.member.id),
        ("stance.recorded", world.member.id),
        ("vote.recorded", world.member.id),
    ]
    [entry] = _audit("vote.recorded")
    assert entry.state_id == world.home.state.id
    assert entry.after["counts"] == {"yes": 2, "no": 3, "abstain": 1}
    assert entry.after["votes"] == {
        str(yes_rep.id): "yes",
        str(no_rep.id): "no",
        str(abstain_rep.id): "abstain",
    }
    [held] = _audit("stage.held")
    assert held.before["status"] == "scheduled"
    assert held.after["status"] == "held"
    assert held.after["result"] == "fail"


def test_a_coordinator_records_a_vote_and_the_stances_are_theirs(client, world):
    stage = world.other.stages[1]
    rep = world.other.reps[3]
    sign_in(client, world.coordinator.email)
    data = _form(client, stage) | {"result": "pass", f"rep_{rep.id}": "yes"}
    assert client.post(_url(stage), data=data).status_code == 302
    [stance] = _vote_stances()
    assert (stance.representative_id, stance.recorded_by_id) == (rep.id, world.coordinator.id)
    [entry] = _audit("stance.recorded")
    assert (entry.actor_id, entry.actor_email) == (world.coordinator.id, world.coordinator.email)
    assert entry.after["recorded_by_id"] == world.coordinator.id
    db.session.expire_all()
    assert db.session.get(Representative, rep.id).stance is Stance.FOR_RATIFICATION


def test_counts_left_empty_are_taken_from_the_roll_call(client, world):
    stage = world.home.stages[1]
    reps = world.home.reps
    sign_in(client, world.member.email)
    data = _form(client, stage) | {
        "result": "pass",
        f"rep_{reps[0].id}": "yes",
        f"rep_{reps[1].id}": "yes",
        f"rep_{reps[2].id}": "absent",
    }
    assert client.post(_url(stage), data=data).status_code == 302
    assert _counts() == {"yes": 2, "no": 0, "abstain": 0, "absent": 1, "not_voting": 0, "paired": 0}
    # An absence says nothing about a stance.
    assert [s.representative_id for s in _vote_stances()] == [reps[0].id, reps[1].id]


def test_a_vote_with_counts_only_stores_no_individual_votes(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.member.email)
    data = _form(client, stage) | {"result": "pass", "count_yes": "4", "count_no": "2"}
    assert client.post(_url(stage), data=data).status_code == 302
    assert _rows(Vote) == []
    assert _vote_stances() == []
    assert _counts() == {"yes": 4, "no": 2}


def test_a_whole_party_row_applies_only_to_members_left_unmarked(client, world):
    stage = world.home.stages[1]
    government, opposition = world.home.parties
    reps = world.home.reps  # 0 and 2 in government, 1 and 3 in opposition
    sign_in(client, world.member.email)
    data = _form(client, stage) | {
        "result": "pass",
        f"party_{government.id}": "yes",
        f"rep_{reps[2].id}": "no",
    }
    assert client.post(_url(stage), data=data).status_code == 302
    assert {v.representative_id: v.option for v in _rows(Vote)} == {
        reps[0].id: VoteOption.YES,
        reps[2].id: VoteOption.NO,
    }
    assert opposition.id not in {v.party_id for v in _rows(Vote)}


# --- The grid ------------------------------------------------------------------------------------


def test_the_grid_has_a_row_per_member_grouped_by_party_all_not_recorded(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.member.email)
    html = client.get(_url(stage)).get_data(as_text=True)
    assert "style=" not in html
    soup = BeautifulSoup(html, "html.parser")
    # The grid works without a script: the only ones on the page are the site's files.
    assert all(s.get("src", "").startswith("/static/js/") for s in soup.find_all("script"))
    parties = soup.select("fieldset.roll-call-party")
    assert [p.find("legend").get_text(" ", strip=True).split(" (")[0] for p in parties] == [
        world.home.parties[0].name,
        world.home.parties[1].name,
    ]
    rows = soup.select("fieldset.roll-call-row")
    assert sorted(r.find("legend").get_text(strip=True) for r in rows) == sorted(
        r.name for r in world.home.reps
    )
    for row in rows:
        radios = row.select("input[type=radio]")
        assert [r["value"] for r in radios] == [
            "yes",
            "no",
            "abstain",
            "absent",
            "not_voting",
            "paired",
            "",
        ]
        # Never filled in from stances or forecasts: "Not recorded" is the only choice made.
        assert [r["value"] for r in radios if r.has_attr("checked")] == [""]
        for radio in radios:
            assert radio.find_parent("label"), "each option is labelled"
    # Other states' members are not offered.
    for rep in world.other.reps:
        assert not soup.find(attrs={"name": f"rep_{rep.id}"})


def test_a_committee_vote_lists_the_committees_members(client, world):
    stage = world.home.stages[0]  # the committee vote; only member 0 sits on the committee
    sign_in(client, world.coordinator.email)
    soup = page(client, _url(stage))
    names = [r.find("legend").get_text(strip=True) for r in soup.select("fieldset.roll-call-row")]
    assert names == [world.home.reps[0].name]


def test_a_recorded_vote_reopens_as_entered(client, world):
    stage = world.home.stages[1]
    record_vote_directly(world, stage)
    sign_in(client, world.member.email)
    soup = page(client, _url(stage))
    assert "Correct the vote" in text(soup)
    checked = {r["name"]: r["value"] for r in soup.select("input[type=radio][checked]")}
    reps = world.home.reps
    assert checked[f"rep_{reps[0].id}"] == "yes"
    assert all(checked[f"rep_{r.id}"] == "" for r in reps[1:])
    assert (
        soup.find("select", attrs={"name": "result"}).find("option", selected=True)["value"]
        == "pass"
    )


def test_a_big_chamber_works_without_javascript(client, world):
    """345 seats, as in Romania's Chamber of Deputies: one form, one POST, no script."""
    from crm.parliament.models import Membership

    chamber = world.home.chamber
    chamber.seats = 345
    parties = world.home.parties
    for n in range(341):
        rep = Representative(
            state=world.home.state, name=f"Deputy {n:03}", sort_name=f"Deputy {n:03}"
        )
        db.session.add(rep)
        db.session.add(
            Membership(
                representative=rep,
                chamber=chamber,
                party=parties[n % 2],
                start_date=_today() - timedelta(days=100),
            )
        )
    db.session.commit()
    stage = world.home.stages[1]
    sign_in(client, world.member.email)
    soup = page(client, _url(stage))
    rows = soup.select("fieldset.roll-call-row")
    assert len(rows) == 345
    data = form_values(soup) | {"result": "pass"}
    members = [int(r.find("input")["name"].removeprefix("rep_")) for r in rows]
    for n, rep_id in enumerate(members):
        data[f"rep_{rep_id}"] = ["yes", "no", "absent"][n % 3]
    response = client.post(_url(stage), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert len(_rows(Vote)) == 345
    assert _counts()["yes"] == 115
    assert len(_vote_stances()) == 230


# --- Refusals ------------------------------------------------------------------------------------


def test_counts_that_disagree_with_the_roll_call_are_refused_and_nothing_is_written(client, world):
    stage = world.home.stages[1]
    reps = world.home.reps
    sign_in(client, world.member.email)
    data = _form(client, stage) | {
        "result": "pass",
        "count_yes": "1",
        "count_no": "1",
        f"rep_{reps[0].id}": "yes",
        f"rep_{reps[1].id}": "yes",
    }
    before = row_counts(ignore=SIGN_IN_TABLES)
    last = len(_audit())
    response = client.post(_url(stage), data=data)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "must agree" in soup.find(id="count_yes-error").get_text()
    # The entries stay on the page to be corrected.
    assert soup.find(attrs={"name": f"rep_{reps[0].id}", "value": "yes"}).has_attr("checked")
    assert row_counts(ignore=SIGN_IN_TABLES) == before
    assert len(_audit()) == last
    assert db.session.get(Stage, stage.id).status is StageStatus.SCHEDULED


def test_counts_above_the_chambers_seats_are_refused(client, world):
    stage = world.home.stages[1]  # a 6-seat chamber
    sign_in(client, world.member.email)
    data = _form(client, stage) | {"result": "pass", "count_yes": "5", "count_no": "2"}
    before = row_counts(ignore=SIGN_IN_TABLES)
    response = client.post(_url(stage), data=data)
    assert response.status_code == 422
    assert "add up to 7, more than the 6 seats" in response.get_data(as_text=True)
    assert row_counts(ignore=SIGN_IN_TABLES) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": ""}, "held_on"),
        ({"held_on": "2026-02-30"}, "held_on"),
        ({"held_on": (_today() + timedelta(days=2)).isoformat()}, "held_on"),
        ({"result": ""}, "result"),
        ({"result": "landslide"}, "result"),
        ({"count_yes": "-1"}, "count_yes"),
        ({"count_no": "many"}, "count_no"),
        ({"count_abstain": "2.5"}, "count_abstain"),
        ({"count_paired": "99999999999999999999"}, "count_paired"),
        ({"motion": "x" * 2001}, "motion"),
        ({"source": "x" * 501}, "source"),
        ({"rep_{rep}": "maybe"}, "rep_{rep}"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_written(
    client, world, changes, field
):
    stage = world.home.stages[1]
    rep = world.home.reps[0]
    sign_in(client, world.member.email)
    changes = {k.format(rep=rep.id): v for k, v in changes.items()}
    field = field.format(rep=rep.id)
    data = _form(client, stage) | {"result": "pass", "count_yes": "1"} | changes
    before = row_counts(ignore=SIGN_IN_TABLES)
    response = client.post(_url(stage), data=data)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find(id=f"{field}-error").get_text(strip=True)
    assert row_counts(ignore=SIGN_IN_TABLES) == before


def test_the_second_of_two_tabs_gets_a_conflict(client, world):
    stage = world.home.stages[1]
    rep = world.home.reps[0]
    sign_in(client, world.member.email)
    first, second = _form(client, stage), _form(client, stage)
    assert (
        client.post(
            _url(stage), data=first | {"result": "pass", f"rep_{rep.id}": "yes"}
        ).status_code
        == 302
    )
    response = client.post(_url(stage), data=second | {"result": "fail", f"rep_{rep.id}": "no"})
    assert response.status_code == 409
    assert "saved this record after you opened it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Stage, stage.id).result is StageResult.PASS
    assert [v.option for v in _rows(Vote)] == [VoteOption.YES]


def test_correcting_a_roll_call_takes_back_the_stances_it_changed(client, world):
    stage = world.home.stages[1]
    reps = world.home.reps
    sign_in(client, world.member.email)
    first = _form(client, stage) | {
        "result": "pass",
        f"rep_{reps[0].id}": "yes",
        f"rep_{reps[1].id}": "yes",
        f"rep_{reps[2].id}": "no",
    }
    assert client.post(_url(stage), data=first).status_code == 302
    kept = next(s for s in _vote_stances() if s.representative_id == reps[0].id)

    # Member 1 actually voted no; member 2's vote is not known after all.
    second = _form(client, stage) | {
        f"rep_{reps[1].id}": "no",
        f"rep_{reps[2].id}": "",
        "count_yes": "",
        "count_no": "",
        "count_abstain": "",
        "count_absent": "",
        "count_not_voting": "",
        "count_paired": "",
    }
    assert client.post(_url(stage), data=second).status_code == 302
    assert {v.representative_id: v.option for v in _rows(Vote)} == {
        reps[0].id: VoteOption.YES,
        reps[1].id: VoteOption.NO,
    }
    live = [(s.representative_id, s.stance) for s in _vote_stances() if s.archived_at is None]
    assert live == [
        (reps[0].id, Stance.FOR_RATIFICATION),
        (reps[1].id, Stance.AGAINST_RATIFICATION),
    ]
    assert next(s for s in _vote_stances() if s.archived_at is None).id == kept.id
    assert len([s for s in _vote_stances() if s.archived_at is not None]) == 2
    assert len(_audit("stance.archived")) == 2
    db.session.expire_all()
    current = {r.id: r.stance for r in _rows(Representative)}
    assert current[reps[1].id] is Stance.AGAINST_RATIFICATION
    # Member 2's stance falls back to what was known before the vote.
    assert current[reps[2].id] is Stance.AGAINST_RATIFICATION
    assert _counts()["no"] == 1
    entry = _audit("vote.recorded")[-1]
    assert entry.before["votes"][str(reps[2].id)] == "no"
    assert str(reps[2].id) not in entry.after["votes"]


# --- Who may record ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "side", "status"),
    [
        ("member", "home", 200),
        ("coordinator", "home", 200),
        ("admin", "other", 200),
        ("coordinator", "other", 200),
        ("member", "other", 403),  # a guessed id of another state's stage
        ("other_member", "home", 403),
        ("staff", "home", 403),
        ("staff", "other", 403),
    ],
)
def test_who_may_record_a_vote(client, world, who, side, status):
    stage = getattr(world, side).stages[1]
    login(client, getattr(world, who).email, PASSWORD)
    assert client.get(_url(stage)).status_code == status
    if status == 403:
        token = csrf_token(client.get("/account").get_data(as_text=True))
        rep = getattr(world, side).reps[0]
        response = client.post(
            _url(stage),
            data={
                "csrf_token": token,
                "version": "1",
                "held_on": _today().isoformat(),
                "result": "pass",
                f"rep_{rep.id}": "yes",
            },
        )
        assert response.status_code == 403
        assert _rows(VoteEvent) == []
        assert _vote_stances() == []


def test_only_votes_have_a_vote_page(client, world):
    review = StageFactory(agreement=world.home.agreement, kind=StageKind.CONSTITUTIONAL_REVIEW)
    sign_in(client, world.coordinator.email)
    assert client.get(_url(review)).status_code == 404
    assert client.get("/stages/999999/vote").status_code == 404


def test_a_cancelled_vote_cannot_be_recorded(client, world):
    stage = world.home.stages[1]
    stage.status = StageStatus.CANCELLED
    db.session.commit()
    sign_in(client, world.member.email)
    data = _form(client, stage) | {"result": "pass", "count_yes": "3"}
    response = client.post(_url(stage), data=data)
    assert response.status_code == 422
    assert "cancelled" in response.get_data(as_text=True)
    assert _rows(VoteEvent) == []


def test_the_service_refuses_a_member_who_never_sat_there(app, world):
    from crm.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="never sat"):
        services.record_vote(
            world.coordinator,
            world.home.stages[1],
            held_on=_today(),
            result=StageResult.PASS,
            counts=dict.fromkeys(VoteOption),
            roll_call={world.other.reps[0]: VoteOption.YES},
        )
    db.session.rollback()
