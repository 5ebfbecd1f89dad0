"""Write routes of the auth feature, for tests/test_write_routes.py."""

from __future__ import annotations

import sqlalchemy as sa

from crm.auth.models import UserSession
from crm.extensions import db
from tests.factories import PASSWORD
from tests.world import World
from tests.write_routes import WriteCase


def _password(world: World) -> tuple[str, dict[str, str]]:
    return "/account", {
        "current_password": PASSWORD,
        "new_password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
    }


def _revoke(world: World) -> tuple[str, dict[str, str]]:
    # The test signs in, which opens a session; revoke an older one of the same user.
    session = db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == world.member.id)
    ).first()
    return f"/account/sessions/{session.id}/revoke", {}


def _disable(world: World) -> tuple[str, dict[str, str]]:
    return f"/admin/users/{world.staff.id}/disable", {}


def _enable(world: World) -> tuple[str, dict[str, str]]:
    world.staff.is_enabled = False
    db.session.commit()
    return f"/admin/users/{world.staff.id}/enable", {}


CASES = [
    WriteCase(
        "auth.account",
        actor="member",
        audit="password_changed",
        build=_password,
        forbidden=(),
        ok=(302,),
    ),
    WriteCase(
        "auth.revoke_session", actor="member", audit="session_revoked", build=_revoke, forbidden=()
    ),
    WriteCase(
        "auth.set_enabled",
        actor="admin",
        audit="user_disabled",
        build=_disable,
        forbidden=("member", "coordinator", "staff"),
        variant="disable",
    ),
    WriteCase(
        "auth.set_enabled",
        actor="admin",
        audit="user_enabled",
        build=_enable,
        forbidden=("member", "coordinator"),
        variant="enable",
    ),
]
