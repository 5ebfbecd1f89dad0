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


def _hosts(value: str | None) -> list[str]:
    """TRUSTED_HOSTS as a list: names separated by commas or spaces, lower-cased."""
    return [host.strip().lower() for host in (value or "").replace(",", " ").split()]


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'crm.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    # PostgreSQL: how long a statement waits for a lock another transaction holds (then 503).
    PG_LOCK_TIMEOUT_MS = int(os.environ.get("PG_LOCK_TIMEOUT_MS", "5000"))
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
    # Strict-Transport-Security max-age in seconds; 0 sends none (development is plain HTTP).
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", "0"))
    HSTS_INCLUDE_SUBDOMAINS = _bool("HSTS_INCLUDE_SUBDOMAINS", True)
    # The host names this app answers to (others get 400), and the one its absolute links
    # (calendar feeds, e-mails) name. Unset, any Host is accepted: development only.
    TRUSTED_HOSTS: list[str] | None = _hosts(os.environ.get("TRUSTED_HOSTS")) or None
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    # The security log marks an account refused this many times within an hour.
    SECURITY_REPEATED_REFUSALS = int(os.environ.get("SECURITY_REPEATED_REFUSALS", "5"))
    SECURITY_ROWS_PER_MINUTE = int(os.environ.get("SECURITY_ROWS_PER_MINUTE", "30"))
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
    # A long list counts its rows up to this many, then says "more than" (crm.queries).
    COUNT_CAP = 5000
    # Overrides of the risk model's numbers (crm/risk/model.py RiskConfig), e.g.
    # RISK_MODEL='{"undecided": 0.45, "near_days": 21}'.
    RISK_MODEL: dict = json.loads(os.environ.get("RISK_MODEL", "{}"))
    STALE_STANCE_DAYS = int(RISK_MODEL.get("stale_days", 180))
    DEMO_ALLOWED = True

    # The job queue (crm/jobs). Production: Redis (redis://host:6379/0) or RabbitMQ
    # (amqp://user:password@host//), shared by every web server, worker and scheduler.
    # Unset: a file in instance/ through Kombu's SQLAlchemy transport, which needs no
    # server but serves one machine only and loses a message taken by a worker that dies.
    CELERY_BROKER_URL = os.environ.get(
        "CELERY_BROKER_URL", f"sqla+sqlite:///{INSTANCE_DIR / 'broker.sqlite'}"
    )
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "crm")
    # Attempts before a job is shown as failed, and the first wait between two (doubling).
    JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "5"))
    JOBS_RETRY_SECONDS = float(os.environ.get("JOBS_RETRY_SECONDS", "30"))
    # How long a worker's claim on a job holds: a job whose worker died is taken over by
    # its next delivery after this long. Longer than the longest job.
    JOBS_LEASE_SECONDS = float(os.environ.get("JOBS_LEASE_SECONDS", "900"))
    # How often an import's worker writes how far it has got (a short transaction each time).
    JOBS_PROGRESS_SECONDS = float(os.environ.get("JOBS_PROGRESS_SECONDS", "0.5"))
    PACKS_FOLDER = os.environ.get("PACKS_FOLDER", str(INSTANCE_DIR / "packs"))  # made PDFs
    # The PDFs' fonts decompressed once (crm/briefings/render.py), for every process after.
    PDF_FONT_CACHE = os.environ.get("PDF_FONT_CACHE", str(INSTANCE_DIR / "pdf-fonts"))

    # E-mail (crm/mail). With MAIL_SERVER unset, every message is written to MAIL_FOLDER
    # (instance/mail/) instead, and admins read them at /admin/mail. Port 587 with STARTTLS
    # (MAIL_USE_TLS) or 465 with TLS from the start (MAIL_USE_SSL); a login when a user is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "ICC campaign CRM <crm@localhost>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))
    # Certificates to trust for the mail server (a private CA); unset, the system's.
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE") or None
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER", str(INSTANCE_DIR / "mail"))
    # Attempts at handing one message to the SMTP server before it is shown as failed.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
    # The address links in e-mails start with (https://crm.example.org); without it, the
    # SERVER_NAME over http in development.
    PUBLIC_URL = (os.environ.get("PUBLIC_URL") or "").rstrip("/") or None


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
    # Every audit entry the suite makes the application write is checked against its
    # action's shape (crm/audit/actions.py).
    AUDIT_SHAPES_CHECKED = True
    # Jobs asked for by pages under test wait in memory; the job tests start real workers
    # on Redis and on the embedded broker with a queue of their own.
    CELERY_BROKER_URL = "memory://"
    # Nothing is written into the project's instance/ folder; the mail tests name their own.
    MAIL_FOLDER = str(Path(os.environ.get("TMPDIR", "/tmp")) / "crm-test-mail")  # noqa: S108
    PACKS_FOLDER = str(Path(os.environ.get("TMPDIR", "/tmp")) / "crm-test-packs")  # noqa: S108
    PDF_FONT_CACHE = str(Path(os.environ.get("TMPDIR", "/tmp")) / "crm-test-pdf-fonts")  # noqa: S108


