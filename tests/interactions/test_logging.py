"""Logging a contact: one form, one service call, one transaction — or nothing at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction, InteractionKind
from crm.parliament.models import Confidence, Representative, Stance, StanceRecord, StanceSource
from tests.conftest import csrf_token, login, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.interactions.helpers import get_form, soup_of
from tests.interactions.routes import _new
from tests.world import build_world


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Interaction, StanceRecord, FollowUp, AuditEntry)
    }


def _last_audit_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0


def _new_url(world) -> str:
    return f"/states/{world.home.state.iso2}/interactions/new"


def _token(client) -> str:
    return csrf_token(client.get("/account").get_data(as_text=True))


def _local_day(at: datetime, timezone: str) -> date:
    return at.astimezone(ZoneInfo(timezone)).date()


def test_a_section_member_logs_a_meeting_with_everything_in_one_go(client, app):
    world = build_world()
    home, member = world.home, world.member
    colleague = UserFactory(
        role=Role.SECTION, sections=list(member.sections), name="Ioana Colleague"
    )
    met, also_met = home.reps[2], home.reps[3]
    sign_in(client, member.email)
    url = _new_url(world)
    data = get_form(client, f"{url}?representative={met.id}&representative={also_met.id}")
    # Both people in the link are chosen, each with a stance field; the actor took part.
    assert data["representatives"] == [str(met.id), str(also_met.id)]
    assert data["participants"] == [str(member.id)]
    entries = {data[f"stances-{n}-representative"][0]: n for n in range(2)}
    entry, other_entry = entries[str(met.id)], entries[str(also_met.id)]
    first_due = date.today() + timedelta(days=7)
    second_due = date.today() + timedelta(days=14)
    data |= {
        "kind": ["meeting"],
        "participants": [str(member.id), str(colleague.id)],
        "summary": ["Talked about the embassy's letter in the corridor."],
        "outcome": ["Will abstain in committee."],
        "confidentiality": ["restricted"],
        f"stances-{entry}-stance": ["against_ratification"],
        f"stances-{entry}-confidence": ["high"],
        # Met, and said nothing that shows a stance: no stance record.
        f"stances-{other_entry}-stance": ["none"],
        "follow_ups-0-title": ["Send the legal note"],
        "follow_ups-0-due_on": [first_due.isoformat()],
        "follow_ups-0-assignee": [str(member.id)],
        "follow_ups-1-title": ["Invite them to the briefing"],
        "follow_ups-1-due_on": [second_due.isoformat()],
        "follow_ups-1-assignee": [str(colleague.id)],
    }
    last = _last_audit_id()
    response = client.post(url, data=data)

    assert response.status_code == 302
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    assert response.headers["Location"] == f"/interactions/{interaction.id}"
    assert interaction.state_id == home.state.id
    assert interaction.kind is InteractionKind.MEETING
    assert interaction.confidentiality is Confidentiality.RESTRICTED
    assert interaction.summary == "Talked about the embassy's letter in the corridor."
    assert interaction.outcome == "Will abstain in committee."
    assert {r.id for r in interaction.representatives} == {met.id, also_met.id}
    assert {u.id for u in interaction.participants} == {member.id, colleague.id}
    assert interaction.created_by_id == member.id
    # Entered in the state's time zone (the form's default: now), stored as UTC.
    assert abs(interaction.occurred_at - datetime.now(UTC)) < timedelta(minutes=3)

    [stance] = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == interaction.id)
    ).all()
    assert stance.representative_id == met.id
    assert (stance.stance, stance.source, stance.confidence) == (
        Stance.AGAINST_RATIFICATION,
        StanceSource.PRIVATE_MEETING,
        Confidence.HIGH,
    )
    assert stance.recorded_by_id == member.id
    assert stance.observed_on == min(
        _local_day(interaction.occurred_at, home.state.timezone), date.today()
    )
    # The stance cache follows the newest record; the other person's is untouched.
    assert db.session.get(Representative, met.id).stance is Stance.AGAINST_RATIFICATION
    assert db.session.get(Representative, also_met.id).stance is Stance.UNKNOWN

    follow_ups = db.session.scalars(
        sa.select(FollowUp).where(FollowUp.interaction_id == interaction.id).order_by(FollowUp.id)
    ).all()
    assert [(f.title, f.due_on, f.assignee_id, f.state_id) for f in follow_ups] == [
        ("Send the legal note", first_due, member.id, home.state.id),
        ("Invite them to the briefing", second_due, colleague.id, home.state.id),
    ]

    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)
    ).all()
    assert sorted(e.action for e in entries) == sorted(
        ["interaction.created", "stance.recorded", "follow_up.created", "follow_up.created"]
    )
    assert {e.actor_id for e in entries} == {member.id}
    [created] = [e for e in entries if e.action == "interaction.created"]
    assert created.target_id == str(interaction.id)
    assert created.state_id == home.state.id
    assert sorted(created.after["representatives"]) == sorted([met.name, also_met.name])
    assert sorted(created.after["participants"]) == sorted([member.email, colleague.email])

    page = client.get(f"/interactions/{interaction.id}").get_data(as_text=True)
    assert "Talked about the embassy" in page
    assert met.name in page
    assert also_met.name in page
    assert "Send the legal note" in page


def test_the_form_opens_at_the_current_time_in_the_states_time_zone(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    data = get_form(client, _new_url(world))
    shown = datetime.strptime(data["occurred_at"][0], "%Y-%m-%dT%H:%M")
    local_now = datetime.now(ZoneInfo(world.home.state.timezone)).replace(tzinfo=None)
    assert abs(local_now - shown) < timedelta(minutes=2)
    # Each of the three follow-up rows is assigned to the actor unless changed.
    assert [data[f"follow_ups-{n}-assignee"] for n in range(3)] == [[str(world.member.id)]] * 3


def test_a_contact_entered_in_local_time_is_stored_in_utc(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    url, data = _new(world)
    # Bucharest is UTC+2 in winter and UTC+3 in summer: 1 March is winter.
    data = data | {"occurred_at": "2024-03-01T09:30"}
    data.pop("follow_ups-0-due_on")
    assert client.post(url, data=data | {"csrf_token": _token(client)}).status_code == 302
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    assert interaction.occurred_at == datetime(2024, 3, 1, 7, 30, tzinfo=UTC)
    record = db.session.scalar(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == interaction.id)
    )
    assert record.observed_on == date(2024, 3, 1)


def test_finding_people_by_name_keeps_what_was_typed_and_saves_nothing(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    url = _new_url(world)
    data = get_form(client, url) | {
        "summary": ["Half-written summary"],
        "q": ["member 2"],
        "refine": ["find"],
    }
    before = _counts()
    response = client.post(url, data=data)
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.find("textarea", attrs={"name": "summary"}).get_text().strip() == (
        "Half-written summary"
    )
    matches = [i["value"] for i in soup.select("input[id^=pick-]")]
    assert matches == [str(world.home.reps[2].id)]
    # Another state's "Member 2" is not offered.
    assert str(world.other.reps[2].id) not in matches
    assert _counts() == before


def test_adding_ticked_people_gives_each_a_stance_field(client, app):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    url = _new_url(world)
    data = get_form(client, f"{url}?representative={home.reps[0].id}")
    # Every current member is offered, by chamber, without any JavaScript.
    offered = {i["value"] for i in soup_of(client.get(url)).select("input[id^=pick-]")}
    assert offered == {str(r.id) for r in home.reps}
    data |= {
        "representatives": [str(home.reps[0].id), str(home.reps[1].id)],
        "stances-0-stance": ["undecided"],
        "refine": ["add"],
    }
    response = client.post(url, data=data)
    assert response.status_code == 200
    soup = soup_of(response)
    entries = {
        soup.find("input", attrs={"name": f"stances-{n}-representative"})["value"]: n
        for n in range(2)
    }
    assert set(entries) == {str(home.reps[0].id), str(home.reps[1].id)}
    kept = soup.find("select", attrs={"name": "stances-0-stance"}).find("option", selected=True)
    assert kept["value"] == "undecided"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 4


# Coordinators log contacts in any state too: tests/activity/test_coordinator_contacts.py
@pytest.mark.parametrize("who", ["other_member", "staff"])
def test_only_the_states_section_may_log_a_contact_there(client, app, who):
    world = build_world()
    login(client, getattr(world, who).email, PASSWORD)
    url, data = _new(world)
    assert client.get(url).status_code == 403
    before = _counts()
    assert client.post(url, data=data | {"csrf_token": _token(client)}).status_code == 403
    assert _counts() == before


def test_another_states_representative_is_refused_with_a_message(client, app):
    """The Nepal section logs a contact in Nepal but names a Romanian representative."""
    world = build_world()
    sign_in(client, world.other_member.email)
    url = f"/states/{world.other.state.iso2}/interactions/new"
    stranger = world.home.reps[0]
    data = get_form(client, f"{url}?representative={world.other.reps[0].id}") | {
        "representatives": [str(world.other.reps[0].id), str(stranger.id)],
        "summary": ["Met them both."],
    }
    before = _counts()
    response = client.post(url, data=data)
    assert response.status_code == 422
    error = soup_of(response).find(id="representatives-error")
    assert f"Representative {stranger.id} is not in the parliament of" in error.get_text()
    assert _counts() == before


def test_a_link_naming_another_states_representative_chooses_nobody(client, app):
    world = build_world()
    sign_in(client, world.other_member.email)
    stranger = world.home.reps[0]
    response = client.get(
        f"/states/{world.other.state.iso2}/interactions/new?representative={stranger.id}"
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert "Only representatives of" in soup.find(id="representatives-error").get_text()
    assert soup.find("input", attrs={"name": "representatives", "value": str(stranger.id)}) is None
    assert stranger.name not in soup.get_text()


def test_unknown_states_and_contacts_are_not_found(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    assert client.get("/states/QQQ/interactions/new").status_code == 404
    assert client.get("/interactions/999999").status_code == 404
    assert client.get("/interactions/99999999999999999999").status_code == 404
    assert client.get("/interactions/999999/edit").status_code == 404


def _bad_cases():
    tomorrow = (datetime.now(UTC) + timedelta(days=1, hours=1)).strftime("%Y-%m-%dT%H:%M")
    long_ago = (date.today() - timedelta(days=30)).isoformat()
    yield {"occurred_at": ""}, "occurred_at"
    yield {"occurred_at": "yesterday"}, "occurred_at"
    yield {"occurred_at": tomorrow}, "occurred_at"
    yield {"occurred_at": "1985-06-01T10:00"}, "occurred_at"
    yield {"kind": "party"}, "kind"
    yield {"representatives": []}, "representatives"
    yield {"representatives": "abc"}, "representatives"
    yield {"representatives": ["{rep0}", "{other_rep}"]}, "representatives"
    yield {"representatives": "99999999999999999999"}, "representatives"
    yield {"participants": "{other_member}"}, "participants"
    yield {"participants": "{staff}"}, "participants"
    yield {"participants": "x"}, "participants"
    yield {"summary": "   "}, "summary"
    yield {"summary": "x" * 10_001}, "summary"
    yield {"outcome": "x" * 5_001}, "outcome"
    yield {"confidentiality": "secret"}, "confidentiality"
    yield {"stances-0-stance": "adores_us"}, "stances-0-stance"
    yield {"stances-0-confidence": "total"}, "stances-0-confidence"
    yield {"representatives": "{rep1}"}, "stances-0-stance"  # a stance for someone unticked
    yield {"follow_ups-0-title": "x" * 301}, "follow_ups-0-title"
    yield {"follow_ups-0-title": ""}, "follow_ups-0-title"  # a due date without a title
    yield {"follow_ups-0-due_on": "2026-02-30"}, "follow_ups-0-due_on"
    yield {"follow_ups-0-due_on": long_ago}, "follow_ups-0-due_on"
    yield {"follow_ups-0-due_on": "2099-01-01"}, "follow_ups-0-due_on"
    yield {"follow_ups-0-assignee": "{staff}"}, "follow_ups-0-assignee"
    yield {"follow_ups-0-assignee": "-1"}, "follow_ups-0-assignee"


@pytest.mark.parametrize(("changes", "field"), list(_bad_cases()), ids=lambda v: str(v)[:40])
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_written(
    client, app, changes, field
):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    url = _new_url(world)
    data = get_form(client, f"{url}?representative={home.reps[0].id}") | {
        "summary": ["Met in the corridor."],
        "stances-0-stance": ["leaning_against"],
        "follow_ups-0-title": ["Send the note"],
        "follow_ups-0-due_on": [(date.today() + timedelta(days=3)).isoformat()],
    }
    names = {
        "{other_rep}": str(world.other.reps[0].id),
        "{other_member}": str(world.other_member.id),
        "{staff}": str(world.staff.id),
        "{rep0}": str(home.reps[0].id),
        "{rep1}": str(home.reps[1].id),
    }
    for key, value in changes.items():
        values = [value] if isinstance(value, str) else value
        data[key] = [names.get(v, v) for v in values]
    before = _counts()
    response = client.post(url, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    error = soup.find(id=f"{field}-error")
    assert error is not None, soup.select(".field-error")
    assert error.get_text(strip=True)
    control = soup.find(attrs={"name": field})
    single = control is not None and control.name in ("input", "select", "textarea")
    if single and control.get("type") not in ("checkbox", "radio"):
        assert control.get("aria-invalid") == "true"
    assert _counts() == before


def test_a_stance_in_the_future_cannot_be_sneaked_in_through_a_late_clock(client, app):
    """A contact a few minutes ahead (a phone's clock) is accepted; its stance is today's."""
    world = build_world()
    sign_in(client, world.member.email)
    url, data = _new(world)
    ahead = datetime.now(UTC) + timedelta(minutes=4)
    local = ahead.astimezone(ZoneInfo(world.home.state.timezone))
    data |= {"occurred_at": local.strftime("%Y-%m-%dT%H:%M"), "csrf_token": _token(client)}
    response = client.post(url, data=data)
    assert response.status_code == 302
    record = db.session.scalars(sa.select(StanceRecord).order_by(StanceRecord.id.desc())).first()
    assert record.observed_on <= date.today()
