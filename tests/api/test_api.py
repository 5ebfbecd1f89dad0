"""The JSON API's behaviour: authentication, what each resource holds, filters and pages,
writes through the services (all or nothing), and problem documents for bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.forms import InteractionForm
from crm.interactions.models import MAX_FOLLOW_UPS, FollowUp, FollowUpStatus, Interaction
from crm.parliament.models import Representative, Stance, StanceRecord
from tests.conftest import every_row, sign_in
from tests.factories import UNKNOWN_ISO2
from tests.world import World

PROBLEM = "application/problem+json"


@pytest.fixture
def api(app, world):
    """A client that sends the home section member's token."""
    raw, _token = create_token(None, world.member, name="tests", scope=TokenScope.API)
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}

    class Api:
        def get(self, url: str):
            return client.get(url, headers=headers)

        def post(self, url: str, body):
            return client.post(url, json=body, headers=headers)

        def patch(self, url: str, body):
            return client.patch(url, json=body, headers=headers)

        def raw(self, method: str, url: str, **kwargs):
            return client.open(url, method=method, headers=headers, **kwargs)

    return Api()


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    return body


# --- Authentication ------------------------------------------------------------------------------


def test_a_signed_in_browser_session_is_not_an_api_credential(app, world):
    client = app.test_client()
    sign_in(client, world.member.email)
    assert client.get("/account").status_code == 200
    body = _problem(client.get("/api/v1/me"), 401)
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-token", "Bearer " + "x" * 5000],
)
def test_missing_and_malformed_tokens_are_refused(app, world, header):
    response = app.test_client().get("/api/v1/states", headers={"Authorization": header})
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_calendar_token_is_not_an_api_token(app, world):
    raw, _token = create_token(None, world.member, name="cal", scope=TokenScope.CALENDAR)
    db.session.commit()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    _problem(response, 401)


def test_me_names_the_token_holder(api, world):
    response = api.get("/api/v1/me")
    # What a user may read is theirs alone: no cache between them and the app keeps it.
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in response.headers["Vary"]
    body = response.get_json()
    assert body["email"] == world.member.email
    assert body["role"] == "section"
    assert body["sections"][0]["states"] == [world.home.state.iso2]


# --- Reading -------------------------------------------------------------------------------------


def test_states_chambers_and_parties(api, world):
    states = api.get("/api/v1/states").get_json()["items"]
    assert {s["iso2"] for s in states} == {world.home.state.iso2, world.other.state.iso2}
    home = api.get(f"/api/v1/states/{world.home.state.iso2.lower()}").get_json()
    assert home["agreement"]["status"] == "before_parliament"
    assert home["timezone"] == "Europe/Bucharest"

    chambers = api.get(f"/api/v1/chambers?state={world.home.state.iso2}").get_json()["items"]
    assert [c["name"] for c in chambers] == ["Home Assembly"]
    assert chambers[0]["committees"][0]["name"] == "Home Foreign Affairs"
    one = api.get(f"/api/v1/chambers/{world.home.chamber.id}").get_json()
    assert one == chambers[0]
    parties = api.get(f"/api/v1/parties?state={world.home.state.iso2}").get_json()["items"]
    assert {p["name"]: p["in_government"] for p in parties} == {
        "Home Government Party": True,
        "Home Opposition Party": False,
    }
    assert len(api.get("/api/v1/chambers").get_json()["items"]) == 2

    _problem(api.get("/api/v1/states/QQ"), 404)
    _problem(api.get("/api/v1/chambers?state=QQ"), 404)
    _problem(api.get("/api/v1/chambers/99999"), 404)


def test_representatives_filter_by_state_chamber_party_and_stance(api, world):
    home = world.home
    everyone = api.get("/api/v1/representatives?per_page=100").get_json()
    assert everyone["pagination"]["total"] == 8

    def names(query: str) -> set[str]:
        body = api.get(f"/api/v1/representatives?{query}&per_page=100").get_json()
        return {r["name"] for r in body["items"]}

    assert names(f"state={home.state.iso2}") == {r.name for r in home.reps}
    assert names(f"chamber={home.chamber.id}") == {r.name for r in home.reps}
    assert names(f"party={home.parties[1].id}") == {"Home Member 1", "Home Member 3"}
    assert names(f"state={home.state.iso2}&stance=leaning_for") == {"Home Member 0"}
    assert names("stance=against_ratification") == {"Home Member 2", "Other Member 2"}
    assert names("q=home member 3") == {"Home Member 3"}

    first = api.get(f"/api/v1/representatives?state={home.state.iso2}").get_json()["items"][0]
    assert first["seat"]["chamber"]["name"] == "Home Assembly"
    assert first["state"] == home.state.iso2