HSTS_ONE_YEAR = 365 * 24 * 3600


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for the path
    # "/" and without a Domain: no other host or path of the site can set or shadow it.
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_NAME = "__Host-remember" if SESSION_COOKIE_SECURE else "remember_token"
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    PREFERRED_URL_SCHEME = "https"
    HSTS_MAX_AGE = HSTS_ONE_YEAR
    DEMO_ALLOWED = False
    # Everyone who can read restricted contacts (SPEC §6); staff may enrol voluntarily.
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "admin,coordinator,section")

    @classmethod
    def validate(cls) -> None:
        """Fail fast, naming each missing variable, before anything is served."""
        problems = [
            *_secret_key_problems(os.environ.get("SECRET_KEY", "")),
            *_host_problems(),
            *_rate_limit_problems(),
            *_second_factor_problems(),
            *_broker_problems(),
        ]
        if not os.environ.get("DATABASE_URL"):
            problems.append(
                "DATABASE_URL must be set (for example "
                "postgresql+psycopg://crm:password@db.internal/crm)"
            )
        hsts = os.environ.get("HSTS_MAX_AGE", str(HSTS_ONE_YEAR)).strip()
        if not hsts.isdigit():
            problems.append(
                "HSTS_MAX_AGE must be a whole number of seconds (31536000 is a year; "
                "0 sends no Strict-Transport-Security header)"
            )
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems))
        cls.SECRET_KEY = os.environ["SECRET_KEY"]
        cls.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        cls.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
        cls.HSTS_MAX_AGE = int(hsts)
        cls.HSTS_INCLUDE_SUBDOMAINS = _bool("HSTS_INCLUDE_SUBDOMAINS", True)
        trusted = _hosts(os.environ.get("TRUSTED_HOSTS"))
        cls.TRUSTED_HOSTS = trusted or None
        # Absolute links name SERVER_NAME, whatever Host a request names; without it, the
        # first trusted host (a ".example.org" pattern names no single host).
        server_name = os.environ.get("SERVER_NAME", "").strip().lower()
        if not server_name and not trusted[0].startswith("."):
            server_name = trusted[0]
        cls.SERVER_NAME = server_name or None
        cls.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")


# A key worth its name: long, and not a short pattern repeated ("aaaa…", "abab…").
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_DISTINCT = 16
_KEY_EXAMPLE_COMMAND = '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'


