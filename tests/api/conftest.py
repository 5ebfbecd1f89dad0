"""API tests: a bearer token for any user, made the way a user makes one."""

from __future__ import annotations

import pytest

from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.extensions import db


@pytest.fixture
def bearer():
    """`bearer(user)` → the Authorization header of a new API token of that user."""

    def make(user) -> dict[str, str]:
        raw, _token = create_token(None, user, name="tests", scope=TokenScope.API)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make
