"""Write routes of the data pages, for tests/test_write_routes.py."""

from __future__ import annotations

import io
import json

from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.extensions import db
from tests.world import World
from tests.write_routes import WriteCase

# Importing representatives is section data: the state's section and admins only.
NOT_SECTION = ("other_member", "staff", "coordinator")


def _import_csv(world: World) -> tuple[str, dict[str, str]]:
    chamber, party = world.home.chamber.name, world.home.parties[1].name
    rows = (
        "name,given_name,family_name,chamber,party,constituency,start_date,languages,email\n"
        f"Radu Ionescu,Radu,Ionescu,{chamber},{party},Cluj,2024-12-20,ro; hu,"
        "radu@parliament.example\n"
        f'"Popa, Elena",Elena,Popa,{chamber},,,2023-01-09,,\n'
    )
    return f"/states/{world.home.state.iso2}/representatives/import", {"csv": rows}


class _SentAgain(io.BytesIO):
    """A file the test client may send more than once: it closes what it sent, and this one
    is rewound instead."""

    def close(self) -> None:
        self.seek(0)


def _import_popolo(world: World) -> tuple[str, dict[str, object]]:
    # The test client sends a (file, name) pair as an uploaded file.
    document = {
        "persons": [{"id": "p1", "name": "Radu Ionescu"}],
        "organizations": [{"id": "house", "name": "House", "classification": "legislature"}],
        "memberships": [{"person_id": "p1", "organization_id": "house"}],
    }
    return f"/states/{world.home.state.iso2}/representatives/import/popolo", {
        "roster": (_SentAgain(json.dumps(document).encode()), "roster.json"),
        "chamber": str(world.home.chamber.id),
    }


def _new_calendar_link(world: World) -> tuple[str, dict[str, str]]:
    del world
    return "/account/calendar", {"name": "Phone"}


def _revoke_calendar_link(world: World) -> tuple[str, dict[str, str]]:
    _raw, token = create_token(None, world.member, name="Laptop", scope=TokenScope.CALENDAR)
    db.session.commit()
    return f"/account/calendar/{token.id}/revoke", {}


def _admin_revoke(world: World) -> tuple[str, dict[str, str]]:
    _raw, token = create_token(None, world.member, name="Leaked", scope=TokenScope.API)
    db.session.commit()
    return f"/admin/tokens/{token.id}/revoke", {}


def _new_api_token(world: World) -> tuple[str, dict[str, str]]:
    del world
    return "/account/api-tokens", {"name": "Press spreadsheet"}


def _revoke_api_token(world: World) -> tuple[str, dict[str, str]]:
    _raw, token = create_token(None, world.member, name="Script", scope=TokenScope.API)
    db.session.commit()
    return f"/account/api-tokens/{token.id}/revoke", {}


CASES = [
    # The upload asks for a job; the job writes the import and its audit entry, in the name of
    # whoever uploaded the file, once a worker runs it (tests/interchange/jobs.py runs it here).
    # A refused upload asks for no job: no row of any table, the jobs' included.
    WriteCase(
        "interchange.import_csv",
        actor="member",
        audit="csv.imported",
        build=_import_csv,
        forbidden=NOT_SECTION,
    ),
    WriteCase(
        "interchange.import_csv",
        actor="admin",
        audit="csv.imported",
        build=_import_csv,
        forbidden=(),
        variant="admin",
    ),
    # A Popolo roster likewise, into one of the state's chambers.
    WriteCase(
        "interchange.import_popolo",
        actor="member",
        audit="popolo.imported",
        build=_import_popolo,
        forbidden=NOT_SECTION,
        also_allowed=("admin",),
    ),
    # Everyone signed in may keep calendar links; the page shows a new one once (200).
    WriteCase(
        "interchange.calendar_links",
        actor="staff",
        audit="token_created",
        build=_new_calendar_link,
        forbidden=(),
        ok=(200,),
    ),
    WriteCase(
        "interchange.revoke_calendar_link",
        actor="member",
        audit="token_revoked",
        build=_revoke_calendar_link,
    ),
    # API tokens likewise: everyone keeps their own, with their own permissions.
    WriteCase(
        "interchange.api_tokens",
        actor="staff",
        audit="token_created",
        build=_new_api_token,
        forbidden=(),
        ok=(200,),
    ),
    WriteCase(
        "interchange.revoke_api_token",
        actor="member",
        audit="token_revoked",
        build=_revoke_api_token,
    ),
    # Only administrators revoke anyone's token from the tokens page.
    WriteCase(
        "interchange.admin_revoke_token",
        actor="admin",
        audit="token_revoked",
        build=_admin_revoke,
        forbidden=("member", "other_member", "coordinator", "staff"),
    ),
]
