"""Write routes of the languages, for tests/test_write_routes.py."""

from __future__ import annotations

from tests.world import World
from tests.write_routes import WriteCase


def _language(world: World) -> tuple[str, dict[str, str]]:
    return "/account/language", {"locale": "ro"}


CASES = [
    # Everyone chooses their own language: there is nobody to refuse.
    WriteCase(
        "i18n.account_language",
        actor="member",
        audit="language_changed",
        build=_language,
        forbidden=(),
    )
]
