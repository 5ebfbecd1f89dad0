"""Editing, archiving and restoring a contact: versioned, audited, permission-checked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interactions.models import Confidentiality, Interaction, InteractionKind
from tests.conftest import csrf_token, login, sign_in
from tests.factories import PASSWORD
from tests.interactions.helpers import form_values, get_form, soup_of
from tests.world import build_world


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _fresh(interaction_id: int) -> Interaction:
    db.session.expire_all()
    return db.session.get(Interaction, interaction_id)


def test_a_section_member_edits_a_contact_of_their_state(client, app):
    world = build_world()
    interaction = world.home.interaction
    sign_in(client, world.member.email)
    url = f"/interactions/{interaction.id}/edit"
    data = get_form(client, url)
    assert data["representatives"] == [str(world.home.reps[0].id)]
    data |= {
        "kind": ["call"],
        "summary": ["A call, not a meeting."],
        "confidentiality": ["restricted"],
        "representatives": [str(world.home.reps[0].id), str(world.home.reps[2].id)],
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    saved = _fresh(interaction.id)
    assert saved.kind is InteractionKind.CALL
    assert saved.summary == "A call, not a meeting."
    assert saved.confidentiality is Confidentiality.RESTRICTED
    assert {r.id for r in saved.representatives} == {world.home.reps[0].id, world.home.reps[2].id}
    assert saved.version == 2
    entries = _audit("interaction.updated")
    assert {e.actor_id for e in entries} == {world.member.id}
    changed = {key for e in entries for key in e.after}
    assert {"kind", "summary", "confidentiality", "representatives"} <= changed


def test_an_edit_that_leaves_out_the_time_keeps_it(client, app):
    """A post without the time (a tool, or a form cut short) keeps the stored time, as any
    field left out is kept: it was compared in UTC with the state's clock, a 500."""
    world = build_world()
    interaction = world.home.interaction
    when = interaction.occurred_at
    sign_in(client, world.member.email)
    url = f"/interactions/{interaction.id}/edit"
    data = get_form(client, url)
    del data["occurred_at"]
    response = client.post(url, data=data | {"summary": ["Said without a time."]})
    assert response.status_code == 302
    saved = _fresh(interaction.id)
    assert saved.summary == "Said without a time."
    assert saved.occurred_at == when
    assert saved.version == 2


# Coordinators log and edit contacts in any state: tests/activity/test_coordinator_contacts.py
@pytest.mark.parametrize("who", ["other_member", "staff"])
def test_others_may_not_edit_a_contact(client, app, who):
    world = build_world()
    interaction = world.home.interaction
    login(client, getattr(world, who).email, PASSWORD)
    url = f"/interactions/{interaction.id}/edit"
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/account").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "summary": "Hacked"})
    assert response.status_code == 403
    assert _fresh(interaction.id).summary == "Home open meeting summary"
    assert _audit("interaction.updated") == []


def test_the_second_of_two_tabs_gets_a_conflict_not_an_overwrite(client, app):
    world = build_world()
    interaction = world.home.interaction
    sign_in(client, world.member.email)
    url = f"/interactions/{interaction.id}/edit"
    first_tab = get_form(client, url)
    second_tab = get_form(client, url)
    assert client.post(url, data=first_tab | {"summary": ["From tab one"]}).status_code == 302

    response = client.post(url, data=second_tab | {"summary": ["From tab two"], "kind": ["email"]})
    assert response.status_code == 409
    soup = soup_of(response)
    alert = soup.find(class_="conflict").get_text()
    assert "From tab one" in alert
    assert world.member.email in alert
    saved = _fresh(interaction.id)
    assert (saved.summary, saved.kind) == ("From tab one", InteractionKind.MEETING)
    # The form kept what tab two typed, and now carries the current version.
    again = form_values(soup)
    assert again["summary"] == ["From tab two"]
    assert client.post(url, data=again).status_code == 302
    saved = _fresh(interaction.id)
    assert (saved.summary, saved.kind) == ("From tab two", InteractionKind.EMAIL)


