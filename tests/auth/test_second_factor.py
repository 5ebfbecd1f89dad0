"""The second factor: enrolment with a locally drawn QR code, signing in with a code or a
recovery code, replay, roles that require it, turning it off and an administrator's reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from config import Config, DevelopmentConfig, ProductionConfig, TestingConfig
from crm.audit.models import AuditEntry
from crm.auth.models import ApiToken, RecoveryCode, Role, TokenScope, User, UserSession
from crm.auth.services import create_token
from crm.db import utcnow
from crm.extensions import db
from tests.auth.factor import SECRET, app_with, code_at, enrol, post_code, sign_in_with_code
from tests.conftest import DEMO_PASSWORD, csrf_token, login, post_form
from tests.factories import PASSWORD, UserFactory

WRONG = "That code is not right, or was already used."


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def sessions_of(user: User) -> list[UserSession]:
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)))


def field_error(html: str, name: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    block = soup.find("input", attrs={"name": name}).find_parent(class_="field")
    error = block.find(class_="field-error")
    assert error is not None, f"no error next to {name}"
    return error.get_text(" ", strip=True)


def shown_codes(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [li.get_text(strip=True) for li in soup.select("ol.recovery-codes li")]


def shown_secret(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    return next(p for p in soup.select("p.code")).get_text(strip=True).replace(" ", "")


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- enrolment from the account page -------------------------------------------------------


def test_enrolment_shows_the_secret_and_a_local_svg_qr_code_and_the_first_code_confirms_it(
    app, client
):
    user = UserFactory()
    login(client, user.email, PASSWORD)

    started = post_form(client, "/account/second-factor/start")
    assert started.status_code == 302
    assert started.headers["Location"] == "/account/second-factor"
    page = client.get("/account/second-factor")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    secret = shown_secret(html)
    db.session.refresh(user)
    assert secret == user.totp_pending_secret
    assert user.totp_secret is None  # not until a code confirms it
    svg = BeautifulSoup(html, "html.parser").select_one("figure.qr svg")
    assert svg is not None
    # The strict CSP (style-src 'self') would drop inline styles; nothing from another host.
    assert not re.search(r"\sstyle=", str(svg))
    assert "http" not in str(svg).replace("http://www.w3.org", "")
    assert "<img" not in html.split("figure")[1]

    wrong = client.post(
        "/account/second-factor", data={"code": "000000", "csrf_token": csrf_token(html)}
    )
    assert wrong.status_code == 422
    assert "not right" in field_error(wrong.get_data(as_text=True), "code")
    db.session.refresh(user)
    assert user.totp_secret is None
    assert [e.summary for e in audit("second_factor_refused")] == ["enrolment: wrong code"]

    done = client.post(
        "/account/second-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(html)},
    )
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "private, no-store"
    codes = shown_codes(done.get_data(as_text=True))
    assert len(codes) == 10 == len(set(codes))
    db.session.refresh(user)
    assert user.totp_secret == secret
    assert user.totp_pending_secret is None
    assert user.totp_enrolled_at is not None
    stored = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)  # hashed, never as they are
    assert len(audit("second_factor_enrolled")) == 1


def test_the_account_page_says_when_the_factor_was_set_up_and_last_used(app, client):
    user = UserFactory()
    enrol(user)
    sign_in_with_code(client, user, code_at(SECRET))

    html = client.get("/account").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    facts = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
        for dt in soup.select("#factor-heading ~ dl dt")
    }

    assert set(facts) == {"Set up", "Last used", "Recovery codes left"}
    assert facts["Last used"] != "Never"
    assert facts["Recovery codes left"] == "10 of 10"


# --- signing in ----------------------------------------------------------------------------


def test_with_a_factor_the_password_alone_opens_no_session(app, client):
    user = UserFactory()
    enrol(user)

    response = login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert sessions_of(user) == []
    assert not is_signed_in(client)
    assert client.get("/dashboard").status_code == 302
    assert audit("login") == []


def test_the_right_code_opens_the_session_and_goes_where_the_user_was_going(app, client):
    user = UserFactory()
    enrol(user)
    page = client.get("/login?next=/states")
    client.post(
        "/login?next=/states",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )

    response = post_code(client, code_at(SECRET))

    assert response.status_code == 302
    assert response.headers["Location"] == "/states"
    [session] = sessions_of(user)
    assert session.revoked_at is None
    assert is_signed_in(client)
    [entry] = audit("login")
    assert entry.summary == "password and code"
    db.session.refresh(user)
    assert user.totp_last_used_at is not None


def test_a_wrong_code_is_refused_next_to_the_field_and_audited(app, client):
    user = UserFactory()
    enrol(user)
    login(client, user.email, PASSWORD)

    response = post_code(client, "123456" if code_at(SECRET) != "123456" else "654321")

    assert response.status_code == 422
    assert WRONG in field_error(response.get_data(as_text=True), "code")
    assert sessions_of(user) == []
    [entry] = audit("second_factor_refused")
    assert entry.actor_id == user.id
    assert entry.summary == "sign-in: wrong code"


def test_a_code_cannot_be_replayed_within_its_window(app, client):
    user = UserFactory()
    enrol(user)
    code = code_at(SECRET)
    assert sign_in_with_code(client, user, code).status_code == 302
    other = app.test_client()

    replayed = sign_in_with_code(other, user, code)
    # An older step than the last one used is refused too.
    earlier = post_code(other, code_at(SECRET, -1))

    assert replayed.status_code == 422
    assert earlier.status_code == 422
    assert len(sessions_of(user)) == 1
    assert [e.summary for e in audit("second_factor_refused")] == [
        "sign-in: code already used",
        "sign-in: code already used",
    ]
    # The next step's code still works (a phone clock a little ahead).
    assert post_code(other, code_at(SECRET, 1)).status_code == 302


def test_a_recovery_code_signs_in_once(app, client):
    user = UserFactory()
    recovery = enrol(user)

    first = sign_in_with_code(client, user, recovery[0].upper().replace("-", " "))
    again = sign_in_with_code(app.test_client(), user, recovery[0])

    assert first.status_code == 302
    assert again.status_code == 422
    [entry] = audit("login")
    assert entry.summary == "password and recovery code"
    used = db.session.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
    ).all()
    assert len(used) == 1
    assert "9 left" in client.get("/account").get_data(as_text=True)


def test_the_code_page_needs_a_password_first(client):
    response = client.get("/login/code")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_pending_sign_in_expires_after_five_minutes(app, client):
    user = UserFactory()
    enrol(user)
    login(client, user.email, PASSWORD)
    token = csrf_token(client.get("/login/code").get_data(as_text=True))
    with client.session_transaction() as cookie:
        pending = dict(cookie["pending_sign_in"])
        pending["until"] = (utcnow() - timedelta(seconds=1)).timestamp()
        cookie["pending_sign_in"] = pending

    response = client.post("/login/code", data={"code": code_at(SECRET), "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert sessions_of(user) == []


def test_a_pending_sign_in_of_a_disabled_account_goes_no_further(app, client):
    user = UserFactory()
    enrol(user)
    login(client, user.email, PASSWORD)
    token = csrf_token(client.get("/login/code").get_data(as_text=True))
    user.is_enabled = False
    db.session.commit()

    response = client.post("/login/code", data={"code": code_at(SECRET), "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert sessions_of(user) == []


# --- roles that require a factor -----------------------------------------------------------


@pytest.fixture
def required_app(databases, tmp_path):
    with app_with(databases, tmp_path, MFA_REQUIRED_ROLES="admin,coordinator,section") as app:
        yield app


def test_a_required_user_without_a_factor_enrols_at_sign_in_and_reaches_nothing_else(required_app):
    client = required_app.test_client()
    user = UserFactory(role=Role.COORDINATOR)

    response = login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login/second-factor"
    assert sessions_of(user) == []
    for path in ("/dashboard", "/account", "/account/api-tokens", "/login/code"):
        assert client.get(path).status_code == 302, path
        assert "/login" in client.get(path).headers["Location"]
    page = client.get("/login/second-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "<svg" in html
    secret = shown_secret(html)

    done = client.post(
        "/login/second-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(html)},
    )

    assert done.status_code == 200
    assert len(shown_codes(done.get_data(as_text=True))) == 10
    assert len(sessions_of(user)) == 1
    assert is_signed_in(client)
    db.session.refresh(user)
    assert user.totp_secret == secret


def test_a_pending_enrolment_ends_when_the_user_enrols_from_elsewhere(required_app):
    user = UserFactory(role=Role.SECTION)
    client = required_app.test_client()
    login(client, user.email, PASSWORD)
    assert client.get("/login/second-factor").status_code == 200

    enrol(user)  # the owner, from their own browser

    response = client.get("/login/second-factor")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "<svg" not in client.get("/login/second-factor").get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret == SECRET


def test_each_sign_in_before_enrolment_shows_a_new_secret(required_app):
    user = UserFactory(role=Role.ADMIN)
    secrets = set()
    for _ in range(2):
        client = required_app.test_client()
        login(client, user.email, PASSWORD)
        secrets.add(shown_secret(client.get("/login/second-factor").get_data(as_text=True)))

    assert len(secrets) == 2


def test_staff_is_not_required_to_have_a_factor(required_app):
    client = required_app.test_client()
    user = UserFactory(role=Role.STAFF)

    response = login(client, user.email, PASSWORD)

    assert response.headers["Location"] == "/"
    assert is_signed_in(client)


def test_a_session_of_a_required_user_without_a_factor_stops_working(required_app):
    user = UserFactory(role=Role.SECTION)
    enrol(user)
    client = required_app.test_client()
    sign_in_with_code(client, user, code_at(SECRET))
    assert is_signed_in(client)

    user.totp_secret = None  # as if the factor had been removed behind the app's back
    db.session.commit()

    assert not is_signed_in(client)


def test_tokens_of_a_required_user_without_a_factor_open_nothing_until_they_enrol(required_app):
    user = UserFactory(role=Role.COORDINATOR)
    api_raw, _ = create_token(None, user, name="script", scope=TokenScope.API)
    feed_raw, _ = create_token(None, user, name="phone", scope=TokenScope.CALENDAR)
    db.session.commit()
    client = required_app.test_client()

    refused = client.get("/api/v1/states", headers={"Authorization": f"Bearer {api_raw}"})
    feed = client.get(f"/calendar.ics?token={feed_raw}")

    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert feed.status_code == 404
    enrol(user)
    assert (
        client.get("/api/v1/states", headers={"Authorization": f"Bearer {api_raw}"}).status_code
        == 200
    )
    assert client.get(f"/calendar.ics?token={feed_raw}").status_code == 200


def test_a_required_user_cannot_turn_the_factor_off(required_app):
    user = UserFactory(role=Role.SECTION)
    enrol(user)
    client = required_app.test_client()
    sign_in_with_code(client, user, code_at(SECRET))

    response = post_form(client, "/account/second-factor/off")

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret == SECRET
    assert audit("second_factor_disabled") == []


def test_production_requires_a_factor_of_everyone_who_reads_restricted_contacts():
    assert set(ProductionConfig.MFA_REQUIRED_ROLES.split(",")) == {
        "admin",
        "coordinator",
        "section",
    }
    for config in (Config, DevelopmentConfig, TestingConfig):
        assert config.MFA_REQUIRED_ROLES == ""


def test_the_demo_logins_sign_in_with_a_password_only(demo_app):
    client = demo_app.test_client()

    response = login(client, "admin@demo.example", DEMO_PASSWORD)

    assert response.headers["Location"] == "/"


# --- turning off, new recovery codes, a new authenticator ----------------------------------


def test_turning_the_factor_off_returns_to_password_only(app, client):
    user = UserFactory()
    enrol(user)
    sign_in_with_code(client, user, code_at(SECRET))

    response = post_form(client, "/account/second-factor/off")

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert len(audit("second_factor_disabled")) == 1
    assert login(app.test_client(), user.email, PASSWORD).headers["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(app, client):
    user = UserFactory()
    recovery = enrol(user)
    sign_in_with_code(client, user, code_at(SECRET))

    response = post_form(client, "/account/second-factor/recovery-codes")

    assert response.status_code == 200
    codes = shown_codes(response.get_data(as_text=True))
    assert len(codes) == 10
    assert not set(codes) & set(recovery)
    assert sign_in_with_code(app.test_client(), user, recovery[1]).status_code == 422
    assert sign_in_with_code(app.test_client(), user, codes[0]).status_code == 302
    assert len(audit("recovery_codes_regenerated")) == 1


def test_a_new_authenticator_replaces_the_old_one_only_once_confirmed(app, client):
    user = UserFactory()
    enrol(user)
    sign_in_with_code(client, user, code_at(SECRET))
    post_form(client, "/account/second-factor/start")
    html = client.get("/account/second-factor").get_data(as_text=True)
    new_secret = shown_secret(html)
    db.session.refresh(user)
    assert user.totp_secret == SECRET  # the old one works until the new one is confirmed

    client.post(
        "/account/second-factor",
        data={"code": pyotp.TOTP(new_secret).now(), "csrf_token": csrf_token(html)},
    )

    db.session.refresh(user)
    assert user.totp_secret == new_secret
    assert sign_in_with_code(app.test_client(), user, code_at(SECRET, 1)).status_code == 422


# --- an administrator's reset --------------------------------------------------------------


def test_an_admin_reset_removes_the_factor_and_ends_sessions_and_tokens(app, client):
    admin = UserFactory(role=Role.ADMIN)
    user = UserFactory()
    enrol(user)
    theirs = app.test_client()
    sign_in_with_code(theirs, user, code_at(SECRET))
    create_token(None, user, name="script", scope=TokenScope.API)
    db.session.commit()
    login(client, admin.email, PASSWORD)

    response = post_form(client, f"/admin/users/{user.id}/second-factor/reset", page="/admin/users")

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None
    assert user.totp_enrolled_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert not is_signed_in(theirs)
    assert all(t.revoked_at is not None for t in db.session.scalars(sa.select(ApiToken)))
    [entry] = audit("second_factor_reset")
    assert entry.actor_id == admin.id
    assert entry.target_id == str(user.id)
    assert entry.summary == "1 session(s) and 1 token(s) ended"


def test_the_users_page_offers_a_reset_for_users_with_a_factor(app, client):
    admin = UserFactory(role=Role.ADMIN)
    with_factor = UserFactory()
    enrol(with_factor)
    without = UserFactory()
    login(client, admin.email, PASSWORD)

    html = client.get("/admin/users").get_data(as_text=True)

    assert f"/admin/users/{with_factor.id}/second-factor/reset" in html
    assert f"/admin/users/{without.id}/second-factor/reset" not in html


def test_an_admin_cannot_reset_their_own_factor_from_the_users_page(app, client):
    admin = UserFactory(role=Role.ADMIN)
    enrol(admin)
    sign_in_with_code(client, admin, code_at(SECRET))

    response = post_form(
        client, f"/admin/users/{admin.id}/second-factor/reset", page="/admin/users"
    )

    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.totp_secret == SECRET
    assert is_signed_in(client)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SECTION, Role.STAFF])
def test_only_admins_reset_a_factor(app, client, role):
    actor = UserFactory(role=role)
    user = UserFactory()
    enrol(user)
    login(client, actor.email, PASSWORD)

    response = post_form(client, f"/admin/users/{user.id}/second-factor/reset")

    assert response.status_code == 403
    db.session.refresh(user)
    assert user.totp_secret == SECRET
