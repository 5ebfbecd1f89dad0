"""Every route that writes: audited when allowed, refused and harmless otherwise.

The cases come from `tests/<feature>/routes.py` (see tests/write_routes.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.audit.models import AuditEntry
from crm.extensions import db
from tests.conftest import SIGN_IN_TABLES, csrf_token, row_counts, sign_in
from tests.jobs.queues import run_queued_jobs
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


def _allowed_cases():
    for case in CASES:
        yield pytest.param(case, case.actor, id=case.id)
        for who in case.also_allowed:
            yield pytest.param(case, who, id=f"{case.id}-{who}")


@pytest.mark.parametrize(("case", "who"), list(_allowed_cases()))
def test_an_allowed_write_is_audited(client, app, case: WriteCase, who: str):
    world = build_world()
    actor = getattr(world, who)
    sign_in(client, actor.email)
    url, data = case.build(world)
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    response = client.post(url, data={**data, "csrf_token": _token(client)})
    assert response.status_code in case.ok, response.get_data(as_text=True)[:2000]
    run_queued_jobs(app)  # a write a job does for the request is audited once it has run
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
    sign_in(client, getattr(world, who))
    url, data = case.build(world)
    before = row_counts(ignore=SIGN_IN_TABLES)
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    response = client.post(url, data={**data, "csrf_token": _token(client)})
    assert response.status_code == 403
    assert run_queued_jobs(app) == []  # and asked for nothing to be done later
    assert row_counts(ignore=SIGN_IN_TABLES) == before
    new_actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.id > last)))
    assert case.audit not in new_actions


JUNK = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "0", "-1", "1e309", "99999999999999999999", "2026-02-30", "null", "\x00",
         "<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 50, "ș" * 400, "x" * 20_000,
         "\r\n", "/\r\nSet-Cookie: planted=1", "//evil.example", "/\\evil.example",
         "/%2F%2Fevil.example", "/%0d%0a"]
    ),
)  # fmt: skip


NASTY = ["", " ", "\x00", "-1", "99999999999999999999", "2026-02-30", "x" * 20_000,
         "a\rb\nc", "\r\n", "//evil.example"]  # fmt: skip
# Where a form says where to go next: other hosts, header splitting, and the same encoded.
REDIRECTS = [
    "/\r\nSet-Cookie: planted=1", "/states\r\n", "/states\n", "/\t/evil.example",
    "//evil.example/", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
    "javascript:alert(1)", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/%0d%0aSet-Cookie:%20planted=1", "/%09/evil.example", "/\u2028/evil.example",
    "/\u202e/elpmaxe.live",
]  # fmt: skip


def _assert_stays_on_this_site(response) -> None:
    """A redirect goes to a path of ours: no other host, no split or planted header."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http"), location
    assert parts.netloc in ("", "localhost"), location
    assert parts.path.startswith("/"), location
    assert not parts.path.startswith("//"), location
    assert location.isprintable(), location
    assert "\\" not in location, location
    assert "planted" not in response.headers, location
    assert not [c for c in response.headers.getlist("Set-Cookie") if "planted" in c], location


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_nasty_values_in_each_field_never_break_a_write_route(app, case: WriteCase):
    world = build_world()
    client = app.test_client()
    sign_in(client, getattr(world, case.actor))
    url, valid = case.build(world)
    token = _token(client)
    before = row_counts(ignore=SIGN_IN_TABLES)
    for field in sorted(valid):
        for value in NASTY + (REDIRECTS if field == "next" else []):
            response = client.post(url, data={**valid, field: value, "csrf_token": token})
            assert response.status_code < 500, (field, value[:20])
            _assert_stays_on_this_site(response)
            after = row_counts(ignore=SIGN_IN_TABLES)
            if response.status_code not in case.ok:
                assert after == before, (field, value[:20])
            before = after  # an accepted write may add rows; the next refusal adds none


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_junk_in_any_field_never_breaks_a_write_route(app, case: WriteCase):
    world = build_world()
    actor = getattr(world, case.actor)
    client = app.test_client()
    sign_in(client, actor.email)
    url, valid = case.build(world)
    token = _token(client)
    fields = sorted(valid) or ["anything"]

    @settings(
        max_examples=25,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(fields), JUNK, min_size=1))
    def submit(junk: dict[str, str]) -> None:
        before = row_counts(ignore=SIGN_IN_TABLES)
        response = client.post(url, data={**valid, **junk, "csrf_token": token})
        assert response.status_code < 500
        _assert_stays_on_this_site(response)
        if response.status_code not in case.ok:
            assert row_counts(ignore=SIGN_IN_TABLES) == before

    submit()