def test_representatives_are_paginated(api, world):
    del world
    pages = [api.get(f"/api/v1/representatives?per_page=3&page={n}").get_json() for n in (1, 2, 3)]
    assert [p["pagination"]["pages"] for p in pages] == [3, 3, 3]
    ids = [r["id"] for p in pages for r in p["items"]]
    assert len(ids) == len(set(ids)) == 8
    beyond = api.get("/api/v1/representatives?per_page=3&page=9").get_json()
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("stance=maybe", "stance"),
        ("chamber=abc", "chamber"),
        ("state=R", "state"),
        ("stanse=for_ratification", "stanse"),
    ],
)
def test_bad_filters_are_named_in_a_problem_document(api, query, field):
    body = _problem(api.get(f"/api/v1/representatives?{query}"), 422)
    assert field in body["errors"]["query"]


def test_a_representative_with_seats_committees_and_stances(api, world):
    rep = world.home.reps[0]
    body = api.get(f"/api/v1/representatives/{rep.id}").get_json()
    assert body["name"] == rep.name
    assert body["stance"] == "leaning_for"
    assert body["memberships"][0]["chamber"]["name"] == "Home Assembly"
    assert body["committee_seats"][0]["role"] == "chair"
    history = api.get(f"/api/v1/representatives/{rep.id}/stances").get_json()["items"]
    assert [h["stance"] for h in history] == ["leaning_for"]
    _problem(api.get("/api/v1/representatives/2147483648"), 404)


def test_stages_carry_their_vote_events(api, world):
    stages = api.get(f"/api/v1/states/{world.home.state.iso2}/stages").get_json()["items"]
    assert [s["kind"] for s in stages] == ["committee_vote", "plenary_vote"]
    assert stages[0]["committee"]["name"] == "Home Foreign Affairs"
    assert all(s["vote_event"] is None for s in stages)

    # Once a vote is recorded, its counts and each member's vote come with the stage.
    from crm.states.models import StageResult
    from crm.votes.models import VoteOption
    from crm.votes.services import record_vote

    counts = dict.fromkeys(VoteOption) | {VoteOption.YES: 4, VoteOption.NO: 2}
    record_vote(
        world.coordinator,
        world.home.stages[1],
        held_on=date.today(),
        result=StageResult.PASS,
        counts=counts,
        roll_call={world.home.reps[0]: VoteOption.YES, world.home.reps[1]: VoteOption.NO},
    )
    db.session.commit()
    stages = api.get(f"/api/v1/states/{world.home.state.iso2}/stages").get_json()["items"]
    held = stages[1]
    assert (held["status"], held["result"]) == ("held", "pass")
    vote = held["vote_event"]
    totals = {c["option"]: c["value"] for c in vote["counts"] if c["party"] is None}
    assert (totals["yes"], totals["no"]) == (4, 2)
    votes = {v["representative"]["id"]: v["option"] for v in vote["votes"]}
    assert votes == {world.home.reps[0].id: "yes", world.home.reps[1].id: "no"}


def test_events_list_and_one_event(api, world):
    listed = api.get("/api/v1/events?when=all").get_json()["items"]
    assert {e["title"] for e in listed} == {"Home vigil", "Other vigil"}
    one = api.get(f"/api/v1/events/{world.home.event.id}").get_json()
    assert one["stage_id"] == world.home.stages[1].id
    assert one["timezone"] == "Europe/Bucharest"


# --- Writing -------------------------------------------------------------------------------------


def _contact(world: World, **changes):
    rep = world.home.reps[3]
    body = {
        "state": world.home.state.iso2,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "kind": "meeting",
        "representative_ids": [rep.id],
        "participant_ids": [world.member.id],
        "summary": "Met in the corridor; open to our arguments.",
        "outcome": "Will read the briefing.",
        "stances": [{"representative_id": rep.id, "stance": "leaning_against", "note": "Warm"}],
        "follow_ups": [{"title": "Send the briefing", "due_on": str(date.today())}],
    }
    return body | changes


