"""Configuration classes, read from the environment.

`create_app` takes one of these classes. Production refuses to start without a real
`SECRET_KEY` and `DATABASE_URL` so that a forgotten variable cannot silently ship a
guessable key or an SQLite file inside a container.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Values that look like placeholders are refused in production.
_WEAK_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development-only-secret"}


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a usable configuration."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'crm.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    # The largest request read: a CSV roster upload (5 MiB) and its form, with room to spare.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # How long a signed-in session lives without activity, and at most.
    SESSION_IDLE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_IDLE_HOURS", "12")))
    SESSION_MAX_AGE = timedelta(days=int(os.environ.get("SESSION_MAX_DAYS", "14")))
    PERMANENT_SESSION_LIFETIME = SESSION_MAX_AGE

    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    # Roles (comma-separated) that must sign in with a second factor; such a user without one
    # is sent to set it up at sign-in. Empty here: development, the demo and the tests sign in
    # with a password (anyone may still set one up). Production requires it by default.
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "")
    # The name authenticator apps show next to the account.
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "ICC campaign CRM")
    # How long a password (and code) entered counts before sensitive changes ask again.
    REAUTH_MAX_AGE = timedelta(minutes=int(os.environ.get("REAUTH_MINUTES", "10")))

    # Trust X-Forwarded-* from this many proxies (0 when serving directly).
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    PAGE_SIZE = 50
    # Overrides of the risk model's numbers (crm/risk/model.py RiskConfig), e.g.
    # RISK_MODEL='{"undecided": 0.45, "near_days": 21}'.
    RISK_MODEL: dict = json.loads(os.environ.get("RISK_MODEL", "{}"))
    STALE_STANCE_DAYS = int(RISK_MODEL.get("stale_days", 180))
    DEMO_ALLOWED = True


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - fixed key for reproducible tests
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hashing keeps tests quick


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    DEMO_ALLOWED = False
    # Everyone who can read restricted contacts (SPEC §6); staff may enrol voluntarily.
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "admin,coordinator,section")

    @classmethod
    def validate(cls) -> None:
        """Fail fast, naming each missing variable, before anything is served."""
        problems = []
        secret = os.environ.get("SECRET_KEY", "")
        if secret.strip().lower() in _WEAK_SECRETS or len(secret) < 32:
            problems.append(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))")'
            )
        if not os.environ.get("DATABASE_URL"):
            problems.append(
                "DATABASE_URL must be set (for example "
                "postgresql+psycopg://crm:password@db.internal/crm)"
            )
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))
        cls.SECRET_KEY = secret
        cls.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The configuration class named by CRM_ENV (development when unset)."""
    name = os.environ.get("CRM_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"CRM_ENV={name!r} is not one of: {', '.join(sorted(CONFIGS))}") from None
