"""The registry of every route that writes, for the cross-cutting tests.

Each feature lists its write routes in `tests/<feature>/routes.py` as `CASES`: how to
build a valid form for the route against a `tests.world.World`, who may submit it, who
may not, and the audit action it must write. `tests/test_write_routes.py` then checks,
for every POST route in the URL map, that it has a case; that the allowed user's valid
submission writes its audit entry; that each forbidden user gets 403 and nothing is
written; and that generated junk never causes a server error or a partial write.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.world import World

# Routes that write but are tested on their own, with the reason.
EXEMPT = {
    "auth.login": "anonymous; sign-in and its audit entries are tested in tests/auth",
    "auth.logout": "ends the session the tests run in; tested in tests/auth",
    "auth.login_code": "anonymous (between password and code); tested in tests/auth",
    "auth.login_enrol": "anonymous (between password and code); tested in tests/auth",
    # The JSON API takes bearer tokens and JSON, not signed-in forms: tests/api checks
    # its writes (audit, permission matrix, no partial write) and schemathesis its junk.
    "api.record_stance": "JSON API; tested in tests/api",
    "api.create_interaction": "JSON API; tested in tests/api",
    "api.create_follow_up": "JSON API; tested in tests/api",
    "api.set_follow_up_status": "JSON API; tested in tests/api",
    "api.create_event": "JSON API; tested in tests/api",
    "api.update_interaction": "JSON API; tested in tests/api",
    "api.update_event": "JSON API; tested in tests/api",
    "api.create_invitations": "JSON API; tested in tests/events/test_do_not_contact.py",
    # A message's one-click link (RFC 8058): no session and no CSRF token, the signed token
    # is the proof; tests/mail checks what it stops, its audit entry and forged tokens.
    "mail.unsubscribe": "anonymous, signed link from a message; tested in tests/mail",
}


@dataclass(frozen=True)
class WriteCase:
    """One way to call a write route."""

    endpoint: str
    # The world's user who may do it, and the audit action it must write.
    actor: str
    audit: str
    # Returns the URL and a valid form (without the CSRF token).
    build: Callable[[World], tuple[str, dict[str, str]]]
    # The world's users who must get 403 (and write nothing).
    forbidden: tuple[str, ...] = ("other_member", "staff")
    # Others who may do it too (an administrator, say): their write must be audited as well.
    also_allowed: tuple[str, ...] = ()
    variant: str = ""
    # Statuses that mean "done" (a redirect after POST).
    ok: tuple[int, ...] = (302, 303)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.endpoint + (f"[{self.variant}]" if self.variant else "")


def all_cases() -> list[WriteCase]:
    cases: list[WriteCase] = []
    tests_dir = Path(__file__).parent
    for module in pkgutil.iter_modules([str(tests_dir)]):
        if module.ispkg and (tests_dir / module.name / "routes.py").exists():
            cases.extend(importlib.import_module(f"tests.{module.name}.routes").CASES)
    return cases