def test_logging_a_contact_writes_it_its_stance_and_follow_up(api, world):
    rep = world.home.reps[3]
    response = api.post("/api/v1/interactions", _contact(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["representatives"] == [{"id": rep.id, "name": rep.name}]
    assert body["participants"] == [{"id": world.member.id, "name": world.member.name}]
    assert len(body["follow_up_ids"]) == 1

    db.session.rollback()
    interaction = db.session.get(Interaction, body["id"])
    assert interaction.summary.startswith("Met in the corridor")
    record = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == interaction.id)
    ).one()
    assert record.stance is Stance.LEANING_AGAINST
    assert db.session.get(Representative, rep.id).stance is Stance.LEANING_AGAINST
    follow_up = db.session.get(FollowUp, body["follow_up_ids"][0])
    assert follow_up.representative_id == rep.id
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"interaction.created", "stance.recorded", "follow_up.created"} <= actions
    # Audit entries name the token's user.
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "interaction.created")
    ).one()
    assert entry.actor_id == world.member.id


def test_the_api_documents_the_same_follow_up_limit_as_the_form(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    follow_ups = doc["components"]["schemas"]["InteractionIn"]["properties"]["follow_ups"]
    assert follow_ups["maxItems"] == MAX_FOLLOW_UPS
    assert InteractionForm.follow_ups.kwargs["max_entries"] == MAX_FOLLOW_UPS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        # A follow-up due before the contact: the last check, after everything else passed.
        ({"follow_ups": [{"title": "Too early", "due_on": "2001-01-01"}]}, "follow_ups"),
        # One more follow-up than a contact may add (the same limit as the page's form).
        (
            {
                "follow_ups": [
                    {"title": f"Step {n}", "due_on": str(date.today())}
                    for n in range(MAX_FOLLOW_UPS + 1)
                ]
            },
            "follow_ups",
        ),
        ({"summary": "   "}, "summary"),
        ({"occurred_at": "2999-01-01T10:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        ({"representative_ids": []}, "representative_ids"),
        ({"kind": "telepathy"}, "kind"),
        ({"state": UNKNOWN_ISO2}, "state"),
        ({"stances": [{"representative_id": 1, "stance": "undecided"}] * 2}, "stances"),
    ],
)
def test_a_refused_contact_writes_nothing(api, world, changes, field):
    counts = {m: _count(m) for m in (Interaction, StanceRecord, FollowUp, AuditEntry)}
    response = api.post("/api/v1/interactions", _contact(world, **changes))
    body = _problem(response, 422)
    assert field in body["errors"]["json"], body
    assert {m: _count(m) for m in counts} == counts


def test_a_representative_of_another_state_cannot_be_met_in_this_one(api, world):
    before = _count(Interaction)
    body = _contact(world, representative_ids=[world.other.reps[0].id], stances=[])
    _problem(api.post("/api/v1/interactions", body), 422)
    assert _count(Interaction) == before


def test_a_stance_is_recorded_and_becomes_current(api, world):
    rep = world.home.reps[3]
    body = {"stance": "for_ratification", "source": "public_statement", "observed_on": "2026-01-05"}
    response = api.post(f"/api/v1/representatives/{rep.id}/stances", body)
    assert response.status_code == 201
    assert response.get_json()["stance"] == "for_ratification"
    current = api.get(f"/api/v1/representatives/{rep.id}").get_json()
    assert current["stance"] == "for_ratification"
    assert current["stance_on"] == "2026-01-05"

    future = str(date.today() + timedelta(days=5))
    refused = api.post(f"/api/v1/representatives/{rep.id}/stances", body | {"observed_on": future})
    assert "observed_on" in _problem(refused, 422)["errors"]["json"]
    vote = api.post(f"/api/v1/representatives/{rep.id}/stances", body | {"source": "vote"})
    assert "source" in _problem(vote, 422)["errors"]["json"]


def test_follow_ups_are_added_and_closed(api, world):
    body = {
        "state": world.home.state.iso2,
        "title": "Ask for the committee's timetable",
        "due_on": str(date.today() + timedelta(days=7)),
        "assignee_id": world.member.id,
        "representative_id": world.home.reps[2].id,
    }
    created = api.post("/api/v1/follow-ups", body)
    assert created.status_code == 201
    follow_up = created.get_json()
    assert follow_up["assignee"]["id"] == world.member.id
    assert follow_up["status"] == "open"

    mine = api.get("/api/v1/follow-ups?mine=true&per_page=100").get_json()["items"]
    assert follow_up["id"] in {f["id"] for f in mine}

    done = api.patch(f"/api/v1/follow-ups/{follow_up['id']}", {"status": "done"})
    assert done.status_code == 200
    assert done.get_json()["completed_at"] is not None
    again = api.patch(f"/api/v1/follow-ups/{follow_up['id']}", {"status": "done"})
    assert "already done" in _problem(again, 422)["detail"]
    closed = api.get("/api/v1/follow-ups?status=done").get_json()["items"]
    assert [f["id"] for f in closed] == [follow_up["id"]]
    db.session.rollback()
    assert db.session.get(FollowUp, follow_up["id"]).status is FollowUpStatus.DONE

    past = api.post("/api/v1/follow-ups", body | {"due_on": "2020-01-01"})
    assert "due_on" in _problem(past, 422)["errors"]["json"]
    foreign = api.post("/api/v1/follow-ups", body | {"representative_id": world.other.reps[0].id})
    _problem(foreign, 422)


def test_an_event_is_planned_with_its_zone_and_the_late_warning(api, world):
    home = world.home
    vote_day = home.stages[1].scheduled_on
    starts = datetime.combine(vote_day + timedelta(days=2), datetime.min.time(), UTC)
    body = {
        "state": home.state.iso2,
        "title": "Petition handover",
        "kind": "petition_handover",
        "starts_at": (starts + timedelta(hours=9)).isoformat(),
        "ends_at": (starts + timedelta(hours=10)).isoformat(),
        "stage_id": home.stages[1].id,
        "press_links": ["https://news.example/petition"],
    }
    created = api.post("/api/v1/events", body)
    assert created.status_code == 201, created.get_json()
    event = created.get_json()
    assert event["after_the_vote"] is True
    assert event["press_links"] == ["https://news.example/petition"]
    db.session.rollback()
    assert db.session.get(Event, event["id"]).title == "Petition handover"

    backwards = body | {"ends_at": (starts + timedelta(hours=8)).isoformat()}
    assert "ends_at" in _problem(api.post("/api/v1/events", backwards), 422)["errors"]["json"]
    foreign_stage = body | {"stage_id": world.other.stages[0].id}
    assert "stage_id" in _problem(api.post("/api/v1/events", foreign_stage), 422)["errors"]["json"]
    naive = body | {"starts_at": "2027-01-10T18:00:00"}
    assert "starts_at" in _problem(api.post("/api/v1/events", naive), 422)["errors"]["json"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["a", "list"]}, 422),
        ({"json": {"state": "RO\u0000", "title": "x"}}, 422),
        ({"json": {"title": "x", "state": "RO", "extra": 1}}, 422),
    ],
)
def test_malformed_bodies_get_problem_documents(api, kwargs, status):
    before = _count(FollowUp)
    _problem(api.raw("POST", "/api/v1/follow-ups", **kwargs), status)
    assert _count(FollowUp) == before


