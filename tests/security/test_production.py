"""Production, as a browser meets it: HSTS, the __Host- session cookie, and trusted hosts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from config import ProductionConfig
from crm import create_app
from crm.auth.models import Role
from crm.extensions import db
from crm.security.models import SecurityEvent
from tests.conftest import IsolatedClient, csrf_token
from tests.factories import PASSWORD, UserFactory
from tests.test_config import CLASS_SETTINGS, ENVIRONMENT, ready_for_production

HTTPS = "https://crm.example.org"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`production(**env)`: a production app on a migrated SQLite file, in its app context."""
    for name in CLASS_SETTINGS:
        monkeypatch.setattr(ProductionConfig, name, getattr(ProductionConfig, name))
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    @contextmanager
    def open_app(**env: str) -> Iterator[Flask]:
        ready_for_production(monkeypatch, tmp_path, RATELIMIT_STORAGE_URI="memory://", **env)
        monkeypatch.setenv("RATELIMIT_SINGLE_PROCESS", "1")
        app = create_app(ProductionConfig)
        # Each request on its own context, as in production (see IsolatedClient).
        app.test_client_class = IsolatedClient
        with app.app_context():
            upgrade()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()

    return open_app


def _sign_in(client, email: str, base_url: str = HTTPS):
    page = client.get("/login", base_url=base_url)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        base_url=base_url,
        # Over HTTPS, Flask-WTF also checks that a form comes from this site.
        headers={"Referer": f"{base_url}/login"},
    )


def test_production_sends_hsts_for_a_year_with_subdomains(production):
    with production() as app:
        response = app.test_client().get("/login", base_url=HTTPS)

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"HSTS_MAX_AGE": "600"}, "max-age=600; includeSubDomains", id="shorter"),
        pytest.param({"HSTS_INCLUDE_SUBDOMAINS": "0"}, "max-age=31536000", id="no-subdomains"),
        pytest.param({"HSTS_MAX_AGE": "0"}, None, id="off"),
    ],
)
def test_hsts_is_configurable(production, env, expected):
    with production(**env) as app:
        response = app.test_client().get("/login", base_url=HTTPS)

    assert response.headers.get("Strict-Transport-Security") == expected


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_signing_in_works_with_the_host_prefixed_cookie_and_csrf(production):
    with production() as app:
        staff = UserFactory(role=Role.STAFF)
        db.session.commit()
        client = app.test_client()

        response = _sign_in(client, staff.email)

        assert response.status_code == 302, response.get_data(as_text=True)
        assert client.get_cookie("__Host-session", domain="crm.example.org") is not None
        assert client.get_cookie("session", domain="crm.example.org") is None
        account = client.get("/account", base_url=HTTPS)
        assert account.status_code == 200
        # A form posted with the session's CSRF token is accepted.
        signed_out = client.post(
            "/logout",
            data={"csrf_token": csrf_token(account.get_data(as_text=True))},
            base_url=HTTPS,
            headers={"Referer": f"{HTTPS}/account"},
        )
        assert signed_out.status_code == 302, signed_out.get_data(as_text=True)[-900:]
        assert client.get("/account", base_url=HTTPS).status_code == 302


def test_a_forged_host_header_is_refused_and_is_not_a_security_refusal(production):
    with production() as app:
        client = app.test_client()

        forged = client.get("/login", base_url="https://evil.example")
        trusted = client.get("/login", base_url=HTTPS)

        assert forged.status_code == 400
        assert "evil.example" not in forged.get_data(as_text=True)
        assert trusted.status_code == 200
        assert db.session.query(SecurityEvent).count() == 0


def _calendar_link(app: Flask, base_url: str) -> str:
    staff = UserFactory(role=Role.STAFF)
    db.session.commit()
    client = app.test_client()
    assert _sign_in(client, staff.email, base_url).status_code == 302
    page = client.get("/account/calendar", base_url=base_url)
    response = client.post(
        "/account/calendar",
        data={"name": "Phone", "days": "30", "csrf_token": csrf_token(page.get_data(as_text=True))},
        base_url=base_url,
        headers={"Referer": f"{base_url}/account/calendar"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_links_name_the_configured_server_whatever_host_a_request_names(production):
    with production(TRUSTED_HOSTS="", SERVER_NAME="crm.example.org") as app:
        html = _calendar_link(app, "https://evil.example")

    assert "https://crm.example.org/calendar.ics?token=crm_" in html
    assert "evil.example/calendar" not in html


def test_links_name_the_first_trusted_host(production):
    with production(TRUSTED_HOSTS="crm.example.org, crm-backup.example.org") as app:
        html = _calendar_link(app, "https://crm-backup.example.org")

    assert "https://crm.example.org/calendar.ics?token=crm_" in html
