"""Every route that writes: audited when allowed, refused and harmless otherwise.

The cases come from `tests/<feature>/routes.py` (see tests/write_routes.py).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.audit.models import AuditEntry
from crm.extensions import db
from tests.conftest import SIGN_IN_TABLES, csrf_token, login, row_counts
from tests.factories import PASSWORD
from tests.world import build_world
from tests.write_routes import EXEMPT, WriteCase, all_cases

CASES = all_cases()


def _token(client) -> str:
    return csrf_token(client.get("/account").get_data(as_text=True))


def test_every_write_route_has_a_case(app):
    writing = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    covered = {case.endpoint for case in CASES}
    assert writing - set(EXEMPT) == covered


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_an_allowed_write_is_audited(client, app, case: WriteCase):
    world = build_world()
    actor = getattr(world, case.actor)
    login(client, actor.email, PASSWORD)
    url, data = case.build(world)
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    response = client.post(url, data={**data, "csrf_token": _token(client)})
    assert response.status_code in case.ok, response.get_data(as_text=True)[:2000]
    actions = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.id > last)
    ).all()
    assert (case.audit, actor.id) in actions


def _forbidden_cases():
    for case in CASES:
        for who in case.forbidden:
            yield pytest.param(case, who, id=f"{case.id}-{who}")


@pytest.mark.parametrize(("case", "who"), list(_forbidden_cases()))
def test_a_forbidden_write_is_refused_and_changes_nothing(client, app, case, who):
    world = build_world()
    login(client, getattr(world, who).email, PASSWORD)
    url, data = case.build(world)
    before = row_counts(ignore=SIGN_IN_TABLES)
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    response = client.post(url, data={**data, "csrf_token": _token(client)})
    assert response.status_code == 403
    assert row_counts(ignore=SIGN_IN_TABLES) == before
    new_actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.id > last)))
    assert case.audit not in new_actions


JUNK = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "0", "-1", "1e309", "99999999999999999999", "2026-02-30", "null", "\x00",
         "<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 50, "ș" * 400, "x" * 20_000]
    ),
)  # fmt: skip


NASTY = ["", " ", "\x00", "-1", "99999999999999999999", "2026-02-30", "x" * 20_000]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_nasty_values_in_each_field_never_break_a_write_route(app, case: WriteCase):
    world = build_world()
    client = app.test_client()
    login(client, getattr(world, case.actor).email, PASSWORD)
    url, valid = case.build(world)
    token = _token(client)
    before = row_counts(ignore=SIGN_IN_TABLES)
    for field in sorted(valid):
        for value in NASTY:
            response = client.post(url, data={**valid, field: value, "csrf_token": token})
            assert response.status_code < 500, (field, value[:20])
            after = row_counts(ignore=SIGN_IN_TABLES)
            if response.status_code not in case.ok:
                assert after == before, (field, value[:20])
            before = after  # an accepted write may add rows; the next refusal adds none


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_junk_in_any_field_never_breaks_a_write_route(app, case: WriteCase):
    world = build_world()
    actor = getattr(world, case.actor)
    client = app.test_client()
    login(client, actor.email, PASSWORD)
    url, valid = case.build(world)
    token = _token(client)
    fields = sorted(valid) or ["anything"]

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(fields), JUNK, min_size=1))
    def submit(junk: dict[str, str]) -> None:
        before = row_counts(ignore=SIGN_IN_TABLES)
        response = client.post(url, data={**valid, **junk, "csrf_token": token})
        assert response.status_code < 500
        if response.status_code not in case.ok:
            assert row_counts(ignore=SIGN_IN_TABLES) == before

    submit()
