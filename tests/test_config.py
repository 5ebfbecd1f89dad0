"""Configuration: production refuses to start on a guessable key or a missing database."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import config
from config import (
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_from_env,
)
from crm import create_app
from crm.extensions import db

GOOD_SECRET = secrets.token_hex(32)


@pytest.fixture(autouse=True)
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean environment; `ProductionConfig.validate` writes to the class, so undo that."""
    for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI"):
        monkeypatch.setattr(ProductionConfig, name, getattr(ProductionConfig, name))
    for name in ("SECRET_KEY", "DATABASE_URL", "CRM_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'production.sqlite'}"


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="unset"),
        pytest.param("", id="empty"),
        pytest.param("change-me", id="change-me"),
        pytest.param("development-only-secret", id="the-development-default"),
        pytest.param(secrets.token_hex(15) + "a", id="31-characters"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(production_env, tmp_path, secret):
    production_env.setenv("DATABASE_URL", sqlite_url(tmp_path))
    if secret is not None:
        production_env.setenv("SECRET_KEY", secret)

    with pytest.raises(ConfigError, match="SECRET_KEY") as raised:
        create_app(ProductionConfig)

    assert "DATABASE_URL" not in str(raised.value)


def test_production_refuses_to_start_without_a_database_url(production_env):
    production_env.setenv("SECRET_KEY", GOOD_SECRET)

    with pytest.raises(ConfigError, match="DATABASE_URL") as raised:
        create_app(ProductionConfig)

    assert "SECRET_KEY" not in str(raised.value)


def test_production_names_every_missing_variable_at_once(production_env):
    with pytest.raises(ConfigError) as raised:
        create_app(ProductionConfig)

    assert "SECRET_KEY" in str(raised.value)
    assert "DATABASE_URL" in str(raised.value)


def test_production_starts_with_a_random_key_and_a_database(production_env, tmp_path):
    production_env.setenv("SECRET_KEY", GOOD_SECRET)
    production_env.setenv("DATABASE_URL", sqlite_url(tmp_path))

    app = create_app(ProductionConfig)

    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite_url(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_ALLOWED"] is False
    assert not app.testing


def test_production_session_cookies_are_secure_http_only_and_same_site(production_env, tmp_path):
    production_env.setenv("SECRET_KEY", GOOD_SECRET)
    production_env.setenv("DATABASE_URL", sqlite_url(tmp_path))
    app = create_app(ProductionConfig)

    response = app.test_client().get("/login", base_url="https://crm.example.org")

    assert response.status_code == 200
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_demo_data_is_never_loaded_in_production(production_env, tmp_path):
    production_env.setenv("SECRET_KEY", GOOD_SECRET)
    production_env.setenv("DATABASE_URL", sqlite_url(tmp_path))
    app = create_app(ProductionConfig)
    with app.app_context():
        upgrade()
        db.session.remove()
    tables_before = _row_counts(app)

    result = app.test_cli_runner().invoke(args=["crm", "demo"])

    assert result.exit_code != 0
    assert "never loaded in production" in result.output
    assert "Demo accounts" not in result.output
    assert _row_counts(app) == tables_before
    assert set(tables_before.values()) == {0}


def _row_counts(app) -> dict[str, int]:
    with app.app_context():
        try:
            names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert names, "the production database was not migrated"
            with db.engine.connect() as connection:
                return {
                    name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                    for name in sorted(names)
                }
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, DevelopmentConfig, id="unset"),
        pytest.param("development", DevelopmentConfig, id="development"),
        pytest.param("testing", TestingConfig, id="testing"),
        pytest.param("production", ProductionConfig, id="production"),
        pytest.param(" Production ", ProductionConfig, id="case-and-spaces"),
    ],
)
def test_crm_env_selects_the_configuration(production_env, value, expected):
    if value is not None:
        production_env.setenv("CRM_ENV", value)

    assert config_from_env() is expected


def test_an_unknown_crm_env_is_refused(production_env):
    production_env.setenv("CRM_ENV", "staging")

    with pytest.raises(ConfigError, match="staging") as raised:
        config_from_env()

    assert "production" in str(raised.value)


def test_the_config_module_offers_each_environment():
    assert set(config.CONFIGS) == {"development", "testing", "production"}
