"""Re-authentication before sensitive changes: a password (and code) entered in the last
10 minutes, kept on the server-side session; signing in counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import ApiToken, Role, SignInThrottle, UserSession
from crm.auth.throttle import throttle_key
from crm.db import utcnow
from crm.extensions import db
from tests.auth.factor import SECRET, code_at, enrol, sign_in_with_code
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, UserFactory


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def field_error(html: str, name: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    block = soup.find("input", attrs={"name": name}).find_parent(class_="field")
    error = block.find(class_="field-error")
    assert error is not None, f"no error next to {name}"
    return error.get_text(" ", strip=True)


def age_sessions(user, minutes: int = 11) -> None:
    """As if the user had last entered their password `minutes` ago."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(reauthenticated_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def tokens() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))


def reauthenticate(client, data: dict, next_url: str = "/account/api-tokens"):
    url = f"/reauthenticate?next={next_url}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_a_fresh_sign_in_counts_as_a_recent_authentication(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)

    response = post_form(client, "/account/api-tokens", {"name": "Script", "days": "90"})

    assert response.status_code == 200
    assert tokens() == 1


def test_nine_minutes_later_no_password_is_asked(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)
    age_sessions(user, minutes=9)

    response = post_form(client, "/account/api-tokens", {"name": "Script", "days": "90"})

    assert response.status_code == 200
    assert tokens() == 1


# Each sensitive change, as (who does it, URL, form, page the form is on).
SENSITIVE = {
    "api token": ("staff", "/account/api-tokens", {"name": "Script", "days": "90"}, None),
    "calendar link": ("staff", "/account/calendar", {"name": "Phone", "days": "90"}, None),
    "password": (
        "staff",
        "/account",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase 73",
            "confirm": "a brand new passphrase 73",
        },
        None,
    ),
    "set up a factor": ("staff", "/account/second-factor/start", {}, None),
    "recovery codes": ("enrolled", "/account/second-factor/recovery-codes", {}, None),
    "factor off": ("enrolled", "/account/second-factor/off", {}, None),
    "disable a user": ("admin", "/admin/users/{target}/disable", {}, "/admin/users"),
    "reset a factor": ("admin", "/admin/users/{target}/second-factor/reset", {}, "/admin/users"),
}


@pytest.mark.parametrize("change", list(SENSITIVE))
def test_after_ten_minutes_a_sensitive_change_asks_for_the_password_first_and_changes_nothing(
    app, client, change
):
    who, url, data, page = SENSITIVE[change]
    actor = UserFactory(role=Role.ADMIN if who == "admin" else Role.STAFF)
    target = UserFactory()
    enrol(target)
    if who == "enrolled":
        enrol(actor)
        sign_in_with_code(client, actor, code_at(SECRET))
    else:
        login(client, actor.email, PASSWORD)
    age_sessions(actor)
    url = url.format(target=target.id)
    page_html = client.get(page or "/account").get_data(as_text=True)
    db.session.rollback()
    before = {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "audit_entries"
    }
    hashes = (actor.password_hash, actor.totp_secret, target.totp_secret, target.is_enabled)

    response = client.post(url, data={**data, "csrf_token": csrf_token(page_html)})

    assert response.status_code == 302
    back = page or ("/account" if "api-tokens" not in url and "calendar" not in url else url)
    assert response.headers["Location"] == f"/reauthenticate?next={back}"
    db.session.rollback()
    after = {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name != "audit_entries"
    }
    assert after == before
    db.session.refresh(actor)
    db.session.refresh(target)
    assert (actor.password_hash, actor.totp_secret, target.totp_secret, target.is_enabled) == hashes


def test_the_password_brings_the_user_back_and_the_change_goes_through(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)
    age_sessions(user)
    assert post_form(client, "/account/api-tokens", {"name": "x", "days": "90"}).status_code == 302

    response = reauthenticate(client, {"password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/api-tokens"
    [entry] = audit("reauthenticated")
    assert entry.summary == "password"
    assert post_form(client, "/account/api-tokens", {"name": "x", "days": "90"}).status_code == 200
    assert tokens() == 1


def test_a_wrong_password_is_refused_next_to_the_field_audited_and_counted(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)
    age_sessions(user)

    response = reauthenticate(client, {"password": "not my password"})

    assert response.status_code == 422
    assert "not right" in field_error(response.get_data(as_text=True), "password")
    [entry] = audit("login_failed")
    assert entry.summary == "re-authentication: wrong password"
    throttle = db.session.get(SignInThrottle, throttle_key(user.email))
    assert throttle is not None
    assert throttle.failures == 1
    assert audit("reauthenticated") == []


def test_with_a_factor_the_current_code_is_needed_too(app, client):
    user = UserFactory()
    enrol(user)
    sign_in_with_code(client, user, code_at(SECRET))
    age_sessions(user)

    page = client.get("/reauthenticate?next=/account")
    missing = reauthenticate(client, {"password": PASSWORD}, "/account")
    wrong = reauthenticate(client, {"password": PASSWORD, "code": "12345x"}, "/account")
    replayed = reauthenticate(client, {"password": PASSWORD, "code": code_at(SECRET)}, "/account")
    right = reauthenticate(client, {"password": PASSWORD, "code": code_at(SECRET, 1)}, "/account")

    assert 'name="code"' in page.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Enter the code" in field_error(missing.get_data(as_text=True), "code")
    assert wrong.status_code == 422
    assert "not right" in field_error(wrong.get_data(as_text=True), "code")
    assert replayed.status_code == 422
    assert right.status_code == 302
    assert [e.summary for e in audit("second_factor_refused")] == [
        "re-authentication: wrong recovery code",
        "re-authentication: code already used",
    ]
    [entry] = audit("reauthenticated")
    assert entry.summary == "password and code"


def test_without_a_factor_the_page_asks_for_the_password_only(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)

    html = client.get("/reauthenticate").get_data(as_text=True)

    assert 'name="password"' in html
    assert 'name="code"' not in html


def test_re_authentication_belongs_to_the_session_that_did_it(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)
    other = app.test_client()
    login(other, user.email, PASSWORD)
    age_sessions(user)

    reauthenticate(client, {"password": PASSWORD})

    assert post_form(client, "/account/api-tokens", {"name": "a", "days": "90"}).status_code == 200
    assert post_form(other, "/account/api-tokens", {"name": "b", "days": "90"}).status_code == 302
    assert tokens() == 1


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_re_authentication_returns_only_to_this_site(app, client, next_url):
    user = UserFactory()
    login(client, user.email, PASSWORD)

    response = reauthenticate(client, {"password": PASSWORD}, next_url)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_the_re_authentication_page_needs_a_signed_in_user(client):
    response = client.get("/reauthenticate")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_locked_account_cannot_re_authenticate_even_with_the_right_password(app, client):
    user = UserFactory()
    login(client, user.email, PASSWORD)
    age_sessions(user)
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # the per-address limit is not tested here
    for _ in range(10):
        reauthenticate(client, {"password": "wrong"})

    response = reauthenticate(client, {"password": PASSWORD})

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "try again in 1 minute" in response.get_data(as_text=True)
    assert audit("reauthenticated") == []
