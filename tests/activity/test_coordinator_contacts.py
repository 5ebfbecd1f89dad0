"""Coordinators log contacts in any state (SPEC §1): the contact form, the stances seen
and the follow-ups agreed, all attributed to the coordinator, who belongs to no section of
that state; then they edit the contact and close its follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interactions.models import FollowUp, FollowUpStatus, Interaction
from crm.parliament.models import StanceRecord
from tests.conftest import csrf_token, sign_in
from tests.interactions.routes import _local
from tests.pages import page, text
from tests.world import build_world


def _form(world, side, who) -> dict[str, str]:
    rep = side.reps[3]
    return {
        "occurred_at": _local(world, datetime.now(UTC) - timedelta(hours=1)),
        "kind": "call",
        "representatives": str(rep.id),
        "participants": str(who.id),
        "summary": "The coordinator called from the office.",
        "confidentiality": "normal",
        "stances-0-representative": str(rep.id),
        "stances-0-stance": "undecided",
        "stances-0-confidence": "medium",
        "follow_ups-0-title": "Send the briefing note",
        "follow_ups-0-due_on": (date.today() + timedelta(days=2)).isoformat(),
        "follow_ups-0-assignee": str(who.id),
    }


@pytest.mark.parametrize("side_name", ["home", "other"])
def test_a_coordinator_logs_a_contact_in_any_state_and_it_is_theirs(client, app, side_name):
    world = build_world()
    side = getattr(world, side_name)
    coordinator = world.coordinator
    sign_in(client, coordinator)
    url = f"/states/{side.state.iso2}/interactions/new"
    soup = page(client, url)
    # They take part themselves (ticked), or name the state's section members.
    ticked = soup.find("input", attrs={"name": "participants", "value": str(coordinator.id)})
    assert ticked is not None
    assert ticked.has_attr("checked")
    member = world.member if side_name == "home" else world.other_member
    assert soup.find("input", attrs={"name": "participants", "value": str(member.id)})

    data = _form(world, side, coordinator) | {"csrf_token": csrf_token(str(soup))}
    response = client.post(url, data=data)
    assert response.status_code == 302, text(page(client, url))
    contact = db.session.scalars(
        sa.select(Interaction).where(Interaction.summary.startswith("The coordinator"))
    ).one()
    assert contact.state_id == side.state.id
    assert contact.created_by_id == coordinator.id
    assert [u.id for u in contact.participants] == [coordinator.id]
    stance = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == contact.id)
    ).one()
    assert stance.recorded_by_id == coordinator.id
    follow_up = db.session.scalars(
        sa.select(FollowUp).where(FollowUp.interaction_id == contact.id)
    ).one()
    assert follow_up.assignee_id == coordinator.id
    actions = set(
        db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.actor_id == coordinator.id)
        )
    )
    assert {"interaction.created", "stance.recorded", "follow_up.created"} <= actions


def test_a_coordinator_edits_the_contact_and_closes_its_follow_up(client, app):
    world = build_world()
    coordinator = world.coordinator
    sign_in(client, coordinator)
    url = f"/states/{world.home.state.iso2}/interactions/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    assert client.post(url, data=_form(world, world.home, coordinator) | {"csrf_token": token})
    contact = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    edit = f"/interactions/{contact.id}/edit"
    response = client.post(
        edit,
        data={
            "csrf_token": token,
            "version": str(contact.version),
            "occurred_at": _local(world, contact.occurred_at),
            "kind": "meeting",
            "representatives": str(world.home.reps[3].id),
            "participants": str(coordinator.id),
            "summary": "Corrected by the coordinator.",
            "outcome": "",
            "confidentiality": "normal",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Interaction, contact.id).summary == "Corrected by the coordinator."
    # Their follow-up is on "my follow-ups", and they may mark it done.
    [follow_up] = contact.follow_ups
    mine = page(client, "/follow-ups")
    assert "Send the briefing note" in text(mine)
    done = client.post(
        f"/follow-ups/{follow_up.id}/done", data={"csrf_token": token, "next": "/follow-ups"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).status is FollowUpStatus.DONE


def test_a_coordinator_is_offered_log_a_contact_on_every_state_page(client, app):
    world = build_world()
    sign_in(client, world.coordinator)
    for side in (world.home, world.other):
        iso2 = side.state.iso2
        soup = page(client, f"/states/{iso2}")
        assert soup.find("a", href=f"/states/{iso2}/interactions/new")
        # Planning events stays with the state's section.
        assert not soup.find("a", href=f"/states/{iso2}/events/new")


def test_a_coordinator_may_not_restore_an_archived_contact(client, app):
    world = build_world()
    sign_in(client, world.coordinator)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    contact = world.home.interaction
    assert (
        client.post(f"/interactions/{contact.id}/archive", data={"csrf_token": token}).status_code
        == 302
    )
    restore = client.post(f"/interactions/{contact.id}/restore", data={"csrf_token": token})
    assert restore.status_code == 403
