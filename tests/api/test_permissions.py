"""The API's permission matrix: role × operation × own or other state, and restricted content.

The API asks the same permission module as the pages (crm/auth/permissions.py); these
tests check that every write is allowed exactly to the state's section and admins, that a
refused write changes no row, and that restricted content never reaches a reader who may
not see it — in lists, single records, stances and follow-ups.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.extensions import db
from tests.conftest import every_row
from tests.world import RESTRICTED_MARK, World, build_world

ROLES = ("member", "other_member", "coordinator", "staff", "admin")
# Who may write section data of the home state (SPEC §1): its section and admins; and the
# contacts, the stances seen in them and their follow-ups, coordinators too (they log
# contacts in any state: CONTACT_DATA in crm/auth/permissions.py).
HOME_WRITERS = {"member", "admin"}
CONTACT_WRITES = {
    "stance", "interaction", "interaction_edit", "restricted_edit", "follow_up",
    "follow_up_status",
}  # fmt: skip


def _headers(user) -> dict[str, str]:
    raw, _token = create_token(None, user, name="matrix", scope=TokenScope.API)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _stance(w: World) -> tuple[str, str, dict[str, Any]]:
    rep = w.home.reps[3]
    body = {"stance": "leaning_against", "source": "media", "observed_on": str(date.today())}
    return "POST", f"/api/v1/representatives/{rep.id}/stances", body


def _interaction(w: World) -> tuple[str, str, dict[str, Any]]:
    rep = w.home.reps[0]
    occurred = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    body = {
        "state": w.home.state.iso2,
        "occurred_at": occurred,
        "kind": "call",
        "representative_ids": [rep.id],
        "summary": "A call about the vote.",
        "stances": [{"representative_id": rep.id, "stance": "undecided"}],
        "follow_ups": [{"title": "Send the briefing"}],
    }
    return "POST", "/api/v1/interactions", body


def _follow_up(w: World) -> tuple[str, str, dict[str, Any]]:
    body = {"state": w.home.state.iso2, "title": "Ask for the timetable"}
    return "POST", "/api/v1/follow-ups", body


def _follow_up_done(w: World) -> tuple[str, str, dict[str, Any]]:
    return "PATCH", f"/api/v1/follow-ups/{w.home.follow_up.id}", {"status": "done"}


def _event(w: World) -> tuple[str, str, dict[str, Any]]:
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    body = {
        "state": w.home.state.iso2,
        "title": "Vigil before the vote",
        "kind": "vigil",
        "starts_at": starts,
    }
    return "POST", "/api/v1/events", body


def _interaction_edit(w: World) -> tuple[str, str, dict[str, Any]]:
    contact = w.home.interaction
    body = {"version": contact.version, "summary": "Edited by a tool."}
    return "PATCH", f"/api/v1/interactions/{contact.id}", body


def _restricted_edit(w: World) -> tuple[str, str, dict[str, Any]]:
    contact = w.home.restricted
    body = {"version": contact.version, "outcome": "Edited by a tool."}
    return "PATCH", f"/api/v1/interactions/{contact.id}", body


def _event_edit(w: World) -> tuple[str, str, dict[str, Any]]:
    body = {"version": w.home.event.version, "venue": "The square"}
    return "PATCH", f"/api/v1/events/{w.home.event.id}", body


def _event_cancel(w: World) -> tuple[str, str, dict[str, Any]]:
    body = {"version": w.home.event.version, "status": "cancelled"}
    return "PATCH", f"/api/v1/events/{w.home.event.id}", body


def _invitation(w: World) -> tuple[str, str, dict[str, Any]]:
    body = {"representative_ids": [w.home.reps[1].id]}
    return "POST", f"/api/v1/events/{w.home.event.id}/invitations", body


WRITES: dict[str, Callable[[World], tuple[str, str, dict[str, Any]]]] = {
    "stance": _stance,
    "interaction": _interaction,
    "interaction_edit": _interaction_edit,
    "restricted_edit": _restricted_edit,
    "follow_up": _follow_up,
    "follow_up_status": _follow_up_done,
    "event": _event,
    "event_edit": _event_edit,
    "event_cancel": _event_cancel,
    "invitation": _invitation,
}
AUDIT = {
    "stance": "stance.recorded",
    "interaction": "interaction.created",
    "interaction_edit": "interaction.updated",
    "restricted_edit": "interaction.updated",
    "follow_up": "follow_up.created",
    "follow_up_status": "follow_up.done",
    "event": "event.created",
    "event_edit": "event.updated",
    "event_cancel": "event.cancelled",
    "invitation": "invitation.created",
}
# Using a token notes when it was last used, and a refusal is written to the security log:
# the only changes a refused write may make.
TOKEN_USE = ("api_tokens", "security_events")


def _call(client, method: str, url: str, body: dict[str, Any], headers: dict[str, str]):
    return client.open(url, method=method, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", sorted(WRITES))
def test_home_state_writes_by_role(app, role, write):
    world = build_world()
    headers = _headers(getattr(world, role))
    method, url, body = WRITES[write](world)
    before = every_row(ignore=TOKEN_USE)
    response = _call(app.test_client(), method, url, body, headers)
    if role in HOME_WRITERS or (role == "coordinator" and write in CONTACT_WRITES):
        assert response.status_code in (200, 201), response.get_json()
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert AUDIT[write] in actions
    else:
        assert response.status_code == 403, response.get_json()
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 403
        assert every_row(ignore=TOKEN_USE) == before


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_section_cannot_write_in_another_state(app, write):
    """The other state's section member, on the home state's records: refused, nothing kept."""
    world = build_world()
    headers = _headers(world.other_member)
    method, url, body = WRITES[write](world)
    before = every_row(ignore=TOKEN_USE)
    response = _call(app.test_client(), method, url, body, headers)
    assert response.status_code == 403
    assert every_row(ignore=TOKEN_USE) == before
    # ... while the same write in their own state works.
    own = World(campaign=world.campaign, home=world.other, other=world.home, users=world.users)
    method, url, body = WRITES[write](own)
    assert _call(app.test_client(), method, url, body, headers).status_code in (200, 201)


# --- Restricted content ------------------------------------------------------------------------

# Who may read the home state's restricted content: its section, coordinators and admins.
SEES_RESTRICTED = {"member", "coordinator", "admin"}

READS = [
    "/api/v1/interactions?per_page=100",
    "/api/v1/interactions?state={home}&per_page=100",
    "/api/v1/representatives/{rep1}/stances",
    "/api/v1/follow-ups?per_page=100",
    "/api/v1/follow-ups?state={home}&per_page=100",
    "/api/v1/representatives/{rep1}",
    "/api/v1/events?when=all",
    "/api/v1/states/{home}/stages",
]


@pytest.mark.parametrize("role", ROLES)
def test_restricted_content_reaches_only_those_who_may_read_it(app, role):
    world = build_world()
    headers = _headers(getattr(world, role))
    client = app.test_client()
    seen = ""
    for template in READS:
        url = template.format(home=world.home.state.iso2, rep1=world.home.reps[1].id)
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        seen += response.get_data(as_text=True)
    home_mark = f"{RESTRICTED_MARK}Home"
    assert (home_mark in seen) is (role in SEES_RESTRICTED)
    # Nobody but the other state's own people reads its restricted content.
    other_mark = f"{RESTRICTED_MARK}Other"
    assert (other_mark in seen) is (role in {"other_member", "coordinator", "admin"})


@pytest.mark.parametrize("role", ROLES)
def test_a_restricted_contact_shows_only_its_day_to_others(app, role):
    world = build_world()
    headers = _headers(getattr(world, role))
    client = app.test_client()
    response = client.get(f"/api/v1/interactions?state={world.home.state.iso2}", headers=headers)
    items = response.get_json()["items"]
    restricted = [i for i in items if i["restricted"]]
    assert len(restricted) == 1
    entry = restricted[0]
    if role in SEES_RESTRICTED:
        assert entry["redacted"] is False
        assert entry["id"] == world.home.restricted.id
        assert entry["summary"].startswith(RESTRICTED_MARK)
    else:
        assert entry["redacted"] is True
        assert entry["id"] is None
        assert set(entry) == {"id", "state", "date", "restricted", "redacted"}
        zone = ZoneInfo(world.home.state.timezone)
        assert entry["date"] == str(world.home.restricted.occurred_at.astimezone(zone).date())

    single = client.get(f"/api/v1/interactions/{world.home.restricted.id}", headers=headers)
    assert single.status_code == (200 if role in SEES_RESTRICTED else 403)
    assert RESTRICTED_MARK not in single.get_data(as_text=True) or role in SEES_RESTRICTED

    stances = client.get(
        f"/api/v1/representatives/{world.home.reps[1].id}/stances", headers=headers
    ).get_json()["items"]
    from_meeting = [s for s in stances if s["from_restricted_contact"]]
    assert len(from_meeting) == 1
    # What was observed stays visible (it drives the risk everyone sees); its note does not.
    assert from_meeting[0]["stance"] == "leaning_against"
    if role in SEES_RESTRICTED:
        assert from_meeting[0]["interaction_id"] == world.home.restricted.id
    else:
        assert from_meeting[0]["note"] is None
        assert from_meeting[0]["interaction_id"] is None

    follow_ups = client.get(
        f"/api/v1/follow-ups?state={world.home.state.iso2}", headers=headers
    ).get_json()["items"]
    agreed = [f for f in follow_ups if f["from_restricted_contact"]]
    assert len(agreed) == 1
    if role in SEES_RESTRICTED:
        assert agreed[0]["title"].startswith(RESTRICTED_MARK)
    else:
        assert agreed[0]["title"] is None
        assert agreed[0]["interaction_id"] is None
        # Who was met and who follows up are part of the contact too.
        assert agreed[0]["representative"] is None
        assert agreed[0]["assignee"] is None
        single = client.get(f"/api/v1/follow-ups/{agreed[0]['id']}", headers=headers)
        assert RESTRICTED_MARK not in single.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_risk(app, role):
    world = build_world()
    headers = _headers(getattr(world, role))
    client = app.test_client()
    assert client.get("/api/v1/risk", headers=headers).status_code == 200
    response = client.get(f"/api/v1/states/{world.home.state.iso2}/risk", headers=headers)
    assert response.status_code == 200
    assert 0.0 <= response.get_json()["probability"] <= 1.0


def test_archived_records_are_hidden_from_all_but_admins(app):
    world = build_world()
    rep = world.home.reps[3]
    rep.archived_at = datetime.now(UTC)
    world.home.event.archived_at = datetime.now(UTC)
    db.session.commit()
    client = app.test_client()
    for role, status in (("member", 404), ("coordinator", 404), ("admin", 200)):
        headers = _headers(getattr(world, role))
        assert client.get(f"/api/v1/representatives/{rep.id}", headers=headers).status_code == (
            status
        )
        assert (
            client.get(f"/api/v1/events/{world.home.event.id}", headers=headers).status_code
            == status
        )
    # No one records a stance on an archived record, not even an admin.
    response = client.post(
        f"/api/v1/representatives/{rep.id}/stances",
        json={"stance": "undecided", "source": "media", "observed_on": str(date.today())},
        headers=_headers(world.admin),
    )
    assert response.status_code == 422


@pytest.mark.parametrize("role", ROLES)
def test_filtering_by_kind_does_not_reveal_a_restricted_contacts_kind(app, role):
    world = build_world()
    kind = world.home.restricted.kind.value
    headers = _headers(getattr(world, role))
    client = app.test_client()
    items = client.get(
        f"/api/v1/interactions?state={world.home.state.iso2}&kind={kind}", headers=headers
    ).get_json()["items"]
    restricted = [i for i in items if i["restricted"]]
    if role in SEES_RESTRICTED:
        assert [i["id"] for i in restricted] == [world.home.restricted.id]
    else:
        # Listing it, even redacted, would tell its kind.
        assert restricted == []
    # The contact page filter of a state's contacts keeps to the same rule.
    from tests.conftest import login
    from tests.factories import PASSWORD

    page_client = app.test_client()
    login(page_client, getattr(world, role).email, PASSWORD)
    body = page_client.get(f"/states/{world.home.state.iso2}/interactions?kind={kind}").get_data(
        as_text=True
    )
    assert ("Restricted contact" in body or RESTRICTED_MARK in body) is (role in SEES_RESTRICTED)
