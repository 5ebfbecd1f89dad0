"""Signing in through the real form: sessions, audit, redirects, CSRF, rate limit, headers."""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import Role, UserSession, hash_token
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, UserFactory

WRONG_MESSAGE = "The e-mail address or password is not right."


def field_error(html: str, name: str) -> str:
    """The error message shown in the same field block as the input called `name`."""
    soup = BeautifulSoup(html, "html.parser")
    field = soup.find("input", attrs={"name": name}).find_parent(class_="field")
    assert field is not None, f"no field block around {name}"
    error = field.find(class_="field-error")
    assert error is not None, f"no error next to {name}"
    return error.get_text(" ", strip=True)


def session_data(app, client) -> dict:
    """The signed session cookie's content, as the server reads it."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def sessions_of(user) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


# --- success ------------------------------------------------------------------------------


def test_sign_in_redirects_home_and_opens_a_server_side_session(app, client):
    user = UserFactory()

    response = login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    [session] = sessions_of(user)
    assert session.revoked_at is None
    assert session.ip_address == "127.0.0.1"
    assert session.expires_at - session.created_at == app.config["SESSION_MAX_AGE"]
    assert user.last_login_at is not None
    assert client.get("/account").status_code == 200


def test_sign_in_writes_a_login_audit_entry(client):
    user = UserFactory()

    login(client, user.email, PASSWORD)

    [entry] = audit("login")
    assert entry.actor_id == user.id
    assert entry.actor_email == user.email
    assert entry.target_type == "users"
    assert entry.target_id == str(user.id)
    assert audit("login_failed") == []


def test_the_cookie_holds_a_session_token_stored_only_as_its_hash(app, client):
    user = UserFactory()

    login(client, user.email, PASSWORD)

    token = session_data(app, client)["_user_id"]
    [session] = sessions_of(user)
    assert token != str(user.id)
    assert session.token_hash == hash_token(token)
    assert session.token_hash != token


def test_email_is_case_insensitive(client):
    user = UserFactory(email="ana.popescu@example.org")

    response = login(client, "  Ana.Popescu@EXAMPLE.org ", PASSWORD)

    assert response.status_code == 302
    assert len(sessions_of(user)) == 1


def test_sign_in_sets_a_new_session_cookie_with_nothing_carried_over(app, client):
    user = UserFactory()
    client.get("/login")
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
    before_cookie = client.get_cookie("session").value
    before = session_data(app, client)
    assert "csrf_token" in before

    login(client, user.email, PASSWORD)

    after = session_data(app, client)
    assert client.get_cookie("session").value != before_cookie
    assert "_user_id" not in before
    assert "_user_id" in after
    assert "planted" not in after
    assert "csrf_token" not in after


def test_each_sign_in_opens_a_new_server_side_session(app, client):
    user = UserFactory()
    earlier_browser = app.test_client()
    login(earlier_browser, user.email, PASSWORD)
    earlier_token = session_data(app, earlier_browser)["_user_id"]

    login(client, user.email, PASSWORD)

    token = session_data(app, client)["_user_id"]
    assert token != earlier_token
    first, second = sessions_of(user)
    assert first.token_hash == hash_token(earlier_token)
    assert second.token_hash == hash_token(token)
    assert first.revoked_at is None
    assert second.revoked_at is None


def test_signed_in_user_opening_login_is_sent_home(client):
    user = UserFactory()
    login(client, user.email, PASSWORD)

    response = client.get("/login")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password", "enabled", "summary"),
    [
        pytest.param("known@example.org", "not the password", True, "wrong password", id="wrong"),
        pytest.param("nobody@example.org", PASSWORD, True, "unknown e-mail", id="unknown"),
        pytest.param("known@example.org", PASSWORD, False, "account disabled", id="disabled"),
    ],
)
def test_failed_sign_in_shows_the_message_next_to_the_field_and_opens_no_session(
    client, email, password, enabled, summary
):
    user = UserFactory(email="known@example.org", is_enabled=enabled)

    response = login(client, email, password)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "password") == f"Error: {WRONG_MESSAGE}"
    assert password not in html
    assert sessions_of(user) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    [entry] = audit("login_failed")
    assert entry.summary == summary
    assert entry.actor_email == email
    assert audit("login") == []
    assert client.get("/account").status_code == 302


def test_failed_sign_in_of_unknown_email_names_no_user(client):
    UserFactory()

    login(client, "Nobody@Example.org", PASSWORD)

    [entry] = audit("login_failed")
    assert entry.actor_id is None
    assert entry.target_id is None
    assert entry.actor_email == "nobody@example.org"


def test_failed_sign_in_of_known_email_names_the_user(client):
    user = UserFactory()

    login(client, user.email, "not the password")

    [entry] = audit("login_failed")
    assert entry.actor_id == user.id
    assert entry.target_id == str(user.id)


def test_the_message_does_not_tell_unknown_email_from_wrong_password(app, client):
    UserFactory(email="known@example.org")

    wrong = login(client, "known@example.org", "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.org", "not the password").get_data(as_text=True)

    assert field_error(wrong, "password") == field_error(unknown, "password")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param(
            {"email": "", "password": PASSWORD}, "email", "Enter your e-mail address.", id="email"
        ),
        pytest.param(
            {"email": "known@example.org", "password": ""},
            "password",
            "Enter your password.",
            id="password",
        ),
    ],
)
def test_empty_fields_are_named_next_to_the_field(client, data, field, message):
    UserFactory(email="known@example.org")
    token = csrf_token(client.get("/login").get_data(as_text=True))

    response = client.post("/login", data={**data, "csrf_token": token})

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == f"Error: {message}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_sign_in_without_a_csrf_token_is_rejected_and_signs_nobody_in(client):
    user = UserFactory()
    client.get("/login")

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 400
    assert sessions_of(user) == []
    assert audit("login") == []
    assert client.get("/account").status_code == 302


def test_sign_in_with_a_forged_csrf_token_is_rejected(client):
    user = UserFactory()
    client.get("/login")

    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"}
    )

    assert response.status_code == 400
    assert sessions_of(user) == []


# --- where sign-in leads ------------------------------------------------------------------


def _login_to(client, email: str, next_url: str):
    token = csrf_token(client.get("/login", query_string={"next": next_url}).get_data(as_text=True))
    return client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )


@pytest.mark.parametrize("next_url", ["/states/RO", "/representatives?state=RO&page=2"])
def test_sign_in_returns_to_a_local_next_page(client, next_url):
    user = UserFactory()

    response = _login_to(client, user.email, next_url)

    assert response.status_code == 302
    assert response.headers["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/states",
        "http:/evil.example",
        "javascript:alert(1)",
        "states",
    ],
)
def test_sign_in_never_redirects_off_site(client, next_url):
    user = UserFactory()

    response = _login_to(client, user.email, next_url)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def _as_a_browser_reads_it(location: str) -> str:
    """The host a browser would go to: it reads backslashes as slashes in http URLs."""
    return urlsplit(urljoin("http://localhost/login", location.replace("\\", "/"))).netloc


@pytest.mark.parametrize(
    "next_url",
    [
        "/\\evil.example",
        "///evil.example",
        "/\\/evil.example",
        "/\t/evil.example",
        "/%2F/evil.example",
    ],
)
def test_sign_in_never_redirects_to_paths_browsers_read_as_another_host(client, next_url):
    user = UserFactory()

    response = _login_to(client, user.email, next_url)

    assert response.status_code == 302
    assert _as_a_browser_reads_it(response.headers["Location"]) == "localhost"


@pytest.mark.parametrize(
    "next_url",
    [
        pytest.param("/states\r\nSet-Cookie: planted=1", id="crlf"),
        pytest.param("/states\nx", id="lf"),
    ],
)
def test_sign_in_with_a_next_holding_line_breaks_falls_back_home(app, client, next_url):
    app.config["PROPAGATE_TEST_ERRORS"] = False  # see the page a visitor would see
    user = UserFactory()

    response = _login_to(client, user.email, next_url)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "planted" not in response.headers.get("Set-Cookie", "")


# --- rate limit ---------------------------------------------------------------------------


def test_sign_in_attempts_are_rate_limited(app, client):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute;50 per hour"
    user = UserFactory()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    wrong = {"email": user.email, "password": "not the password", "csrf_token": token}

    statuses = [client.post("/login", data=wrong).status_code for _ in range(10)]
    eleventh = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )

    assert statuses == [422] * 10
    assert eleventh.status_code == 429
    assert "Retry-After" in eleventh.headers
    assert sessions_of(user) == []
    assert len(audit("login_failed")) == 10
    assert audit("login") == []


def test_the_rate_limit_applies_to_posts_only(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    # Another account each time, so that only the limit on the address can refuse.
    statuses = [
        client.post(
            "/login", data={"email": UserFactory().email, "password": "x", "csrf_token": token}
        ).status_code
        for _ in range(11)
    ]

    # Ten tries a minute (LOGIN_RATE_LIMIT): the eleventh post is refused...
    assert 429 not in statuses[:10], statuses
    assert statuses[10] == 429
    # ...while the page that shows the form still opens.
    assert client.get("/login").status_code == 200


# --- every page needs a signed-in user ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/states",
        "/states/XX",
        "/representatives",
        "/representatives/1",
        "/account",
        "/admin/users",
    ],
)
def test_anonymous_visitor_is_sent_to_sign_in_with_the_page_to_return_to(client, path):
    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [path]


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/css/app.css"])
def test_sign_in_health_and_static_files_are_open_to_anonymous_visitors(client, path):
    with client.get(path) as response:
        assert response.status_code == 200


def test_a_non_admin_cannot_open_user_administration(client):
    user = UserFactory(role=Role.COORDINATOR)
    login(client, user.email, PASSWORD)

    assert client.get("/admin/users").status_code == 403


# --- security headers and cookie flags ----------------------------------------------------


def _signed_in_states(client):
    login(client, UserFactory().email, PASSWORD)
    return client.get("/states")


@pytest.mark.parametrize(
    "fetch",
    [
        pytest.param(lambda client: client.get("/login"), id="login-page"),
        pytest.param(lambda client: client.get("/nowhere"), id="not-found-page"),
        pytest.param(_signed_in_states, id="states-page"),
    ],
)
def test_responses_carry_the_security_headers(client, fetch):
    response = fetch(client)

    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert not any("'unsafe-inline'" in sources for sources in policy.values())
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_signed_in_pages_are_not_cached(client):
    response = _signed_in_states(client)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_the_session_cookie_is_http_only_and_same_site_lax(client):
    user = UserFactory()

    response = login(client, user.email, PASSWORD)

    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
