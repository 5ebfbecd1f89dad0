"""Stages of ratification: add, edit, reorder, and schedule / postpone / hold / cancel."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.states.models import Stage, StageKind, StageStatus
from tests.conftest import counting_queries, csrf_token, login, sign_in
from tests.factories import PASSWORD, ChamberFactory, CommitteeFactory, StageFactory, UserFactory
from tests.pages import page, text
from tests.states.test_agreement import form_of, form_values
from tests.world import build_world


def _today() -> date:
    return date.today()


def _audit(action: str | None = None) -> list[AuditEntry]:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def _stages(agreement) -> list[Stage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Stage)
            .where(Stage.agreement_id == agreement.id)
            .order_by(Stage.position, Stage.id)
        )
    )


def _stage(stage_id: int) -> Stage:
    db.session.expire_all()
    return db.session.get(Stage, stage_id)


def _token(client) -> str:
    return csrf_token(client.get("/account").get_data(as_text=True))


def _new_url(world) -> str:
    return f"/states/{world.home.state.iso2}/stages/new"


# --- Adding ------------------------------------------------------------------------------------


def test_coordinator_adds_a_stage_in_the_chosen_place(client, world):
    sign_in(client, world.coordinator.email)
    url = _new_url(world)
    data = form_of(client, url) | {
        "kind": "committee_review",
        "chamber": str(world.home.chamber.id),
        "committee": str(world.home.committee.id),
        "scheduled_on": (_today() + timedelta(days=4)).isoformat(),
        "position": "1",
        "notes": "  Hearing with the minister.  ",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    stages = _stages(world.home.agreement)
    assert [s.kind for s in stages] == [
        StageKind.COMMITTEE_REVIEW,
        StageKind.COMMITTEE_VOTE,
        StageKind.PLENARY_VOTE,
    ]
    assert [s.position for s in stages] == [0, 1, 2]
    new = stages[0]
    assert (new.chamber_id, new.committee_id) == (world.home.chamber.id, world.home.committee.id)
    assert new.status is StageStatus.SCHEDULED
    assert new.notes == "Hearing with the minister."
    assert new.version == 1
    [created] = _audit("stage.created")
    assert created.actor_id == world.coordinator.id
    assert created.after["kind"] == "committee_review"
    assert created.state_id == world.home.state.id
    moved = _audit("stage.moved")
    assert {(e.target_id, e.before["position"], e.after["position"]) for e in moved} == {
        (str(world.home.stages[0].id), 0, 1),
        (str(world.home.stages[1].id), 1, 2),
    }


def test_a_stage_without_a_place_goes_last(client, world):
    sign_in(client, world.admin.email)
    url = _new_url(world)
    data = form_of(client, url) | {"kind": "deposit", "chamber": "", "committee": ""}
    assert client.post(url, data=data).status_code == 302
    stages = _stages(world.home.agreement)
    assert [s.kind for s in stages][-1] is StageKind.DEPOSIT
    assert stages[-1].chamber_id is None
    assert _audit("stage.moved") == []


def test_a_committee_alone_brings_its_chamber(client, world):
    sign_in(client, world.coordinator.email)
    url = _new_url(world)
    data = form_of(client, url) | {
        "kind": "committee_review",
        "chamber": "",
        "committee": str(world.home.committee.id),
    }
    assert client.post(url, data=data).status_code == 302
    new = _stages(world.home.agreement)[-1]
    assert new.chamber_id == world.home.chamber.id


@pytest.mark.parametrize(
    ("place", "field", "message"),
    [
        ("other_chamber", "chamber", "chamber of another state"),
        ("other_committee", "committee", "committee of another state"),
        ("wrong_chamber", "committee", "not of the"),
        ("unknown_chamber", "chamber", "no such chamber"),
        ("unknown_committee", "committee", "no such committee"),
        ("junk_chamber", "chamber", "Choose one of the listed options"),
    ],
)
def test_a_stage_in_another_states_parliament_is_refused_with_a_message(
    client, world, place, field, message
):
    second = ChamberFactory(state=world.home.state, name="Home Senate")
    CommitteeFactory(chamber=second, name="Senate Legal Affairs")
    values = {
        "other_chamber": {"chamber": str(world.other.chamber.id), "committee": ""},
        "other_committee": {"chamber": "", "committee": str(world.other.committee.id)},
        "wrong_chamber": {"chamber": str(second.id), "committee": str(world.home.committee.id)},
        "unknown_chamber": {"chamber": "999999", "committee": ""},
        "unknown_committee": {"chamber": "", "committee": "999999"},
        "junk_chamber": {"chamber": "1 OR 1=1", "committee": ""},
    }[place]
    sign_in(client, world.coordinator.email)
    url = _new_url(world)
    before = len(_stages(world.home.agreement))
    response = client.post(url, data=form_of(client, url) | {"kind": "committee_vote"} | values)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert message.lower() in soup.find(id=f"{field}-error").get_text().lower()
    assert soup.find(attrs={"name": field}).get("aria-invalid") == "true"
    assert len(_stages(world.home.agreement)) == before
    assert _audit("stage.created") == []


def test_the_stage_form_offers_only_the_states_chambers_and_committees(client, world):
    sign_in(client, world.coordinator.email)
    soup = page(client, _new_url(world))
    chambers = [
        o["value"] for o in soup.find("select", attrs={"name": "chamber"}).find_all("option")
    ]
    committees = [
        o["value"] for o in soup.find("select", attrs={"name": "committee"}).find_all("option")
    ]
    assert chambers == ["", str(world.home.chamber.id)]
    assert committees == ["", str(world.home.committee.id)]
    assert soup.find("optgroup", label=world.home.chamber.name)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "vote-by-acclaim"}, "kind"),
        ({"scheduled_on": "2026-02-30"}, "scheduled_on"),
        ({"position": "0"}, "position"),
        ({"position": "first"}, "position"),
        ({"position": "99999999999999999999"}, "position"),
        ({"notes": "x" * 10_001}, "notes"),
    ],
)
def test_bad_stage_input_is_explained_and_saves_nothing(client, world, changes, field):
    sign_in(client, world.coordinator.email)
    url = _new_url(world)
    response = client.post(url, data=form_of(client, url) | {"kind": "assent"} | changes)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find(id=f"{field}-error").get_text(strip=True)
    assert len(_stages(world.home.agreement)) == 2


# --- Editing -----------------------------------------------------------------------------------


def test_coordinator_edits_a_stage_and_the_change_is_audited(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    url = f"/stages/{stage.id}/edit"
    new_date = _today() + timedelta(days=33)
    data = form_of(client, url) | {"scheduled_on": new_date.isoformat(), "notes": "Second reading"}
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/stages/{stage.id}")
    saved = _stage(stage.id)
    assert (saved.scheduled_on, saved.notes, saved.version) == (new_date, "Second reading", 2)
    [entry] = _audit("stage.updated")
    assert entry.before == {
        "scheduled_on": (_today() + timedelta(days=20)).isoformat(),
        "notes": None,
    }
    assert entry.after == {
        "scheduled_on": new_date.isoformat(),
        "notes": "Second reading",
        "version": 2,
    }


def test_editing_the_place_in_the_list_moves_the_stage(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    url = f"/stages/{stage.id}/edit"
    assert form_of(client, url)["position"] == "2"
    assert client.post(url, data=form_of(client, url) | {"position": "1"}).status_code == 302
    assert [s.id for s in _stages(world.home.agreement)] == [
        world.home.stages[1].id,
        world.home.stages[0].id,
    ]


def test_moving_a_committee_to_another_states_chamber_is_refused(client, world):
    stage = world.home.stages[0]
    sign_in(client, world.coordinator.email)
    url = f"/stages/{stage.id}/edit"
    data = form_of(client, url) | {"chamber": str(world.other.chamber.id)}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "another state" in response.get_data(as_text=True)
    assert _stage(stage.id).chamber_id == world.home.chamber.id


def test_the_second_of_two_tabs_editing_a_stage_gets_a_conflict(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    url = f"/stages/{stage.id}/edit"
    first, second = form_of(client, url), form_of(client, url)
    assert client.post(url, data=first | {"notes": "From tab one"}).status_code == 302
    response = client.post(url, data=second | {"notes": "From tab two"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "From tab one" in soup.find(class_="conflict").get_text()
    assert _stage(stage.id).notes == "From tab one"
    assert client.post(url, data=form_values(soup)).status_code == 302
    assert _stage(stage.id).notes == "From tab two"


def test_a_stage_with_a_recorded_vote_keeps_its_kind_and_chamber(client, world):
    from tests.votes.test_recording import record_vote_directly

    stage = world.home.stages[1]
    record_vote_directly(world, stage)
    sign_in(client, world.coordinator.email)
    url = f"/stages/{stage.id}/edit"
    response = client.post(url, data=form_of(client, url) | {"kind": "assent"})
    assert response.status_code == 422
    assert "A vote is recorded for this stage" in response.get_data(as_text=True)
    assert _stage(stage.id).kind is StageKind.PLENARY_VOTE


# --- Reordering ----------------------------------------------------------------------------------


def test_stages_move_up_and_down(client, world):
    first, second = world.home.stages
    third = StageFactory(agreement=world.home.agreement, kind=StageKind.ASSENT, position=2)
    sign_in(client, world.coordinator.email)
    token = _token(client)
    response = client.post(
        f"/stages/{third.id}/move", data={"direction": "up", "csrf_token": token}
    )
    assert response.status_code == 302
    assert [s.id for s in _stages(world.home.agreement)] == [first.id, third.id, second.id]
    client.post(f"/stages/{first.id}/move", data={"direction": "down", "csrf_token": token})
    assert [s.id for s in _stages(world.home.agreement)] == [third.id, first.id, second.id]
    moved = _audit("stage.moved")
    assert len(moved) == 4
    assert all(e.actor_id == world.coordinator.id for e in moved)


def test_the_first_stage_cannot_move_up(client, world):
    first = world.home.stages[0]
    sign_in(client, world.coordinator.email)
    response = client.post(
        f"/stages/{first.id}/move",
        data={"direction": "up", "csrf_token": _token(client)},
        follow_redirects=True,
    )
    assert "already the first stage" in response.get_data(as_text=True)
    assert _audit("stage.moved") == []


def test_a_junk_direction_is_refused(client, world):
    sign_in(client, world.coordinator.email)
    stage = world.home.stages[1]
    response = client.post(
        f"/stages/{stage.id}/move", data={"direction": "sideways", "csrf_token": _token(client)}
    )
    assert response.status_code == 422
    assert _audit("stage.moved") == []


def test_the_agreement_page_offers_move_buttons_to_coordinators(client, world):
    sign_in(client, world.coordinator.email)
    soup = page(client, f"/states/{world.home.state.iso2}/agreement")
    forms = soup.select("table.stage-list form")
    assert [[b["value"] for b in f.find_all("button")] for f in forms] == [["down"], ["up"]]
    assert all(f.find("input", attrs={"name": "csrf_token"}) for f in forms)


# --- Actions -----------------------------------------------------------------------------------


def _act(client, stage, action: str, **fields):
    soup = page(client, f"/stages/{stage.id}")
    form = soup.find("form", action=f"/stages/{stage.id}/{action}")
    assert form is not None, f"no {action} form"
    data = form_values_of(form)
    data |= {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/stages/{stage.id}/{action}", data=data)


def form_values_of(form) -> dict[str, str]:
    return {
        c["name"]: c.get("value", "")
        for c in form.select("input[name]")
        if c.get("type") != "submit"
    }


def test_postponing_needs_a_later_date(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    earlier = _act(client, stage, "postpone", on=(_today() + timedelta(days=5)).isoformat())
    assert earlier.status_code == 422
    soup = BeautifulSoup(earlier.get_data(as_text=True), "html.parser")
    assert "later than" in soup.find(id="postpone-on-error").get_text()
    assert "later than" in soup.find(class_="error-summary").get_text()
    missing = _act(client, stage, "postpone", on="")
    assert missing.status_code == 422
    assert "Enter the new date" in missing.get_data(as_text=True)
    assert _stage(stage.id).status is StageStatus.SCHEDULED

    later = _today() + timedelta(days=50)
    assert _act(client, stage, "postpone", on=later.isoformat()).status_code == 302
    saved = _stage(stage.id)
    assert (saved.status, saved.scheduled_on) == (StageStatus.POSTPONED, later)
    [entry] = _audit("stage.postponed")
    assert entry.before == {
        "status": "scheduled",
        "scheduled_on": (_today() + timedelta(days=20)).isoformat(),
    }
    assert entry.after["status"] == "postponed"


def test_holding_needs_no_date_but_refuses_a_future_one(client, world):
    stage = world.home.stages[0]
    sign_in(client, world.coordinator.email)
    future = _act(client, stage, "hold", on=(_today() + timedelta(days=1)).isoformat())
    assert future.status_code == 422
    assert "cannot be held in the future" in future.get_data(as_text=True)
    assert _act(client, stage, "hold", on="").status_code == 302
    saved = _stage(stage.id)
    assert (saved.status, saved.held_on) == (StageStatus.HELD, None)
    assert len(_audit("stage.held")) == 1


def test_cancel_then_schedule_again(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.admin.email)
    assert _act(client, stage, "cancel").status_code == 302
    assert _stage(stage.id).status is StageStatus.CANCELLED
    # A cancelled stage offers only scheduling again.
    soup = page(client, f"/stages/{stage.id}")
    assert soup.find("form", action=f"/stages/{stage.id}/schedule")
    assert not soup.find("form", action=f"/stages/{stage.id}/hold")
    new_date = _today() + timedelta(days=60)
    assert _act(client, stage, "schedule", on=new_date.isoformat()).status_code == 302
    saved = _stage(stage.id)
    assert (saved.status, saved.scheduled_on) == (StageStatus.SCHEDULED, new_date)
    assert [e.action for e in _audit() if e.action.startswith("stage.")] == [
        "stage.cancelled",
        "stage.scheduled",
    ]


@pytest.mark.parametrize(
    ("status", "action", "fields", "message"),
    [
        (StageStatus.HELD, "cancel", {}, "can no longer be cancelled"),
        (StageStatus.HELD, "postpone", {"on": "2099-01-01"}, "only a stage still to come"),
        (StageStatus.HELD, "schedule", {"on": "2099-01-01"}, "cannot be scheduled again"),
        (StageStatus.HELD, "hold", {}, "already marked as held"),
        (StageStatus.CANCELLED, "hold", {}, "Schedule it again"),
        (StageStatus.CANCELLED, "cancel", {}, "already cancelled"),
        (StageStatus.CANCELLED, "postpone", {"on": "2099-01-01"}, "only a stage still to come"),
    ],
)
def test_actions_that_do_not_fit_the_status_say_why(client, world, status, action, fields, message):
    stage = world.home.stages[1]
    stage.status = status
    db.session.commit()
    sign_in(client, world.coordinator.email)
    data = {f"{action}-version": str(stage.version), "csrf_token": _token(client)}
    data |= {f"{action}-{k}": v for k, v in fields.items()}
    response = client.post(f"/stages/{stage.id}/{action}", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _stage(stage.id).status is status
    assert [e for e in _audit() if e.action.startswith("stage.")] == []


def test_an_action_from_a_stale_page_is_a_conflict(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    soup = page(client, f"/stages/{stage.id}")
    stale = form_values_of(soup.find("form", action=f"/stages/{stage.id}/cancel"))
    assert _act(client, stage, "postpone", on="2099-01-01").status_code == 302
    response = client.post(f"/stages/{stage.id}/cancel", data=stale)
    assert response.status_code == 409
    assert "saved this record after you opened it" in response.get_data(as_text=True)
    assert _stage(stage.id).status is StageStatus.POSTPONED


@pytest.mark.parametrize("action", ["schedule", "postpone", "hold"])
def test_a_bad_date_in_an_action_is_explained(client, world, action):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    response = _act(client, stage, action, on="2026-02-30")
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find(id=f"{action}-on-error")
    assert _stage(stage.id).version == 1


def test_posts_without_a_csrf_token_are_refused(client, world):
    stage = world.home.stages[1]
    sign_in(client, world.coordinator.email)
    response = client.post(f"/stages/{stage.id}/cancel", data={"cancel-version": "1"})
    assert response.status_code == 400
    response = client.post(f"/stages/{stage.id}/move", data={"direction": "up"})
    assert response.status_code == 400
    assert _stage(stage.id).status is StageStatus.SCHEDULED


# --- Who may do what ---------------------------------------------------------------------------


def _routes(world, side: str = "home"):
    stage = getattr(world, side).stages[1]
    iso2 = getattr(world, side).state.iso2
    return [
        ("get", f"/states/{iso2}/agreement/edit"),
        ("post", f"/states/{iso2}/agreement/edit"),
        ("get", f"/states/{iso2}/stages/new"),
        ("post", f"/states/{iso2}/stages/new"),
        ("get", f"/stages/{stage.id}/edit"),
        ("post", f"/stages/{stage.id}/edit"),
        ("post", f"/stages/{stage.id}/schedule"),
        ("post", f"/stages/{stage.id}/postpone"),
        ("post", f"/stages/{stage.id}/hold"),
        ("post", f"/stages/{stage.id}/cancel"),
        ("post", f"/stages/{stage.id}/move"),
    ]


@pytest.mark.parametrize("side", ["home", "other"])
@pytest.mark.parametrize("who", ["member", "other_member", "staff"])
def test_sections_and_staff_may_not_change_agreements_or_stages(client, world, who, side):
    login(client, getattr(world, who).email, PASSWORD)
    token = _token(client)
    before = [(s.id, s.version, s.position) for s in _stages(getattr(world, side).agreement)]
    for method, url in _routes(world, side):
        if method == "get":
            assert client.get(url).status_code == 403, url
        else:
            response = client.post(
                url, data={"csrf_token": token, "direction": "down", "kind": "assent"}
            )
            assert response.status_code == 403, url
    after = [(s.id, s.version, s.position) for s in _stages(getattr(world, side).agreement)]
    assert after == before
    assert _audit() == [e for e in _audit() if not e.action.startswith(("stage.", "agreement."))]


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinators_and_admins_open_every_editing_page_of_every_state(client, world, who):
    login(client, getattr(world, who).email, PASSWORD)
    for side in ("home", "other"):
        for method, url in _routes(world, side):
            if method == "get":
                assert client.get(url).status_code == 200, url


def test_unknown_stages_are_404(client, world):
    sign_in(client, world.coordinator.email)
    token = _token(client)
    assert client.get("/stages/999999").status_code == 404
    assert client.get("/stages/999999/edit").status_code == 404
    for action in ("schedule", "postpone", "hold", "cancel", "move"):
        assert (
            client.post(f"/stages/999999/{action}", data={"csrf_token": token}).status_code == 404
        )
    assert client.post(
        f"/stages/{world.home.stages[0].id}/explode", data={"csrf_token": token}
    ).status_code in (404, 405)


# --- The stage page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "actions"),
    [("staff", False), ("member", False), ("other_member", False), ("coordinator", True)],
)
def test_the_stage_page_shows_actions_only_to_those_allowed(client, world, who, actions):
    stage = world.home.stages[1]
    login(client, getattr(world, who).email, PASSWORD)
    soup = page(client, f"/stages/{stage.id}")
    body = text(soup)
    assert "Plenary vote" in body
    assert world.home.chamber.name in body
    assert bool(soup.find("form", action=f"/stages/{stage.id}/postpone")) is actions
    assert bool(soup.find("a", href=f"/stages/{stage.id}/edit")) is actions
    # Votes: the home section and coordinators record them.
    may_record = who in ("member", "coordinator")
    assert bool(soup.find("a", href=f"/stages/{stage.id}/vote")) is may_record
    assert "No vote is recorded for this stage yet." in body


def test_pages_make_a_fixed_number_of_queries(fresh_app):
    counts = []
    for size in (2, 8):
        with fresh_app() as app:
            world = build_world()
            for n in range(size):
                StageFactory(
                    agreement=world.home.agreement,
                    kind=StageKind.ASSENT,
                    position=n + 2,
                    chamber=world.home.chamber,
                )
            admin = UserFactory(role=Role.ADMIN)
            client = app.test_client()
            sign_in(client, admin.email)
            urls = [
                f"/states/{world.home.state.iso2}/agreement",
                f"/states/{world.home.state.iso2}/stages/new",
                f"/stages/{world.home.stages[1].id}",
                f"/stages/{world.home.stages[1].id}/edit",
            ]
            client.get(urls[0])
            measured = []
            for url in urls:
                with counting_queries() as counter:
                    assert client.get(url).status_code == 200, url
                measured.append(counter.count)
            counts.append(measured)
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("status", "days", "ahead"),
    [
        (StageStatus.SCHEDULED, 0, True),
        (StageStatus.POSTPONED, 3, True),
        (StageStatus.SCHEDULED, -1, False),
        (StageStatus.SCHEDULED, None, False),
        (StageStatus.HELD, 3, False),
        (StageStatus.CANCELLED, 3, False),
    ],
)
def test_a_stage_is_ahead_alike_in_python_and_in_a_query(app, status, days, ahead):
    on = _today()
    stage = StageFactory(
        status=status, scheduled_on=None if days is None else on + timedelta(days=days)
    )
    db.session.flush()
    assert stage.is_ahead(on) is ahead
    found = db.session.scalar(sa.select(Stage.id).where(Stage.id == stage.id, Stage.is_ahead(on)))
    assert (found is not None) is ahead
