"""Configuration: production refuses to start on a guessable key or a missing database."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import config
from config import ConfigError, DevelopmentConfig, ProductionConfig, TestingConfig, config_from_env
from crm import create_app
from crm.extensions import db

# 64 characters from 64 symbols (a 64-digit hex key has fewer than 16 different digits
# about once in 40 draws, and would be refused).
GOOD_SECRET = secrets.token_urlsafe(48)
# What `ProductionConfig.validate` reads from the environment and writes to the class.
ENVIRONMENT = (
    "SECRET_KEY",
    "DATABASE_URL",
    "CRM_ENV",
    "TRUSTED_HOSTS",
    "SERVER_NAME",
    "HSTS_MAX_AGE",
    "HSTS_INCLUDE_SUBDOMAINS",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_SINGLE_PROCESS",
    "CELERY_BROKER_URL",
)
CLASS_SETTINGS = (
    "SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI",
    "TRUSTED_HOSTS",
    "SERVER_NAME",
    "HSTS_MAX_AGE",
    "HSTS_INCLUDE_SUBDOMAINS",
    "RATELIMIT_STORAGE_URI",
    "CELERY_BROKER_URL",
)


@pytest.fixture(autouse=True)
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean environment; `ProductionConfig.validate` writes to the class, so undo that."""
    for name in CLASS_SETTINGS:
        monkeypatch.setattr(ProductionConfig, name, getattr(ProductionConfig, name))
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'production.sqlite'}"


def ready_for_production(env: pytest.MonkeyPatch, tmp_path: Path, **overrides: str) -> None:
    """Every variable production needs, with `overrides` on top ("" unsets one)."""
    values = {
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": sqlite_url(tmp_path),
        "TRUSTED_HOSTS": "crm.example.org",
        "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
        "CELERY_BROKER_URL": "redis://redis.internal:6379/1",
    } | overrides
    for name, value in values.items():
        if value:
            env.setenv(name, value)
        else:
            env.delenv(name, raising=False)


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="unset"),
        pytest.param("", id="empty"),
        pytest.param("change-me", id="change-me"),
        pytest.param("development-only-secret", id="the-development-default"),
        pytest.param(secrets.token_hex(15) + "a", id="31-characters"),
        pytest.param("a" * 32, id="one-character-repeated"),
        pytest.param("0123456789abcd" * 4, id="14-different-characters"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(production_env, tmp_path, secret):
    ready_for_production(production_env, tmp_path, SECRET_KEY=secret or "")

    with pytest.raises(ConfigError, match="SECRET_KEY") as raised:
        create_app(ProductionConfig)

    assert "DATABASE_URL" not in str(raised.value)
    assert "TRUSTED_HOSTS" not in str(raised.value)


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        pytest.param("x" * 31, "is 31 characters long; it needs at least 32", id="short"),
        pytest.param("a" * 32, "has only 1 different characters", id="repeated"),
        pytest.param("abcdefghijklmno" * 3, "has only 15 different characters", id="15"),
        pytest.param("0123456789abcdef" * 2, "repeats its first 16 characters", id="pattern"),
    ],
)
def test_the_refusal_says_what_is_wrong_with_the_secret_key(
    production_env, tmp_path, secret, problem
):
    ready_for_production(production_env, tmp_path, SECRET_KEY=secret)

    with pytest.raises(ConfigError, match=problem) as raised:
        create_app(ProductionConfig)

    assert "secrets.token_urlsafe" in str(raised.value)


def test_a_key_of_32_characters_with_16_different_ones_is_enough(production_env, tmp_path):
    secret = "0123456789abcdef" + "fedcba9876543210"
    ready_for_production(production_env, tmp_path, SECRET_KEY=secret)

    assert create_app(ProductionConfig).config["SECRET_KEY"] == secret


def test_production_refuses_to_start_without_a_database_url(production_env, tmp_path):
    ready_for_production(production_env, tmp_path, DATABASE_URL="")

    with pytest.raises(ConfigError, match="DATABASE_URL") as raised:
        create_app(ProductionConfig)

    assert "SECRET_KEY" not in str(raised.value)


def test_production_names_every_missing_variable_at_once(production_env):
    with pytest.raises(ConfigError) as raised:
        create_app(ProductionConfig)

    for variable in (
        "SECRET_KEY",
        "DATABASE_URL",
        "TRUSTED_HOSTS",
        "RATELIMIT_STORAGE_URI",
        "CELERY_BROKER_URL",
    ):
        assert variable in str(raised.value)


