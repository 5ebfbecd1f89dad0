"""Write routes of the mail feature, for tests/test_write_routes.py."""

from __future__ import annotations

from tests.world import World
from tests.write_routes import WriteCase


def _choices(world: World) -> tuple[str, dict[str, str]]:
    return "/account/notifications", {
        "kinds": "vote_ahead",
        "time_zone": "Europe/Bucharest",
        "digest_weekday": "2",
        "digest_hour": "7",
    }


CASES = [
    # Everyone chooses their own messages: there is nobody to refuse.
    WriteCase(
        "mail.settings", actor="member", audit="notifications_changed", build=_choices, forbidden=()
    )
]