def _secret_key_problems(secret: str) -> list[str]:
    if secret.strip().lower() in _WEAK_SECRETS:
        return [f"SECRET_KEY must be set to a random value {_KEY_EXAMPLE_COMMAND}"]
    if len(secret) < SECRET_KEY_MIN_LENGTH:
        return [
            f"SECRET_KEY is {len(secret)} characters long; it needs at least "
            f"{SECRET_KEY_MIN_LENGTH} {_KEY_EXAMPLE_COMMAND}"
        ]
    distinct = len(set(secret))
    if distinct < SECRET_KEY_MIN_DISTINCT:
        return [
            f"SECRET_KEY has only {distinct} different characters; a random key has at "
            f"least {SECRET_KEY_MIN_DISTINCT} {_KEY_EXAMPLE_COMMAND}"
        ]
    # "0123456789abcdef" twice has 16 different characters, and no more secret in it.
    for size in range(1, len(secret) // 2 + 1):
        if secret == (secret[:size] * (len(secret) // size + 1))[: len(secret)]:
            return [
                f"SECRET_KEY repeats its first {size} characters; use a random value "
                f"{_KEY_EXAMPLE_COMMAND}"
            ]
    return []


def _host_problems() -> list[str]:
    """Absolute links must never name whatever host a request claims to be for."""
    server_name = os.environ.get("SERVER_NAME", "").strip()
    trusted = _hosts(os.environ.get("TRUSTED_HOSTS"))
    if not server_name and not trusted:
        return [
            "TRUSTED_HOSTS (or SERVER_NAME) must name the host the app is served as, for "
            "example TRUSTED_HOSTS=crm.example.org: requests for other hosts are refused and "
            "links in calendar feeds never follow a forged Host header"
        ]
    if not server_name and all(host.startswith(".") for host in trusted):
        return [
            "SERVER_NAME must name the host absolute links use when TRUSTED_HOSTS holds only "
            "patterns such as .example.org (links must never follow a request's Host header)"
        ]
    named = [("SERVER_NAME", server_name)] if server_name else []
    named += [("TRUSTED_HOSTS", host) for host in trusted]
    return [
        f"{variable} takes host names only, not {host!r} (for example crm.example.org)"
        for variable, host in named
        if "/" in host or "@" in host
    ]


# The roles of crm.auth.models.Role (a test keeps the two alike): a misspelt role in
# MFA_REQUIRED_ROLES would quietly require the second factor of fewer people.
ROLE_NAMES = ("admin", "coordinator", "section", "staff")
READERS_OF_RESTRICTED = ("admin", "coordinator", "section")


def _second_factor_problems() -> list[str]:
    setting = os.environ.get("MFA_REQUIRED_ROLES", "admin,coordinator,section")
    unknown = [
        name.strip()
        for name in setting.split(",")
        if name.strip() and name.strip().lower() not in ROLE_NAMES
    ]
    if unknown:
        return [
            f"MFA_REQUIRED_ROLES names no such role: {', '.join(unknown)} "
            f"(the roles are {', '.join(ROLE_NAMES)})"
        ]
    named = {name.strip().lower() for name in setting.split(",")}
    missing = [role for role in READERS_OF_RESTRICTED if role not in named]
    if missing:
        return [
            f"MFA_REQUIRED_ROLES must include {', '.join(missing)}: everyone who can read "
            "restricted contacts signs in with a second factor in production (staff may be "
            "added)"
        ]
    return []


def _broker_problems() -> list[str]:
    """The embedded broker is one file on one machine and loses the message of a worker
    that dies: production names a server that every machine shares."""
    url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if not url.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
        return [
            "CELERY_BROKER_URL must name the job queue's broker, such as "
            "redis://redis.internal:6379/1 or amqp://crm:password@rabbitmq.internal//"
        ]
    return []


def _rate_limit_problems() -> list[str]:
    """Counting requests in each process's memory lets every extra worker multiply the
    limits; several workers must share one store."""
    uri = os.environ.get("RATELIMIT_STORAGE_URI", "memory://").strip()
    if uri.startswith("memory://") and not _bool("RATELIMIT_SINGLE_PROCESS", False):
        return [
            "RATELIMIT_STORAGE_URI must name a store every worker shares, such as "
            "redis://redis.internal:6379/0 (memory:// counts each process on its own); "
            "set RATELIMIT_SINGLE_PROCESS=1 if the app really runs as one process"
        ]
    return []


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