def test_unknown_routes_and_methods_under_the_api_are_problem_documents(api):
    _problem(api.get("/api/v1/nothing-here"), 404)
    _problem(api.raw("DELETE", "/api/v1/states"), 405)


# --- The document ---------------------------------------------------------------------------------


def test_the_openapi_document(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]
    assert "/api/v1/representatives" in document["paths"]
    listing = document["paths"]["/api/v1/representatives"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "state",
        "chamber",
        "party",
        "stance",
        "page",
        "per_page",
    }
    # Every error the document describes is a problem document.
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue  # the path's own parameters
            for status, answer in operation.get("responses", {}).items():
                if status.startswith(("4", "default")) and "content" in answer:
                    assert list(answer["content"]) == [PROBLEM]
    # Nullable fields use JSON Schema 2020-12 type lists, as 3.1 wants.
    note = document["components"]["schemas"]["StanceRecordOut"]["properties"]["note"]
    assert note["type"] == ["string", "null"]


def test_a_token_notes_when_it_was_last_used(app, world):
    from crm.auth.models import ApiToken

    raw, token = create_token(None, world.member, name="script", scope=TokenScope.API)
    db.session.commit()
    token_id = token.id
    assert token.last_used_at is None
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    db.session.rollback()
    first = db.session.get(ApiToken, token_id).last_used_at
    assert first is not None
    # Within a few minutes a read stays a read: the time is not written again.
    client.get("/api/v1/states", headers={"Authorization": f"Bearer {raw}"})
    db.session.rollback()
    assert db.session.get(ApiToken, token_id).last_used_at == first

    sign_in(client, world.member.email)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "last used" in page


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        # Python refuses to read a number of thousands of digits.
        ('{"state": "AA", "title": "x", "assignee_id": ' + "9" * 5000 + "}", 400),
        # Nesting deeper than the interpreter recurses.
        ('{"state": "AA", "title": ' + "[" * 100_000 + "]" * 100_000 + "}", 400),
        # Half of a character: valid JSON, but no database stores it.
        ('{"state": "AA", "title": "\\ud800"}', 422),
    ],
    ids=["huge-number", "deep-nesting", "lone-surrogate"],
)
def test_json_python_cannot_store_is_refused_not_a_server_error(api, raw, status):
    before = _count(FollowUp)
    response = api.raw("POST", "/api/v1/follow-ups", data=raw, content_type="application/json")
    _problem(response, status)
    assert _count(FollowUp) == before


