"""Write routes of the parliament feature, for tests/test_write_routes.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import ContactDetail, ContactKind, OtherName, StanceRecord
from crm.parliament.services import field_choices
from tests.factories import ChamberFactory
from tests.world import World
from tests.write_routes import WriteCase

# Section data: only the home state's section (and admins) write it.
NOT_SECTION = ("other_member", "staff", "coordinator")
# Restoring is for admins only.
NOT_ADMIN = ("member", "other_member", "staff", "coordinator")


def _today() -> str:
    return date.today().isoformat()


def _edit(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/representatives/{rep.id}/edit", {
        "version": str(rep.version),
        "name": rep.name,
        "given_name": rep.given_name or "",
        "family_name": rep.family_name or "",
        "sort_name": rep.sort_name,
        "gender": "",
        "languages": "ro, en",
        "influence": "4",
        "tags": "lawyer",
        "notes": "Edited in a test.",
        "do_not_contact_reason": "",
    }


def _stance(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[3]
    return f"/representatives/{rep.id}/stances/new", {
        "stance": "leaning_against",
        "source": "public_statement",
        "confidence": "medium",
        "observed_on": date.today().isoformat(),
        "note": "Said so on television.",
    }


def _new(world: World) -> tuple[str, dict[str, str]]:
    return f"/states/{world.home.state.iso2}/representatives/new", {
        "name": "Rajesh Kumar Thapa",
        "given_name": "Rajesh Kumar",
        "family_name": "Thapa",
        "sort_name": "",
        "gender": "male",
        "languages": "ne, hi, en",
        "influence": "4",
        "tags": "lawyer, foreign affairs",
        "notes": "Former ambassador.",
        "do_not_contact_reason": "",
        "other_names-0-name": "राजेश कुमार थापा",
        "other_names-0-lang": "ne",
        "contact_details-0-kind": "email",
        "contact_details-0-value": "r.thapa@parliament.example",
        "contact_details-0-label": "office",
        "contact_details-1-kind": "website",
        "contact_details-1-value": "https://thapa.example/",
        "contact_details-1-label": "",
        "chamber": str(world.home.chamber.id),
        "party": str(world.home.parties[0].id),
        "constituency": "Kathmandu 1",
        "start_date": "2022-12-20",
    }


def _new_membership(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[3]
    senate = ChamberFactory(state=world.home.state, name="Home Senate", seats=4)
    return f"/representatives/{rep.id}/memberships/new", {
        "version": str(rep.version),
        "chamber": str(senate.id),
        "party": "",
        "constituency": "National list",
        "legislative_period": "2026–2030",
        "start_date": _today(),
    }


def _end_membership(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/memberships/{rep.memberships[0].id}/end", {
        "version": str(rep.version),
        "end_date": _today(),
    }


def _move_party(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/representatives/{rep.id}/move-party", {
        "version": str(rep.version),
        "membership": str(rep.memberships[0].id),
        "party": str(world.home.parties[1].id),
        "changed_on": _today(),
    }


def _new_committee_membership(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[1]
    return f"/representatives/{rep.id}/committee-memberships/new", {
        "version": str(rep.version),
        "committee": str(world.home.committee.id),
        "role": "rapporteur",
        "start_date": _today(),
    }


def _end_committee_membership(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/committee-memberships/{rep.committee_memberships[0].id}/end", {
        "version": str(rep.version),
        "end_date": _today(),
    }


def _new_contact_detail(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/representatives/{rep.id}/contact-details/new", {
        "version": str(rep.version),
        "kind": "phone",
        "value": "+40 21 414 1111",
        "label": "office",
    }


def _contact_detail(world: World) -> ContactDetail:
    rep = world.home.reps[0]
    detail = ContactDetail(kind=ContactKind.EMAIL, value="old@parliament.example", label="office")
    rep.contact_details.append(detail)
    db.session.commit()
    return detail


def _edit_contact_detail(world: World) -> tuple[str, dict[str, str]]:
    detail = _contact_detail(world)
    return f"/contact-details/{detail.id}/edit", {
        "version": str(world.home.reps[0].version),
        "kind": "email",
        "value": "new@parliament.example",
        "label": "private",
    }


def _remove_contact_detail(world: World) -> tuple[str, dict[str, str]]:
    detail = _contact_detail(world)
    return f"/contact-details/{detail.id}/remove", {"version": str(world.home.reps[0].version)}


def _new_other_name(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[0]
    return f"/representatives/{rep.id}/other-names/new", {
        "version": str(rep.version),
        "name": "Хоум Мембер",
        "lang": "ru",
        "note": "transliteration",
    }


def _other_name(world: World) -> OtherName:
    rep = world.home.reps[0]
    other = OtherName(name="Ομέ Μέμπερ", lang="el")
    rep.other_names.append(other)
    db.session.commit()
    return other


def _edit_other_name(world: World) -> tuple[str, dict[str, str]]:
    other = _other_name(world)
    return f"/other-names/{other.id}/edit", {
        "version": str(world.home.reps[0].version),
        "name": "Χόουμ Μέμπερ",
        "lang": "el",
        "note": "",
    }


def _remove_other_name(world: World) -> tuple[str, dict[str, str]]:
    other = _other_name(world)
    return f"/other-names/{other.id}/remove", {"version": str(world.home.reps[0].version)}


def _archive(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[3]
    return f"/representatives/{rep.id}/archive", {"version": str(rep.version)}


def _restore(world: World) -> tuple[str, dict[str, str]]:
    rep = world.home.reps[3]
    rep.archived_at = datetime.now(UTC)
    db.session.commit()
    return f"/representatives/{rep.id}/restore", {}


def _stance_record(world: World) -> StanceRecord:
    return db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.representative_id == world.home.reps[0].id)
    ).one()


def _archive_stance(world: World) -> tuple[str, dict[str, str]]:
    return f"/stance-records/{_stance_record(world).id}/archive", {}


def _restore_stance(world: World) -> tuple[str, dict[str, str]]:
    entry = _stance_record(world)
    entry.archived_at = datetime.now(UTC)
    db.session.commit()
    return f"/stance-records/{entry.id}/restore", {}


def _merge(world: World) -> tuple[str, dict[str, str]]:
    kept, other = world.home.reps[0], world.home.reps[3]
    return f"/representatives/{kept.id}/merge/{other.id}", {
        "kept_version": str(kept.version),
        "other_version": str(other.version),
        **{f"choice_{c.name}": "kept" for c in field_choices(kept, other)},
    }


def _section(endpoint: str, audit: str, build) -> WriteCase:
    return WriteCase(endpoint, actor="member", audit=audit, build=build, forbidden=NOT_SECTION)


def _contact(endpoint: str, audit: str, build) -> WriteCase:
    """Stance records: the state's section, and coordinators, who log contacts (and the
    stances seen in them) in any state (CONTACT_DATA in crm/auth/permissions.py)."""
    return WriteCase(
        endpoint,
        actor="member",
        audit=audit,
        build=build,
        forbidden=("other_member", "staff"),
        also_allowed=("coordinator",),
    )


CASES = [
    _section("parliament.edit", "representative.updated", _edit),
    _contact("parliament.new_stance", "stance.recorded", _stance),
    _section("parliament.new", "representative.created", _new),
    _section("parliament.new_membership", "membership.added", _new_membership),
    _section("parliament.end_membership", "membership.ended", _end_membership),
    _section("parliament.move_party", "membership.party_changed", _move_party),
    _section(
        "parliament.new_committee_membership",
        "committee_membership.added",
        _new_committee_membership,
    ),
    _section(
        "parliament.end_committee_membership",
        "committee_membership.ended",
        _end_committee_membership,
    ),
    _section("parliament.new_contact_detail", "contact_detail.added", _new_contact_detail),
    _section("parliament.edit_contact_detail", "contact_detail.updated", _edit_contact_detail),
    _section("parliament.remove_contact_detail", "contact_detail.removed", _remove_contact_detail),
    _section("parliament.new_other_name", "other_name.added", _new_other_name),
    _section("parliament.edit_other_name", "other_name.updated", _edit_other_name),
    _section("parliament.remove_other_name", "other_name.removed", _remove_other_name),
    _section("parliament.archive", "representative.archived", _archive),
    _contact("parliament.archive_stance", "stance.archived", _archive_stance),
    WriteCase(
        "parliament.restore",
        actor="admin",
        audit="representative.restored",
        build=_restore,
        forbidden=NOT_ADMIN,
    ),
    WriteCase(
        "parliament.restore_stance",
        actor="admin",
        audit="stance.restored",
        build=_restore_stance,
        forbidden=NOT_ADMIN,
    ),
    # Merging duplicates is a coordinator's clean-up, in every state.
    WriteCase(
        "parliament.merge",
        actor="coordinator",
        audit="representative.merged",
        build=_merge,
        forbidden=("member", "other_member", "staff"),
        also_allowed=("admin",),
    ),
    # An admin writes everywhere, through the same routes.
    WriteCase(
        "parliament.new",
        actor="admin",
        audit="representative.created",
        build=_new,
        forbidden=(),
        variant="admin",
    ),
]
