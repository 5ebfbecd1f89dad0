"""Write routes of the auth feature, for tests/test_write_routes.py."""

from __future__ import annotations

import sqlalchemy as sa

from crm.auth.models import UserSession
from crm.extensions import db
from tests.auth.factor import SECRET, code_at, enrol
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


def _reauthenticate(world: World) -> tuple[str, dict[str, str]]:
    return "/reauthenticate", {"password": PASSWORD}


def _start_factor(world: World) -> tuple[str, dict[str, str]]:
    return "/account/second-factor/start", {}


def _confirm_factor(world: World) -> tuple[str, dict[str, str]]:
    world.member.totp_pending_secret = SECRET
    db.session.commit()
    return "/account/second-factor", {"code": code_at(SECRET)}


def _with_factor(url: str, who: str = "member"):
    def build(world: World) -> tuple[str, dict[str, str]]:
        user = getattr(world, who)
        enrol(user)
        return url.format(user=user), {}

    return build


def _disable(world: World) -> tuple[str, dict[str, str]]:
    return f"/admin/users/{world.staff.id}/disable", {}


def _enable(world: World) -> tuple[str, dict[str, str]]:
    world.staff.is_enabled = False
    db.session.commit()
    return f"/admin/users/{world.staff.id}/enable", {}


CASES = [
    WriteCase(
        "auth.reauthenticate",
        actor="member",
        audit="reauthenticated",
        build=_reauthenticate,
        forbidden=(),
        ok=(302,),
    ),
    WriteCase(
        "auth.start_second_factor",
        actor="member",
        audit="second_factor_enrolment_started",
        build=_start_factor,
        forbidden=(),
    ),
    # The first code confirms the factor; the page then shows the recovery codes once (200).
    WriteCase(
        "auth.second_factor",
        actor="member",
        audit="second_factor_enrolled",
        build=_confirm_factor,
        forbidden=(),
        ok=(200,),
    ),
    WriteCase(
        "auth.regenerate_recovery_codes",
        actor="member",
        audit="recovery_codes_regenerated",
        build=_with_factor("/account/second-factor/recovery-codes"),
        forbidden=(),
        ok=(200,),
    ),
    WriteCase(
        "auth.turn_off_second_factor",
        actor="member",
        audit="second_factor_disabled",
        build=_with_factor("/account/second-factor/off"),
        forbidden=(),
    ),
    WriteCase(
        "auth.reset_second_factor",
        actor="admin",
        audit="second_factor_reset",
        build=_with_factor("/admin/users/{user.id}/second-factor/reset", who="staff"),
        forbidden=("member", "coordinator", "staff"),
    ),
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
