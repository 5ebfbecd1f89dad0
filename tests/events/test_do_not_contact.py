"""People who asked not to be contacted: invited to an event (page and API), or logged as met
through the API, only with a confirmation and a reason, kept in the audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.events.models import Invitation
from crm.extensions import db
from crm.interactions.models import Interaction
from tests.conftest import every_row
from tests.events.factories import form_values
from tests.pages import page, text

TOKEN_USE = ("api_tokens", "security_events")


@pytest.fixture
def flagged(world):
    rep = world.home.reps[0]
    rep.do_not_contact = True
    rep.do_not_contact_reason = "Asked in writing to be left alone."
    db.session.commit()
    return rep


def _bearer(user) -> dict[str, str]:
    raw, _token = create_token(None, user, name="tests", scope=TokenScope.API)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _invited(event) -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            sa.select(Invitation.representative_id).where(Invitation.event_id == event.id)
        )
    )


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


# --- The invitation page --------------------------------------------------------------------


def test_the_picker_shows_who_asked_not_to_be_contacted(sign_in, world, flagged):
    soup = page(sign_in("member"), f"/events/{world.home.event.id}/invitations/new")
    row = soup.find("input", attrs={"value": str(flagged.id)}).find_parent("li")
    assert "Do not contact" in text(row)
    assert "Asked in writing to be left alone." in text(row)
    other = soup.find("input", attrs={"value": str(world.home.reps[1].id)}).find_parent("li")
    assert "Do not contact" not in text(other)


def test_inviting_them_asks_for_a_confirmation_with_a_reason(sign_in, world, flagged):
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/new"
    data = form_values(client.get(url).text) | {
        "representative": [str(flagged.id), str(world.home.reps[1].id)]
    }
    before = every_row()
    response = client.post(url, data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f"{flagged.name} asked not to be contacted." in body
    # The confirmation is now offered, next to the message, and the choice is kept.
    assert 'name="do_not_contact_confirmed"' in body
    assert 'name="do_not_contact_reason"' in body
    assert every_row() == before

    # A reason without the tick is not a confirmation.
    response = client.post(url, data=data | {"do_not_contact_reason": "Hand-over to all."})
    assert response.status_code == 422
    assert "Tick this box to confirm" in response.get_data(as_text=True)
    assert every_row() == before

    response = client.post(
        url,
        data=data
        | {"do_not_contact_confirmed": "y", "do_not_contact_reason": " They asked to come. "},
    )
    assert response.status_code == 302
    assert {flagged.id, world.home.reps[1].id} <= _invited(event)
    entries = {e.after["representative_id"]: e for e in _entries("invitation.created")}
    assert entries[flagged.id].after["do_not_contact_override"] == {
        "reason": "They asked to come.",
        "representative_ids": [flagged.id],
    }
    # The other person's invitation needed no override, and says none.
    assert "do_not_contact_override" not in entries[world.home.reps[1].id].after


def test_inviting_only_people_not_flagged_asks_nothing(sign_in, world, flagged):
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/invitations/new"
    data = form_values(client.get(url).text) | {"representative": str(world.home.reps[1].id)}
    assert 'name="do_not_contact_reason"' not in client.get(url).text
    assert client.post(url, data=data).status_code == 302
    assert world.home.reps[1].id in _invited(event)


# --- The API: invitations -------------------------------------------------------------------


def _invite_url(event) -> str:
    return f"/api/v1/events/{event.id}/invitations"


def test_the_api_refuses_inviting_them_without_an_override(client, world, flagged):
    headers = _bearer(world.member)
    event = world.home.event
    before = every_row(ignore=TOKEN_USE)
    response = client.post(
        _invite_url(event), json={"representative_ids": [flagged.id]}, headers=headers
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    [message] = response.get_json()["errors"]["json"]["do_not_contact_override"]
    assert flagged.name in message
    assert every_row(ignore=TOKEN_USE) == before
    # An empty reason is no reason.
    response = client.post(
        _invite_url(event),
        json={"representative_ids": [flagged.id], "do_not_contact_override": {"reason": ""}},
        headers=headers,
    )
    assert response.status_code == 422
    assert every_row(ignore=TOKEN_USE) == before

    response = client.post(
        _invite_url(event),
        json={
            "representative_ids": [flagged.id],
            "do_not_contact_override": {"reason": "Their office asked for the invitation."},
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    [item] = response.get_json()["items"]
    assert item["representative"] == {"id": flagged.id, "name": flagged.name}
    assert item["rsvp"] == "pending"
    [entry] = _entries("invitation.created")
    assert entry.after["do_not_contact_override"]["reason"] == (
        "Their office asked for the invitation."
    )


def test_the_api_invites_and_refuses_as_the_pages_do(client, world):
    headers = _bearer(world.member)
    event = world.home.event
    reps = world.home.reps
    response = client.post(
        _invite_url(event), json={"representative_ids": [reps[1].id]}, headers=headers
    )
    assert response.status_code == 201
    assert reps[1].id in _invited(event)
    # Invited already (reps[2] was, in the world), or of another state: named in the body.
    for ids in ([reps[2].id], [world.other.reps[0].id]):
        response = client.post(
            _invite_url(event), json={"representative_ids": ids}, headers=headers
        )
        assert response.status_code == 422
        assert "representative_ids" in response.get_json()["errors"]["json"]
    assert (
        client.post(
            "/api/v1/events/999999/invitations", json={"representative_ids": [1]}, headers=headers
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["other_member", "staff", "coordinator"])
def test_only_the_states_section_and_admins_may_invite_through_the_api(client, world, role):
    event = world.home.event
    body = {"representative_ids": [world.home.reps[1].id]}
    headers = _bearer(getattr(world, role))
    before = every_row(ignore=TOKEN_USE)
    response = client.post(_invite_url(event), json=body, headers=headers)
    assert response.status_code == 403
    assert every_row(ignore=TOKEN_USE) == before
    admin = client.post(_invite_url(event), json=body, headers=_bearer(world.admin))
    assert admin.status_code == 201


# --- The API: contacts ----------------------------------------------------------------------


def _contact(world, rep, **extra) -> dict:
    return {
        "state": world.home.state.iso2,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "kind": "call",
        "representative_ids": [rep.id],
        "summary": "A call about the vote.",
    } | extra


def test_the_api_refuses_logging_a_contact_with_them_without_an_override(client, world, flagged):
    headers = _bearer(world.member)
    before = every_row(ignore=TOKEN_USE)
    response = client.post("/api/v1/interactions", json=_contact(world, flagged), headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    [message] = response.get_json()["errors"]["json"]["do_not_contact_override"]
    assert flagged.name in message
    assert every_row(ignore=TOKEN_USE) == before

    override = {"reason": "They called us."}
    response = client.post(
        "/api/v1/interactions",
        json=_contact(world, flagged, do_not_contact_override=override),
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    [entry] = _entries("interaction.created")
    assert entry.after["do_not_contact_override"] == {
        "reason": "They called us.",
        "representative_ids": [flagged.id],
    }
    assert db.session.get(Interaction, response.get_json()["id"]) is not None


def test_the_api_refuses_adding_them_to_a_saved_contact_without_an_override(client, world):
    contact = world.home.interaction
    met = [r.id for r in contact.representatives]
    flagged = next(r for r in world.home.reps if r.id not in met)
    flagged.do_not_contact = True
    db.session.commit()
    headers = _bearer(world.member)
    body = {"version": contact.version, "representative_ids": [*met, flagged.id]}
    before = every_row(ignore=TOKEN_USE)
    response = client.patch(f"/api/v1/interactions/{contact.id}", json=body, headers=headers)
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["json"]["do_not_contact_override"]
    assert flagged.name in message
    assert every_row(ignore=TOKEN_USE) == before

    override = {"reason": "They asked for the legal note."}
    response = client.patch(
        f"/api/v1/interactions/{contact.id}",
        json=body | {"do_not_contact_override": override},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert flagged.id in [r["id"] for r in response.get_json()["representatives"]]
    entry = _entries("interaction.updated")[-1]
    assert entry.after["do_not_contact_override"] == {
        "reason": "They asked for the legal note.",
        "representative_ids": [flagged.id],
    }
