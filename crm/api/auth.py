"""Bearer-token authentication for the API (tokens are stored hashed; see crm.auth)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from crm.auth.models import TokenScope, User
from crm.auth.services import user_for_token
from crm.errors import problem


def _unauthorised(detail: str):
    response = problem(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve `Authorization: Bearer <token>` to an enabled user, or answer 401."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return _unauthorised("Send an API token: Authorization: Bearer <token>.")
        user = user_for_token(raw.strip(), TokenScope.API)
        if user is None:
            return _unauthorised("The token is unknown, revoked or expired.")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def api_user() -> User:
    return g.api_user