def test_a_nul_in_a_path_is_refused(api):
    _problem(api.get("/api/v1/states/%00A"), 400)
    _problem(api.get("/api/v1/states/%00A/stages"), 400)


def test_errors_name_the_fields_of_the_request(api, world):
    foreign = _contact(world, representative_ids=[world.other.reps[0].id], stances=[])
    body = _problem(api.post("/api/v1/interactions", foreign), 422)
    assert list(body["errors"]["json"]) == ["representative_ids"]
    stranger = _contact(world, participant_ids=[world.other_member.id])
    body = _problem(api.post("/api/v1/interactions", stranger), 422)
    assert list(body["errors"]["json"]) == ["participant_ids"]
    follow_up = {"state": world.home.state.iso2, "title": "x", "assignee_id": world.staff.id}
    body = _problem(api.post("/api/v1/follow-ups", follow_up), 422)
    assert list(body["errors"]["json"]) == ["assignee_id"]
    event = {
        "state": world.home.state.iso2,
        "title": "Vigil",
        "kind": "vigil",
        "starts_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    for field, value in (("section_id", 999_999), ("stage_id", 999_999)):
        body = _problem(api.post("/api/v1/events", event | {field: value}), 422)
        assert list(body["errors"]["json"]) == [field]


def test_a_wrong_method_says_which_are_allowed(api):
    response = api.raw("DELETE", "/api/v1/follow-ups")
    _problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_staff_planning_an_event_are_refused_before_anything_else(app, world):
    raw, _token = create_token(None, world.staff, name="t", scope=TokenScope.API)
    db.session.commit()
    event = {
        "state": world.home.state.iso2,
        "title": "Vigil",
        "kind": "vigil",
        "starts_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "section_id": 999_999,
    }
    response = app.test_client().post(
        "/api/v1/events", json=event, headers={"Authorization": f"Bearer {raw}"}
    )
    _problem(response, 403)


# --- Editing: contacts and events ------------------------------------------------------------


def test_a_contact_is_edited_field_by_field(api, world):
    contact = world.home.interaction
    read = api.get(f"/api/v1/interactions/{contact.id}").get_json()
    edited = api.patch(
        f"/api/v1/interactions/{contact.id}",
        {"version": read["version"], "summary": "Agreed to read the briefing."},
    )
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert body["summary"] == "Agreed to read the briefing."
    assert body["version"] == read["version"] + 1
    # What was not sent is unchanged.
    for unchanged in ("occurred_at", "kind", "outcome", "representatives", "participants"):
        assert body[unchanged] == read[unchanged], unchanged

    reps = [world.home.reps[0].id, world.home.reps[2].id]
    again = api.patch(
        f"/api/v1/interactions/{contact.id}",
        {"version": body["version"], "representative_ids": reps, "confidentiality": "restricted"},
    )
    assert again.status_code == 200, again.get_json()
    assert sorted(r["id"] for r in again.get_json()["representatives"]) == sorted(reps)
    assert again.get_json()["restricted"] is True

    db.session.rollback()
    stored = db.session.get(Interaction, contact.id)
    assert stored.summary == "Agreed to read the briefing."
    assert sorted(r.id for r in stored.representatives) == sorted(reps)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "interaction.updated", AuditEntry.target_id == str(contact.id)
        )
    ).all()
    assert {entry.actor_id for entry in entries} == {world.member.id}
    assert any("summary" in (entry.after or {}) for entry in entries)
    assert any("representatives" in (entry.after or {}) for entry in entries)


