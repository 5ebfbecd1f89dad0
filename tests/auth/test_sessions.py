"""Server-side sessions: signing out, password changes, disabling, revoking, expiry.

A copied cookie stands for a stolen one: once the session behind it ends on the server,
the copy must stop working too, not only the browser that signed out.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from werkzeug.security import check_password_hash

from crm.audit.models import AuditEntry
from crm.auth.models import Role, UserSession, hash_token
from crm.db import utcnow
from crm.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a much longer new password"


def field_error(html: str, name: str) -> str:
    """The error message shown in the same field block as the input called `name`."""
    soup = BeautifulSoup(html, "html.parser")
    field = soup.find("input", attrs={"name": name}).find_parent(class_="field")
    assert field is not None, f"no field block around {name}"
    error = field.find(class_="field-error")
    assert error is not None, f"no error next to {name}"
    return error.get_text(" ", strip=True)


def sign_in(client, user, password: str = PASSWORD):
    response = login(client, user.email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_cookie(source, target) -> None:
    """Give `target` the session cookie of `source`, as a thief would."""
    target.set_cookie("session", source.get_cookie("session").value)


def is_signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login?next=")
        return False
    assert response.status_code == 200
    return True


def token_of(app, client) -> str:
    data = app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie("session").value
    )
    return data["_user_id"]


def session_row(app, client) -> UserSession:
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == hash_token(token_of(app, client)))
    )


def live_sessions(user) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession).where(
                UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
            )
        )
    )


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def stolen(app, client):
    """A signed-in user, their browser, and a second browser holding a copy of its cookie."""
    user = UserFactory()
    sign_in(client, user)
    thief = app.test_client()
    copy_cookie(client, thief)
    assert is_signed_in(thief)
    return user, client, thief


# --- signing out --------------------------------------------------------------------------


def test_sign_out_revokes_the_session_and_a_copied_cookie_stops_working(app, stolen):
    user, browser, thief = stolen
    row = session_row(app, browser)

    response = post_form(browser, "/logout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.session.refresh(row)
    assert row.revoked_at is not None
    assert not is_signed_in(browser)
    assert not is_signed_in(thief)
    [entry] = audit("logout")
    assert entry.actor_id == user.id


def test_sign_out_ends_only_that_browsers_session(app, client):
    user = UserFactory()
    sign_in(client, user)
    other_browser = sign_in(app.test_client(), user)

    post_form(client, "/logout")

    assert not is_signed_in(client)
    assert is_signed_in(other_browser)
    assert len(live_sessions(user)) == 1


def test_sign_out_by_get_is_not_allowed(client):
    user = UserFactory()
    sign_in(client, user)

    response = client.get("/logout")

    assert response.status_code == 405
    assert is_signed_in(client)
    assert len(live_sessions(user)) == 1


def test_sign_out_without_a_csrf_token_is_rejected(client):
    user = UserFactory()
    sign_in(client, user)

    response = client.post("/logout")

    assert response.status_code == 400
    assert is_signed_in(client)
    assert len(live_sessions(user)) == 1


# --- changing the password ----------------------------------------------------------------


def test_password_change_keeps_this_browser_on_a_new_session_and_ends_all_others(app, stolen):
    user, browser, thief = stolen
    other_browser = sign_in(app.test_client(), user)
    old_token = token_of(app, browser)

    response = post_form(
        browser,
        "/account",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    new_token = token_of(app, browser)
    assert new_token != old_token
    assert is_signed_in(browser)
    assert not is_signed_in(thief)
    assert not is_signed_in(other_browser)
    [live] = live_sessions(user)
    assert live.token_hash == hash_token(new_token)
    [entry] = audit("password_changed")
    assert entry.actor_id == user.id
    assert entry.target_id == str(user.id)


def test_password_change_stores_a_new_hash_and_only_the_new_password_signs_in(app, client):
    user = UserFactory()
    sign_in(client, user)

    post_form(
        client,
        "/account",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    db.session.refresh(user)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert NEW_PASSWORD not in user.password_hash
    assert user.password_changed_at is not None
    assert login(app.test_client(), user.email, PASSWORD).status_code == 422
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param(
            {"current_password": "not my password"},
            "current_password",
            "The current password is not right.",
            id="wrong-current-password",
        ),
        pytest.param(
            {"new_password": "short", "confirm": "short"},
            "new_password",
            "Use between 12 and 200 characters.",
            id="too-short",
        ),
        pytest.param(
            {"confirm": "a different new password"},
            "confirm",
            "The two new passwords differ.",
            id="confirmation-differs",
        ),
        pytest.param(
            {"new_password": PASSWORD, "confirm": PASSWORD},
            "new_password",
            "Choose a password different from the current one.",
            id="same-as-before",
        ),
        pytest.param(
            {"current_password": ""},
            "current_password",
            "Enter your current password.",
            id="current-password-missing",
        ),
    ],
)
def test_failed_password_change_shows_the_message_next_to_the_field_and_changes_nothing(
    app, client, data, field, message
):
    user = UserFactory()
    sign_in(client, user)
    old_hash = user.password_hash
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    response = post_form(client, "/account", {**form, **data})

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == f"Error: {message}"
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert user.password_changed_at is None
    assert audit("password_changed") == []
    assert is_signed_in(client)
    assert len(live_sessions(user)) == 1
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


# --- an admin disabling an account --------------------------------------------------------


def test_disabling_a_user_ends_their_sessions_and_copied_cookies(app, stolen):
    user, browser, thief = stolen
    admin = UserFactory(role=Role.ADMIN)
    admin_browser = sign_in(app.test_client(), admin)

    response = post_form(admin_browser, f"/admin/users/{user.id}/disable", page="/admin/users")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    db.session.refresh(user)
    assert user.is_enabled is False
    assert live_sessions(user) == []
    assert not is_signed_in(browser)
    assert not is_signed_in(thief)
    [entry] = audit("user_disabled")
    assert entry.actor_id == admin.id
    assert entry.target_id == str(user.id)
    assert entry.before == {"is_enabled": True}
    assert entry.after == {"is_enabled": False}


def test_a_disabled_user_cannot_sign_in_again(app, client):
    user = UserFactory()
    admin = UserFactory(role=Role.ADMIN)
    sign_in(client, admin)
    post_form(client, f"/admin/users/{user.id}/disable", page="/admin/users")

    response = login(app.test_client(), user.email, PASSWORD)

    assert response.status_code == 422
    assert live_sessions(user) == []
    [entry] = audit("login_failed")
    assert entry.summary == "account disabled"


def test_re_enabling_a_user_lets_them_sign_in(app, client):
    user = UserFactory(is_enabled=False)
    admin = UserFactory(role=Role.ADMIN)
    sign_in(client, admin)

    response = post_form(client, f"/admin/users/{user.id}/enable", page="/admin/users")

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.is_enabled is True
    assert len(audit("user_enabled")) == 1
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_admin_cannot_disable_themselves(client):
    admin = UserFactory(role=Role.ADMIN)
    sign_in(client, admin)

    response = post_form(client, f"/admin/users/{admin.id}/disable", page="/admin/users")

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot disable your own account." in page
    db.session.refresh(admin)
    assert admin.is_enabled is True
    assert audit("user_disabled") == []
    assert is_signed_in(client)


@pytest.mark.parametrize("role", [Role.SECTION, Role.COORDINATOR, Role.STAFF])
def test_non_admin_cannot_disable_a_user(app, client, role):
    actor = UserFactory(role=role)
    victim = UserFactory()
    victim_browser = sign_in(app.test_client(), victim)
    sign_in(client, actor)

    response = post_form(client, f"/admin/users/{victim.id}/disable")

    assert response.status_code == 403
    db.session.refresh(victim)
    assert victim.is_enabled is True
    assert len(live_sessions(victim)) == 1
    assert is_signed_in(victim_browser)
    assert audit("user_disabled") == []


def test_disabling_an_unknown_user_is_not_found(client):
    admin = UserFactory(role=Role.ADMIN)
    sign_in(client, admin)

    response = post_form(client, "/admin/users/999999/disable", page="/admin/users")

    assert response.status_code == 404


# --- revoking one session from the account page -------------------------------------------


def test_revoking_a_session_from_the_account_page_ends_it_and_its_copies(app, client):
    user = UserFactory()
    sign_in(client, user)
    phone = sign_in(app.test_client(), user)
    thief = app.test_client()
    copy_cookie(phone, thief)
    assert is_signed_in(thief)
    phone_session = session_row(app, phone)

    response = post_form(client, f"/account/sessions/{phone_session.id}/revoke")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    db.session.refresh(phone_session)
    assert phone_session.revoked_at is not None
    assert not is_signed_in(phone)
    assert not is_signed_in(thief)
    assert is_signed_in(client)
    [entry] = audit("session_revoked")
    assert entry.actor_id == user.id


def test_a_user_cannot_revoke_someone_elses_session(app, client):
    user = UserFactory()
    sign_in(client, user)
    other = UserFactory()
    other_browser = sign_in(app.test_client(), other)
    other_session = session_row(app, other_browser)

    response = post_form(client, f"/account/sessions/{other_session.id}/revoke")

    assert response.status_code == 404
    db.session.refresh(other_session)
    assert other_session.revoked_at is None
    assert is_signed_in(other_browser)
    assert audit("session_revoked") == []


def test_revoking_a_session_without_a_csrf_token_is_rejected(app, client):
    user = UserFactory()
    sign_in(client, user)
    phone = sign_in(app.test_client(), user)

    response = client.post(f"/account/sessions/{session_row(app, phone).id}/revoke")

    assert response.status_code == 400
    assert is_signed_in(phone)


def test_the_account_page_lists_live_sessions_only(app, client):
    user = UserFactory()
    sign_in(client, user)
    revoked = sign_in(app.test_client(), user)
    post_form(revoked, "/logout")
    sign_in(app.test_client(), user)

    page = client.get("/account").get_data(as_text=True)

    assert "Live sessions (2)" in page


# --- expiry -------------------------------------------------------------------------------


def test_an_idle_session_expires(app, client):
    user = UserFactory()
    sign_in(client, user)
    row = session_row(app, client)
    row.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
    db.session.commit()

    assert not is_signed_in(client)


def test_a_session_in_use_is_kept_alive(app, client):
    user = UserFactory()
    sign_in(client, user)
    row = session_row(app, client)
    long_ago = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=10)
    row.last_seen_at = long_ago
    db.session.commit()

    assert is_signed_in(client)

    db.session.refresh(row)
    assert row.last_seen_at > long_ago + timedelta(minutes=9)


def test_a_session_past_its_expiry_ends_even_when_in_use(app, client):
    user = UserFactory()
    sign_in(client, user)
    row = session_row(app, client)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert not is_signed_in(client)


def test_a_session_of_a_user_disabled_directly_in_the_database_stops_working(client):
    user = UserFactory()
    sign_in(client, user)
    user.is_enabled = False
    db.session.commit()

    assert not is_signed_in(client)
