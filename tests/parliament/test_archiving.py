"""Archiving representatives and stance records, and restoring them (admins only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Representative, Stance, StanceRecord, StanceSource
from tests.factories import StanceRecordFactory
from tests.pages import page, representative_ids
from tests.parliament.helpers import audit, form_values, page_text, post, sign_in, submit
from tests.world import RESTRICTED_MARK


def _rep(rep_id: int) -> Representative:
    db.session.expire_all()
    return db.session.get(Representative, rep_id)


def _listed(client, world, rep: Representative) -> bool:
    iso2 = world.home.state.iso2
    by_state = rep.id in representative_ids(page(client, f"/representatives?state={iso2}"))
    by_name = rep.id in representative_ids(page(client, f"/representatives?q={rep.name}"))
    assert by_state == by_name
    return by_state


def test_an_archived_representative_leaves_lists_and_an_admin_restores_them(client, world, app):
    rep = world.home.reps[3]
    sign_in(client, world, "member")
    assert _listed(client, world, rep)
    url = f"/representatives/{rep.id}/archive"
    assert "disappears from lists" in page_text(client.get(url))
    assert submit(client, url).status_code == 302
    assert _rep(rep.id).archived_at is not None
    assert not _listed(client, world, rep)
    [entry] = audit("representative.archived")
    assert (entry.actor_id, entry.before["archived_at"]) == (world.member.id, None)

    # The page stays, with the banner and nothing left to change.
    soup = page(client, f"/representatives/{rep.id}")
    assert "Archived" in soup.select_one(".banner-archived").get_text()
    assert not soup.find("a", href=f"/representatives/{rep.id}/edit")
    assert not soup.select(".banner-archived form")  # only admins restore

    admin = app.test_client()
    sign_in(admin, world, "admin")
    archived = page(admin, "/representatives/archived")
    assert rep.id in representative_ids(archived)
    assert archived.find("form", action=f"/representatives/{rep.id}/restore")
    assert page(admin, f"/representatives/{rep.id}").select_one(
        f".banner-archived form[action='/representatives/{rep.id}/restore']"
    )
    assert post(admin, f"/representatives/{rep.id}/restore").status_code == 302
    assert _rep(rep.id).archived_at is None
    assert _listed(admin, world, rep)
    assert rep.id not in representative_ids(page(admin, "/representatives/archived"))
    [restored] = audit("representative.restored")
    assert restored.actor_id == world.admin.id


def test_nothing_of_an_archived_record_changes_until_it_is_restored(client, world):
    rep = world.home.reps[0]
    sign_in(client, world, "member")
    assert submit(client, f"/representatives/{rep.id}/archive").status_code == 302
    version = _rep(rep.id).version
    attempts = [
        f"/representatives/{rep.id}/edit",
        f"/representatives/{rep.id}/stances/new",
        f"/representatives/{rep.id}/contact-details/new",
        f"/representatives/{rep.id}/other-names/new",
        f"/representatives/{rep.id}/memberships/new",
        f"/representatives/{rep.id}/move-party",
        f"/representatives/{rep.id}/committee-memberships/new",
        f"/memberships/{rep.memberships[0].id}/end",
        f"/representatives/{rep.id}/archive",
    ]
    for url in attempts:
        assert client.get(url).status_code == 422, url
        response = post(client, url, {"name": "Changed", "value": "x@y.example"})
        assert response.status_code == 422, url
        assert "archived" in page_text(response)
    assert _rep(rep.id).version == version


def test_a_stale_archive_is_a_conflict(client, world):
    rep = world.home.reps[3]
    sign_in(client, world, "member")
    url = f"/representatives/{rep.id}/archive"
    opened = form_values(client, url)
    edit = f"/representatives/{rep.id}/edit"
    assert submit(client, edit, {"notes": "Changed meanwhile"}).status_code == 302
    response = client.post(url, data=opened)
    assert response.status_code == 409
    assert "Changed meanwhile" in page_text(response)
    assert _rep(rep.id).archived_at is None


@pytest.mark.parametrize("who", ["other_member", "coordinator", "staff"])
def test_only_the_states_section_and_admins_archive(client, world, who):
    rep = world.home.reps[3]
    sign_in(client, world, who)
    url = f"/representatives/{rep.id}/archive"
    assert client.get(url).status_code == 403
    assert post(client, url, {"version": str(rep.version)}).status_code == 403
    assert _rep(rep.id).archived_at is None
    assert not page(client, f"/representatives/{rep.id}").find("a", href=url)


@pytest.mark.parametrize("who", ["member", "other_member", "coordinator", "staff"])
def test_only_admins_see_the_archive_and_restore(client, world, who):
    rep = world.home.reps[3]
    rep.archived_at = datetime.now(UTC)
    db.session.commit()
    sign_in(client, world, who)
    assert client.get("/representatives/archived").status_code == 403
    assert post(client, f"/representatives/{rep.id}/restore").status_code == 403
    assert _rep(rep.id).archived_at is not None


def test_restoring_a_record_that_is_not_archived_is_refused(client, world):
    sign_in(client, world, "admin")
    response = post(client, f"/representatives/{world.home.reps[0].id}/restore")
    assert response.status_code == 422
    assert audit("representative.restored") == []


def test_unknown_ids_are_not_found(client, world):
    sign_in(client, world, "admin")
    for url in ("/representatives/999999/archive", "/stance-records/999999/archive"):
        assert client.get(url).status_code == 404
    for url in ("/representatives/999999/restore", "/stance-records/999999/restore"):
        assert post(client, url).status_code == 404


# --- Stance records recorded in error ------------------------------------------------------


@pytest.fixture
def corrected(world):
    """Home member 0: leaning for 10 days ago, then (in error) against ratification today."""
    rep = world.home.reps[0]
    wrong = StanceRecordFactory(
        representative=rep,
        stance=Stance.AGAINST_RATIFICATION,
        source=StanceSource.MEDIA,
        observed_on=date.today(),
        note="Misheard on the radio",
    )
    assert _rep(rep.id).stance is Stance.AGAINST_RATIFICATION
    return rep, wrong


def test_archiving_a_stance_in_error_derives_the_current_stance_again(
    client, world, corrected, app
):
    rep, wrong = corrected
    sign_in(client, world, "member")
    soup = page(client, f"/representatives/{rep.id}")
    url = f"/stance-records/{wrong.id}/archive"
    assert soup.find("a", href=url)
    assert "Against ratification" in page_text(client.get(url))
    assert submit(client, url).status_code == 302
    saved = _rep(rep.id)
    assert (saved.stance, saved.stance_on) == (
        Stance.LEANING_FOR, date.today() - timedelta(days=10),
    )  # fmt: skip
    assert "Misheard on the radio" not in page_text(client.get(f"/representatives/{rep.id}"))
    [entry] = audit("stance.archived")
    assert (entry.target_type, entry.target_id) == ("stance_records", str(wrong.id))
    assert client.get(url).status_code == 422  # already archived
    assert post(client, url).status_code == 422

    admin = app.test_client()
    sign_in(admin, world, "admin")
    restore = f"/stance-records/{wrong.id}/restore"
    for where in (f"/representatives/{rep.id}", "/representatives/archived"):
        assert page(admin, where).find("form", action=restore), where
    assert post(admin, restore).status_code == 302
    assert _rep(rep.id).stance is Stance.AGAINST_RATIFICATION
    assert audit("stance.restored")[0].actor_id == world.admin.id


def test_archiving_the_only_stance_leaves_it_unknown(client, world):
    rep = world.home.reps[2]
    only = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.representative_id == rep.id)
    ).one()
    sign_in(client, world, "member")
    assert submit(client, f"/stance-records/{only.id}/archive").status_code == 302
    saved = _rep(rep.id)
    assert (saved.stance, saved.stance_on) == (Stance.UNKNOWN, None)


# Coordinators archive stance records in any state, as they record them (contacts in any
# state, SPEC §1): tests/activity/test_coordinator_contacts.py
@pytest.mark.parametrize("who", ["other_member", "staff"])
def test_others_may_not_archive_a_stance_record(client, world, corrected, who):
    rep, wrong = corrected
    sign_in(client, world, who)
    url = f"/stance-records/{wrong.id}/archive"
    assert client.get(url).status_code == 403
    assert post(client, url).status_code == 403
    assert _rep(rep.id).stance is Stance.AGAINST_RATIFICATION
    assert not page(client, f"/representatives/{rep.id}").find("a", href=url)


def test_a_section_member_may_not_restore_a_stance_record(client, world, corrected):
    rep, wrong = corrected
    sign_in(client, world, "member")
    assert submit(client, f"/stance-records/{wrong.id}/archive").status_code == 302
    assert post(client, f"/stance-records/{wrong.id}/restore").status_code == 403
    assert _rep(rep.id).stance is Stance.LEANING_FOR


def test_a_restricted_stance_can_be_archived_by_its_section_without_leaking(client, world, app):
    restricted = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == world.home.restricted.id)
    ).one()
    url = f"/stance-records/{restricted.id}/archive"
    outsider = app.test_client()
    sign_in(outsider, world, "other_member")
    response = outsider.get(url)
    assert response.status_code == 403
    assert RESTRICTED_MARK not in response.get_data(as_text=True)

    sign_in(client, world, "member")
    confirm = client.get(url).get_data(as_text=True)
    assert RESTRICTED_MARK not in confirm  # the confirmation names the record, not its note
    assert submit(client, url).status_code == 302
