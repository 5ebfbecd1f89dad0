"""Every audit action has one shape, in crm/audit/actions.py; the application's entries keep
to it (the test configuration checks each one the suite makes it write)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crm.audit.actions import ACTIONS, problems
from crm.audit.services import record
from crm.auth.models import Role
from tests.factories import UserFactory

CRM = Path(__file__).resolve().parents[2] / "crm"
WRITERS = {"record", "create", "update", "archive", "restore", "delete", "touch_parent"}


def _actions_named_in_the_code() -> set[str]:
    """Every action written as text where an entry is made (a record() call, or an action=
    of the write path)."""
    named: set[str] = set()
    for path in CRM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in WRITERS:
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "action"]
            if name in {"record", "touch_parent"} and len(node.args) >= 2:
                values.append(node.args[1])
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    named.add(value.value)
    return named


def test_every_action_the_code_names_has_a_shape():
    named = _actions_named_in_the_code()
    assert len(named) > 40
    assert sorted(named - ACTIONS.keys()) == []


def test_a_vote_recorded_in_another_shape_is_named():
    vote = {"held_on": "2026-12-01", "result": "passed", "counts": {"yes": 60}, "votes": {}}

    assert problems("vote.recorded", "vote_events", None, {**vote, "version": 1}) == []
    assert problems(
        "vote.recorded", "vote_events", None, {**vote, "counts": [["yes", None, 60]]}
    ) == ["vote.recorded: after['counts'] is list, not dict"]


def test_unknown_actions_targets_and_keys_are_named():
    assert problems("vote.counted", None, None, None) == [
        "'vote.counted' is not an audit action (crm/audit/actions.py)"
    ]
    assert problems("event.archived", "stages", {}, {"version": 2}) == [
        "event.archived: is about stages, not events"
    ]
    assert problems("event.updated", "events", {"title": "A"}, {"title": "B", "mood": "x"}) == [
        "event.updated: after holds 'mood', which its action does not name"
    ]
    assert problems("login", "users", None, {"password": "x"}) == ["login: after should be empty"]
    assert problems("stage.created", None, None, {"version": 1}) == [
        "stage.created: names no record, but is about stages"
    ]


def test_the_suite_refuses_an_entry_that_departs_from_its_shape(app):
    user = UserFactory(role=Role.ADMIN)

    record(user, "login", user)  # keeps to its shape
    with pytest.raises(ValueError, match="after should be empty"):
        record(user, "login", user, after={"how": "password"})
