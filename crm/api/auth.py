"""Bearer-token authentication for the API (tokens are stored hashed; see crm.auth)."""

from __future__ import annotations

from flask import g, request

from crm.auth.models import TokenScope, User
from crm.errors import problem
from crm.web import token_user


def _unauthorised(detail: str):
    response = problem(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def authenticate():
    """Resolve `Authorization: Bearer <token>` to an enabled user, or answer 401.

    Runs before every request to the API blueprint, so no endpoint can forget it.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        return _unauthorised("Send an API token: Authorization: Bearer <token>.")
    user = token_user(raw, TokenScope.API)
    if user is None:
        return _unauthorised("The token is unknown, revoked or expired.")
    g.api_user = user
    return None


def api_user() -> User:
    return g.api_user