def test_production_starts_with_a_random_key_and_a_database(production_env, tmp_path):
    ready_for_production(production_env, tmp_path)

    app = create_app(ProductionConfig)

    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite_url(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_ALLOWED"] is False
    assert app.config["TRUSTED_HOSTS"] == ["crm.example.org"]
    assert app.config["SERVER_NAME"] == "crm.example.org"
    assert app.config["HSTS_MAX_AGE"] == 31_536_000
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/0"
    assert app.config["CELERY_BROKER_URL"] == "redis://redis.internal:6379/1"
    assert not app.testing


@pytest.mark.parametrize(
    "broker", ["", "sqla+sqlite:////srv/crm/broker.sqlite", "memory://", "filesystem://"]
)
def test_production_refuses_a_broker_that_only_one_machine_sees(production_env, tmp_path, broker):
    ready_for_production(production_env, tmp_path, CELERY_BROKER_URL=broker)

    with pytest.raises(ConfigError, match="CELERY_BROKER_URL must name the job queue's broker"):
        create_app(ProductionConfig)


@pytest.mark.parametrize("broker", ["amqp://crm:pw@rabbitmq.internal//", "rediss://r:6380/0"])
def test_production_takes_redis_or_rabbitmq_as_its_broker(production_env, tmp_path, broker):
    ready_for_production(production_env, tmp_path, CELERY_BROKER_URL=broker)

    assert create_app(ProductionConfig).config["CELERY_BROKER_URL"] == broker


def test_production_session_cookies_are_secure_http_only_and_same_site(production_env, tmp_path):
    ready_for_production(production_env, tmp_path)
    app = create_app(ProductionConfig)

    response = app.test_client().get("/login", base_url="https://crm.example.org")

    assert response.status_code == 200
    [cookie] = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
    ]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    # The __Host- prefix: browsers keep the cookie only with Path=/ and no Domain.
    assert "path=/" in attributes
    assert not [a for a in attributes if a.startswith("domain")]


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        pytest.param({"TRUSTED_HOSTS": ""}, "TRUSTED_HOSTS", id="no-trusted-hosts"),
        pytest.param(
            {"TRUSTED_HOSTS": "https://crm.example.org"}, "TRUSTED_HOSTS", id="a-url-not-a-host"
        ),
        pytest.param(
            {"TRUSTED_HOSTS": "", "SERVER_NAME": "crm.example.org/"}, "SERVER_NAME", id="slash"
        ),
        pytest.param({"RATELIMIT_STORAGE_URI": ""}, "RATELIMIT_STORAGE_URI", id="default-memory"),
        pytest.param(
            {"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_SINGLE_PROCESS", id="memory"
        ),
        pytest.param({"HSTS_MAX_AGE": "a year"}, "HSTS_MAX_AGE", id="hsts-not-a-number"),
        pytest.param({"HSTS_MAX_AGE": "-1"}, "HSTS_MAX_AGE", id="hsts-negative"),
        pytest.param(
            {"MFA_REQUIRED_ROLES": "admin,coordinators"}, "MFA_REQUIRED_ROLES", id="mfa-typo"
        ),
        pytest.param({"MFA_REQUIRED_ROLES": " "}, "MFA_REQUIRED_ROLES", id="mfa-off"),
        pytest.param(
            {"MFA_REQUIRED_ROLES": "admin,coordinator"}, "MFA_REQUIRED_ROLES", id="mfa-no-section"
        ),
    ],
)
def test_production_refuses_to_start_naming_the_setting_to_fix(
    production_env, tmp_path, overrides, variable
):
    ready_for_production(production_env, tmp_path, **overrides)

    with pytest.raises(ConfigError, match=variable) as raised:
        create_app(ProductionConfig)

    assert "SECRET_KEY" not in str(raised.value)


def test_server_name_alone_is_enough_and_names_the_links_host(production_env, tmp_path):
    ready_for_production(production_env, tmp_path, TRUSTED_HOSTS="", SERVER_NAME="crm.example.org")

    app = create_app(ProductionConfig)

    assert app.config["SERVER_NAME"] == "crm.example.org"
    assert app.config["TRUSTED_HOSTS"] is None


def test_a_host_pattern_alone_is_refused_without_a_server_name(production_env, tmp_path):
    ready_for_production(production_env, tmp_path, TRUSTED_HOSTS=".example.org")

    with pytest.raises(ConfigError, match="SERVER_NAME"):
        create_app(ProductionConfig)


def test_a_host_pattern_with_a_server_name_names_the_links_host(production_env, tmp_path):
    ready_for_production(
        production_env, tmp_path, TRUSTED_HOSTS=".example.org", SERVER_NAME="crm.example.org"
    )

    app = create_app(ProductionConfig)

    assert app.config["TRUSTED_HOSTS"] == [".example.org"]
    assert app.config["SERVER_NAME"] == "crm.example.org"


def test_memory_rate_limits_are_allowed_when_told_the_app_runs_as_one_process(
    production_env, tmp_path
):
    ready_for_production(
        production_env, tmp_path, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_SINGLE_PROCESS="1"
    )

    app = create_app(ProductionConfig)

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_demo_data_is_never_loaded_in_production(production_env, tmp_path):
    ready_for_production(production_env, tmp_path, RATELIMIT_STORAGE_URI="memory://")
    production_env.setenv("RATELIMIT_SINGLE_PROCESS", "1")
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


def test_the_roles_production_checks_are_the_roles_there_are():
    from crm.auth.models import Role

    assert set(config.ROLE_NAMES) == {role.value for role in Role}
