"""The parliamentary advocacy CRM: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, ProductionConfig

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] = Config, **overrides: object) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors, commands."""
    from crm.web import App

    if issubclass(config_class, ProductionConfig):
        config_class.validate()
    app = App(
        __name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance")
    )
    app.config.from_object(config_class)
    app.config.update(overrides)

    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_cli(app)
    _register_request_hooks(app)
    _init_templates(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    return app


def _init_extensions(app: Flask) -> None:
    from crm import models  # noqa: F401 - every mapped class must be known
    from crm.auth.login import init_login
    from crm.db import configure_postgresql, configure_sqlite
    from crm.extensions import csrf, db, limiter, migrate
    from crm.i18n import init_i18n
    from crm.jobs.queue import init_celery
    from crm.jobs.services import init_sending
    from crm.risk.services import init_change_snapshots

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine, app.config["PG_LOCK_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    init_i18n(app, str(Path(__file__).parent / "translations"))
    init_change_snapshots()
    init_celery(app)
    init_sending()


def _register_blueprints(app: Flask) -> None:
    from crm.activity.views import bp as activity_bp
    from crm.api import init_api
    from crm.audit.views import bp as audit_bp
    from crm.auth.views import bp as auth_bp
    from crm.briefings.views import bp as briefings_bp
    from crm.events.views import bp as events_bp
    from crm.health import bp as health_bp
    from crm.i18n import bp as i18n_bp
    from crm.interactions.views import bp as interactions_bp
    from crm.interchange.views import bp as interchange_bp
    from crm.jobs.views import bp as jobs_bp
    from crm.mail.views import bp as mail_bp
    from crm.parliament.views import bp as parliament_bp
    from crm.risk.views import bp as risk_bp
    from crm.security.views import bp as security_bp
    from crm.states.key_message_views import bp as key_messages_bp
    from crm.states.views import bp as states_bp
    from crm.votes.views import bp as votes_bp

    for blueprint in (
        health_bp,
        auth_bp,
        states_bp,
        key_messages_bp,
        parliament_bp,
        interactions_bp,
        events_bp,
        votes_bp,
        audit_bp,
        security_bp,
        risk_bp,
        briefings_bp,
        interchange_bp,
        jobs_bp,
        mail_bp,
        activity_bp,
        i18n_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


def _register_errors(app: Flask) -> None:
    from crm.errors import register_error_handlers

    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from crm.cli import crm_cli

    app.cli.add_command(crm_cli)


def _register_request_hooks(app: Flask) -> None:
    from crm.security.log import init_security_log
    from crm.web import init_web

    init_web(app)
    # Every 401 and 403, pages and API alike, is written to the security log.
    init_security_log(app)


def _init_templates(app: Flask) -> None:
    from crm.templating import init_templates

    init_templates(app)
