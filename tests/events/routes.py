"""Write routes of the events feature, for tests/test_write_routes.py."""

from __future__ import annotations

from datetime import date, timedelta

from crm.db import utcnow
from crm.extensions import db
from tests.world import World
from tests.write_routes import WriteCase

# Only the section of the event's state and administrators change its events (only
# administrators restore one).
NOT_THEIRS = ("other_member", "staff", "coordinator")


def _local(days: int, hour: int) -> str:
    return f"{date.today() + timedelta(days=days):%Y-%m-%d}T{hour:02d}:00"


def _event_form(world: World) -> dict[str, str]:
    return {
        "title": "Vigil outside parliament",
        "kind": "vigil",
        "status": "planned",
        "city": "Capital",
        "venue": "Parliament square",
        "starts_at": _local(3, 18),
        "starts_at_fold": "",
        "ends_at": _local(3, 20),
        "ends_at_fold": "",
        "section": str(world.member.sections[0].id),
        "stage": str(world.home.stages[0].id),
        "expected_attendance": "120",
        "description": "Candles and the petition.",
        "actual_attendance": "",
        "signatures_handed_over": "",
        "press_links": "https://news.example/vigil",
        "outcome": "",
    }


def _new(world: World) -> tuple[str, dict[str, str]]:
    return f"/states/{world.home.state.iso2}/events/new", _event_form(world)


def _edit(world: World) -> tuple[str, dict[str, str]]:
    event = world.home.event
    return f"/events/{event.id}/edit", {
        **_event_form(world),
        "title": "Vigil, moved indoors",
        "version": str(event.version),
    }


def _cancel(world: World) -> tuple[str, dict[str, str]]:
    event = world.home.event
    return f"/events/{event.id}/cancel", {"version": str(event.version)}


def _archive(world: World) -> tuple[str, dict[str, str]]:
    event = world.home.event
    return f"/events/{event.id}/archive", {"version": str(event.version)}


def _restore(world: World) -> tuple[str, dict[str, str]]:
    event = world.home.event
    event.archived_at = utcnow()
    db.session.commit()
    return f"/events/{event.id}/restore", {}


def _invite(world: World) -> tuple[str, dict[str, str]]:
    return f"/events/{world.home.event.id}/invitations/new", {
        "representative": str(world.home.reps[0].id)
    }


def _answer(world: World) -> tuple[str, dict[str, str]]:
    invitation = world.home.invitation
    return f"/events/{world.home.event.id}/invitations/{invitation.id}", {
        "rsvp": "accepted",
        "attended": "",
        "note": "Will speak for five minutes.",
        "version": str(invitation.version),
    }


def _remove(world: World) -> tuple[str, dict[str, str]]:
    return f"/events/{world.home.event.id}/invitations/{world.home.invitation.id}/remove", {}


CASES = [
    WriteCase("events.new", actor="member", audit="event.created", build=_new,
              forbidden=NOT_THEIRS, also_allowed=("admin",)),
    WriteCase("events.edit", actor="member", audit="event.updated", build=_edit,
              forbidden=NOT_THEIRS, also_allowed=("admin",)),
    WriteCase("events.cancel", actor="member", audit="event.cancelled", build=_cancel,
              forbidden=NOT_THEIRS, also_allowed=("admin",)),
    WriteCase("events.archive", actor="member", audit="event.archived", build=_archive,
              forbidden=NOT_THEIRS, also_allowed=("admin",)),
    WriteCase("events.restore", actor="admin", audit="event.restored", build=_restore,
              forbidden=("member", *NOT_THEIRS)),
    WriteCase("events.invite", actor="member", audit="invitation.created", build=_invite,
              forbidden=NOT_THEIRS, also_allowed=("admin",)),
    WriteCase("events.update_invitation", actor="member", audit="invitation.updated",
              build=_answer, forbidden=NOT_THEIRS, also_allowed=("admin",)),
    WriteCase("events.remove_invitation", actor="member", audit="invitation.removed",
              build=_remove, forbidden=NOT_THEIRS, also_allowed=("admin",)),
]  # fmt: skip
