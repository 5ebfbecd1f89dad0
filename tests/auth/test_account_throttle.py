"""Per-account sign-in limits: counted in the database, whatever address the attempts come
from; a lockout that grows (1, 2, 4 … minutes) but always ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth import throttle
from crm.auth.models import SignInThrottle, UserSession
from crm.db import utcnow
from crm.extensions import db
from tests.auth.factor import SECRET, code_at, enrol
from tests.conftest import csrf_token, make_app
from tests.factories import PASSWORD, UserFactory

LOCKED = "Too many failed attempts for this account"


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def attempt(client, email: str, password: str, n: int, path: str = "/login"):
    """A sign-in from its own address (10.0.0.n): the per-address limit never applies."""
    address = {"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250 + 1}"}
    page = client.get("/login", environ_base=address)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        path, data={"email": email, "password": password, "csrf_token": token}, environ_base=address
    )


def row(email: str) -> SignInThrottle | None:
    db.session.expire_all()
    return db.session.get(SignInThrottle, throttle.throttle_key(email))


def test_ten_failures_from_ten_addresses_lock_the_account_even_for_the_right_password(app):
    user = UserFactory()
    statuses = [attempt(app.test_client(), user.email, "wrong", n).status_code for n in range(10)]

    locked = attempt(app.test_client(), user.email, PASSWORD, 10)

    assert statuses == [422] * 10
    assert locked.status_code == 429
    assert LOCKED in locked.get_data(as_text=True)
    assert "try again in 1 minute" in locked.get_data(as_text=True)
    assert 0 < int(locked.headers["Retry-After"]) <= 61
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    failed = audit("login_failed")
    assert len(failed) == 11
    assert failed[-1].summary == "account locked after repeated failures"
    assert audit("login") == []


def test_an_unknown_address_is_throttled_like_a_known_one(app):
    for n in range(10):
        attempt(app.test_client(), "nobody@example.org", "wrong", n)

    response = attempt(app.test_client(), "Nobody@Example.org ", "wrong", 10)

    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)


def test_the_count_is_kept_by_the_e_mail_digest_only(app):
    attempt(app.test_client(), "someone@example.org", "hunter2", 0)

    [stored] = db.session.scalars(sa.select(SignInThrottle)).all()

    assert stored.key_hash == throttle.throttle_key("someone@example.org")
    assert "someone" not in stored.key_hash
    assert stored.failures == 1


def test_the_lock_ends_and_the_right_password_then_signs_in_and_clears_the_count(app):
    user = UserFactory()
    for n in range(10):
        attempt(app.test_client(), user.email, "wrong", n)
    db.session.execute(
        sa.update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    response = attempt(app.test_client(), user.email, PASSWORD, 11)

    assert response.status_code == 302
    assert row(user.email) is None


def test_refused_codes_count_and_lock_the_code_step_too(app):
    user = UserFactory()
    enrol(user)
    client = app.test_client()
    address = {"REMOTE_ADDR": "10.9.9.9"}
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # only the account's limit here
    attempt(client, user.email, PASSWORD, 0)
    token = csrf_token(client.get("/login/code", environ_base=address).get_data(as_text=True))
    wrong = "000000" if code_at(SECRET) != "000000" else "111111"
    statuses = [
        client.post(
            "/login/code", data={"code": wrong, "csrf_token": token}, environ_base=address
        ).status_code
        for _ in range(10)
    ]

    locked = client.post(
        "/login/code", data={"code": code_at(SECRET), "csrf_token": token}, environ_base=address
    )

    assert statuses == [422] * 10
    assert locked.status_code == 429
    assert LOCKED in locked.get_data(as_text=True)
    assert len(audit("second_factor_refused")) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    # ... and the password step is locked as well, even with the right password.
    assert attempt(app.test_client(), user.email, PASSWORD, 20).status_code == 429


def test_the_right_password_alone_does_not_clear_the_count(app):
    user = UserFactory()
    enrol(user)
    for n in range(9):
        attempt(app.test_client(), user.email, "wrong", n)

    passed = attempt(app.test_client(), user.email, PASSWORD, 9)

    assert passed.headers["Location"] == "/login/code"
    assert row(user.email).failures == 9


def test_counts_are_shared_by_every_worker(app, databases):
    """Two apps on one database stand for two workers (or two machines)."""
    user = UserFactory()
    db.session.commit()
    # No pool: the second app keeps no connection open once its requests end.
    other_worker = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"poolclass": sa.pool.NullPool},
    )
    for n in range(10):
        worker = app if n % 2 else other_worker
        attempt(worker.test_client(), user.email, "wrong", n)

    with other_worker.app_context():
        locked = attempt(other_worker.test_client(), user.email, PASSWORD, 10)
        db.session.remove()
        db.engine.dispose()

    assert locked.status_code == 429


# --- the rules, at chosen times ------------------------------------------------------------


def fail(email: str, times: int, at) -> object:
    until = None
    for _ in range(times):
        until = throttle.note_failure(email, at) or until
    db.session.commit()
    return until


def test_each_further_lockout_lasts_twice_as_long_up_to_an_hour(app):
    start = utcnow()
    at = start
    lengths = []
    for _ in range(8):
        until = fail("a@example.org", 10, at)
        lengths.append(until - at)
        at = until + timedelta(seconds=1)

    assert [length.total_seconds() / 60 for length in lengths] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(app):
    start = utcnow() - timedelta(hours=1)

    assert fail("b@example.org", 9, start) is None
    assert fail("b@example.org", 1, start + timedelta(minutes=16)) is None
    assert throttle.locked_until("b@example.org") is None
    assert row("b@example.org").failures == 1


def test_after_a_quiet_day_lockouts_start_again_at_one_minute(app):
    start = utcnow() - timedelta(days=3)
    fail("c@example.org", 10, start)
    fail("c@example.org", 10, start + timedelta(minutes=2))
    assert row("c@example.org").lockouts == 2

    later = start + timedelta(days=2)
    until = fail("c@example.org", 10, later)

    assert until - later == timedelta(minutes=1)


def test_addresses_quiet_for_a_day_leave_the_table_when_another_fails(app):
    throttle.note_failure("recent@example.org", utcnow() - timedelta(hours=1))
    start = utcnow() - timedelta(days=2)
    for n in range(50):
        throttle.note_failure(f"sprayed{n}@example.org", start)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInThrottle)) == 51

    throttle.note_failure("fresh@example.org")

    kept = {r.key_hash for r in db.session.scalars(sa.select(SignInThrottle))}
    assert kept == {throttle.throttle_key(e) for e in ("recent@example.org", "fresh@example.org")}


def test_failures_while_locked_do_not_extend_the_lock(app):
    user = UserFactory()
    for n in range(10):
        attempt(app.test_client(), user.email, "wrong", n)
    until = row(user.email).locked_until

    for n in range(10, 15):
        assert attempt(app.test_client(), user.email, "wrong", n).status_code == 429

    assert row(user.email).locked_until == until
    assert row(user.email).lockouts == 1


@pytest.mark.parametrize("lockouts", [0, 1, 5, 6, 40, 10_000])
def test_a_lock_never_lasts_more_than_an_hour(lockouts):
    assert timedelta(minutes=1) <= throttle.lock_length(lockouts) <= timedelta(hours=1)
