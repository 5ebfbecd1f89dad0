"""Flask-Login wiring: the cookie holds a server-side session token, not the user id."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext

from crm.auth.models import User
from crm.extensions import login_manager
from crm.i18n import marked


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = marked("Please sign in to see this page.")
    # Said in the reader's language (Flask-Login passes its messages through this).
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    # A stolen cookie used from elsewhere is not prevented by this, but it is revocable:
    # "strong" would sign people out whenever a phone changes network.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        from crm.auth.services import load_session_user

        return load_session_user(token)
