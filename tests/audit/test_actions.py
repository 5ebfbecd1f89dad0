"""Every audit action has one shape, in crm/audit/actions.py; the application's entries keep
to it (the test configuration checks each one the suite makes it write)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from crm.audit.actions import ACTIONS, problems
from crm.audit.services import record
from crm.auth.models import Role
from tests.factories import UserFactory

CRM = Path(__file__).resolve().parents[2] / "crm"
WRITERS = {"record", "create", "update", "archive", "restore", "delete", "touch_parent"}


# Where an action reaches a writer as a parameter of the function around it (the write
# path itself, and helpers that take the action from their callers, whose literals this
# test reads at the call).
PASSED_THROUGH = {"action", "verb"}


def _module_strings(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level names bound to text (PRINTED = "briefing.printed"), and to mappings
    whose values are text (a table of transitions)."""
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            texts = {
                n.value
                for n in ast.walk(node.value)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
            for target in targets:
                if isinstance(target, ast.Name) and texts:
                    found[target.id] = texts
    return found


def _actions(value: ast.expr, constants: dict[str, set[str]]) -> tuple[set[str], list[str]]:
    """The actions an expression may name (an f-string as a pattern), and what it could not
    read."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return {value.value}, []
    if isinstance(value, ast.IfExp):
        body, unread = _actions(value.body, constants)
        orelse, more = _actions(value.orelse, constants)
        return body | orelse, unread + more
    if isinstance(value, ast.JoinedStr):
        if not any(
            isinstance(part, ast.Constant) and part.value.strip(".") for part in value.values
        ):
            # All parts (f"{kind}.{event}"): only the entries written can tell, and the test
            # configuration checks each of those.
            return set(), []
        pattern = "".join(
            re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+"
            for part in value.values
        )
        return {f"re:{pattern}"}, []
    if isinstance(value, ast.Name) and value.id in PASSED_THROUGH:
        return set(), []
    if isinstance(value, ast.Name) and value.id in constants:
        return set(), []  # a table of values: its texts are checked below, with the module
    return set(), [ast.unparse(value)]


def _actions_named_in_the_code() -> tuple[set[str], list[str]]:
    """Every action named where an entry is made (a record() call, or the action of the
    write path), and any it could not read."""
    named: set[str] = set()
    unread: list[str] = []
    for path in CRM.rglob("*.py"):
        tree = ast.parse(path.read_text())
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in WRITERS:
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "action"]
            # record(actor, action, ...); touch_parent(actor, parent, action, ...)
            position = 2 if name == "touch_parent" else 1
            if name in {"record", "touch_parent"} and len(node.args) > position:
                values.append(node.args[position])
            for value in values:
                if isinstance(value, ast.Name) and value.id in constants:
                    named |= {t for t in constants[value.id] if "." in t or "_" in t}
                found, missed = _actions(value, constants)
                named |= found
                unread += [f"{path.relative_to(CRM)}:{node.lineno} {m}" for m in missed]
    return named, unread


def test_every_action_the_code_names_has_a_shape():
    named, unread = _actions_named_in_the_code()
    assert unread == []
    literal = {a for a in named if not a.startswith("re:")}
    patterns = [a.removeprefix("re:") for a in named if a.startswith("re:")]
    assert len(literal) > 40
    assert sorted(literal - ACTIONS.keys()) == []
    # An action made from parts (f"{kind}.added") must make at least one action there is.
    assert [p for p in patterns if not any(re.fullmatch(p, a) for a in ACTIONS)] == []


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