def test_an_edit_from_an_old_version_is_a_conflict_and_overwrites_nothing(api, world):
    contact = world.home.interaction
    version = api.get(f"/api/v1/interactions/{contact.id}").get_json()["version"]
    first = {"version": version, "summary": "The first tool's summary."}
    assert api.patch(f"/api/v1/interactions/{contact.id}", first).status_code == 200
    before = every_row(ignore=("api_tokens",))

    second = {"version": version, "summary": "The second tool's summary."}
    body = _problem(api.patch(f"/api/v1/interactions/{contact.id}", second), 409)
    assert body["current_version"] == version + 1
    assert [c["field"] for c in body["changes"]] == ["summary"]
    assert body["changes"][0]["after"] == "The first tool's summary."
    assert body["changes"][0]["by"] == world.member.name  # a name: the API shows no e-mails
    assert datetime.fromisoformat(body["changes"][0]["at"]).tzinfo is not None
    assert every_row(ignore=("api_tokens",)) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"representative_ids": []}, "representative_ids"),
        ({"occurred_at": "2999-01-01T10:00:00+00:00"}, "occurred_at"),
        ({"kind": "telepathy"}, "kind"),
        ({"state": "RO"}, "state"),  # a contact stays in its state
        ({"stances": []}, "stances"),  # stances are recorded, not edited
        ({"version": None}, "version"),
        ({"version": 0}, "version"),
        ({"version": "1"}, "version"),
    ],
)
def test_a_refused_contact_edit_writes_nothing(api, world, changes, field):
    contact = world.home.interaction
    before = every_row(ignore=("api_tokens",))
    body = _problem(
        api.patch(f"/api/v1/interactions/{contact.id}", {"version": contact.version} | changes), 422
    )
    assert field in body["errors"]["json"], body
    assert every_row(ignore=("api_tokens",)) == before


def test_a_contact_edit_names_people_of_another_state_as_errors(api, world):
    contact = world.home.interaction
    for field, value in (
        ("representative_ids", [world.other.reps[0].id]),
        ("participant_ids", [world.other_member.id]),
    ):
        body = _problem(
            api.patch(f"/api/v1/interactions/{contact.id}", {"version": 1, field: value}), 422
        )
        assert list(body["errors"]["json"]) == [field]
    missing = api.patch("/api/v1/interactions/999999", {"version": 1, "summary": "x"})
    _problem(missing, 404)


def test_an_event_is_edited_and_cancelled(api, world):
    event = world.home.event
    read = api.get(f"/api/v1/events/{event.id}").get_json()
    moved = api.patch(
        f"/api/v1/events/{event.id}",
        {"version": read["version"], "venue": "The square", "expected_attendance": 300},
    )
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert (body["venue"], body["expected_attendance"]) == ("The square", 300)
    assert body["title"] == read["title"]

    stale = {"version": read["version"], "title": "Another title"}
    assert _problem(api.patch(f"/api/v1/events/{event.id}", stale), 409)["changes"]

    mixed = {"version": body["version"], "status": "cancelled", "title": "Called off"}
    assert (
        "status" in _problem(api.patch(f"/api/v1/events/{event.id}", mixed), 422)["errors"]["json"]
    )
    cancelled = api.patch(
        f"/api/v1/events/{event.id}", {"version": body["version"], "status": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    db.session.rollback()
    actions = set(
        db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.target_id == str(event.id))
        )
    )
    assert {"event.updated", "event.cancelled"} <= actions

    backwards = {"version": cancelled.get_json()["version"], "ends_at": "2001-01-01T00:00:00Z"}
    assert (
        "ends_at"
        in _problem(api.patch(f"/api/v1/events/{event.id}", backwards), 422)["errors"]["json"]
    )
    foreign = {"version": cancelled.get_json()["version"], "stage_id": world.other.stages[0].id}
    assert (
        "stage_id"
        in _problem(api.patch(f"/api/v1/events/{event.id}", foreign), 422)["errors"]["json"]
    )