def test_changing_only_who_was_met_still_refuses_a_stale_tab(client, app):
    world = build_world()
    interaction = world.home.interaction
    sign_in(client, world.member.email)
    url = f"/interactions/{interaction.id}/edit"
    first_tab = get_form(client, url)
    second_tab = get_form(client, url)
    added = [str(world.home.reps[0].id), str(world.home.reps[3].id)]
    assert client.post(url, data=first_tab | {"representatives": added}).status_code == 302
    assert _fresh(interaction.id).version == 2

    response = client.post(url, data=second_tab | {"outcome": ["Something else"]})
    assert response.status_code == 409
    alert = soup_of(response).find(class_="conflict").get_text()
    assert world.home.reps[3].name in alert
    assert {r.id for r in _fresh(interaction.id).representatives} == {
        world.home.reps[0].id,
        world.home.reps[3].id,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": [""]}, "summary"),
        ({"representatives": []}, "representatives"),
        ({"representatives": ["{other_rep}"]}, "representatives"),
        ({"participants": ["{other_member}"]}, "participants"),
        ({"occurred_at": ["2026-13-01T10:00"]}, "occurred_at"),
        ({"confidentiality": ["public"]}, "confidentiality"),
        ({"version": ["abc"]}, None),
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(client, app, changes, field):
    world = build_world()
    interaction = world.home.interaction
    sign_in(client, world.member.email)
    url = f"/interactions/{interaction.id}/edit"
    names = {
        "{other_rep}": str(world.other.reps[0].id),
        "{other_member}": str(world.other_member.id),
    }
    data = get_form(client, url) | {
        key: [names.get(v, v) for v in values] for key, values in changes.items()
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    if field:
        assert soup_of(response).find(id=f"{field}-error").get_text(strip=True)
    saved = _fresh(interaction.id)
    assert (saved.summary, saved.version) == ("Home open meeting summary", 1)
    assert [r.id for r in saved.representatives] == [world.home.reps[0].id]
    assert _audit("interaction.updated") == []


def _post(client, url: str):
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def test_an_archived_contact_leaves_the_timelines_and_only_an_admin_restores_it(app):
    world = build_world()
    interaction = world.home.interaction
    iso2 = world.home.state.iso2
    member = app.test_client()
    sign_in(member, world.member.email)
    assert "Home open meeting summary" in member.get(f"/states/{iso2}").get_data(as_text=True)

    response = _post(member, f"/interactions/{interaction.id}/archive")
    assert response.status_code == 302
    assert _fresh(interaction.id).archived_at is not None
    [entry] = _audit("interaction.archived")
    assert entry.actor_id == world.member.id
    for url in (f"/states/{iso2}", f"/states/{iso2}/interactions",
                f"/representatives/{world.home.reps[0].id}"):  # fmt: skip
        assert "Home open meeting summary" not in member.get(url).get_data(as_text=True), url
    # Still readable on its own page, marked archived.
    page = member.get(f"/interactions/{interaction.id}").get_data(as_text=True)
    assert "Archived" in page

    assert _post(member, f"/interactions/{interaction.id}/restore").status_code == 403
    assert _fresh(interaction.id).archived_at is not None

    admin = app.test_client()
    sign_in(admin, world.admin.email)
    listed = admin.get(f"/states/{iso2}/interactions?archived=y").get_data(as_text=True)
    assert "Home open meeting summary" in listed
    assert _post(admin, f"/interactions/{interaction.id}/restore").status_code == 302
    assert _fresh(interaction.id).archived_at is None
    [entry] = _audit("interaction.restored")
    assert entry.actor_id == world.admin.id


def test_a_guessed_id_of_another_states_contact_cannot_be_archived(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    target = world.other.restricted
    assert _post(client, f"/interactions/{target.id}/archive").status_code == 403
    assert _fresh(target.id).archived_at is None
    assert _post(client, "/interactions/999999/archive").status_code == 404
