"""Merging two records of one person: preview, confirm, every linked row moved (or dropped
where the kept record holds the same), conflicts, who may, and the merged record's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.actions import problems
from crm.db import Base
from crm.events.models import Invitation
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, interaction_representatives
from crm.parliament import queries as parliament_queries
from crm.parliament import services
from crm.parliament.models import (
    CommitteeMembership,
    ContactDetail,
    ContactKind,
    Identifier,
    Membership,
    OtherName,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.parliament.services.merge import HANDLED
from crm.votes.models import Vote, VoteEvent, VoteOption
from tests.conftest import SIGN_IN_TABLES, every_row
from tests.factories import (
    ChamberFactory,
    CommitteeFactory,
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    StanceRecordFactory,
    seated_representative,
)
from tests.pages import page
from tests.parliament.helpers import audit, form_values, page_text, post, sign_in, values_of
from tests.world import World


@dataclass
class Pair:
    """A kept record and its duplicate, with a row of every kind linked to the duplicate."""

    kept: Representative
    other: Representative
    moving: dict[str, list[int]]
    dropping: dict[str, list[int]]
    restricted_contact: int
    kept_vote: int
    cites_dropped_vote: int


def _vote(vote_event: VoteEvent, rep: Representative) -> Vote:
    vote = Vote(vote_event=vote_event, representative=rep, option=VoteOption.YES)
    db.session.add(vote)
    db.session.flush()
    return vote


def _pair(world: World) -> Pair:
    side = world.home
    kept = side.reps[0]
    # A seat in another chamber moves; the same seat as the kept record's is dropped.
    other = seated_representative(
        ChamberFactory(state=side.state), given_name="Dup", family_name="Licate", influence=5
    )
    other.notes = "Met at the embassy."
    other.tags = ["lawyer"]
    seat = other.memberships[0]
    same_seat = Membership(chamber=side.chamber, party=side.parties[1], start_date=date(2020, 1, 1))
    other.memberships.append(same_seat)
    committee_seat = CommitteeMembership(committee=CommitteeFactory(chamber=side.chamber))
    same_committee_seat = CommitteeMembership(committee=side.committee)
    other.committee_memberships.append(same_committee_seat)
    unique_name = OtherName(name="Дуп Ликате", lang="ru")
    same_name = OtherName(name="Home Alias")
    unique_contact = ContactDetail(kind=ContactKind.EMAIL, value="dup@x.example")
    same_contact = ContactDetail(kind=ContactKind.PHONE, value="+40 1")
    # One scheme twice (different values: both kept), and one of the other's alone.
    ident_twice = Identifier(scheme="wikidata", value="Q2")
    ident_alone = Identifier(scheme="everypolitician", value="ep-2")
    other.committee_memberships.append(committee_seat)
    other.other_names.extend([unique_name, same_name])
    other.contact_details.extend([unique_contact, same_contact])
    other.identifiers.extend([ident_twice, ident_alone])
    kept.other_names.append(OtherName(name="Home Alias"))
    kept.contact_details.append(ContactDetail(kind=ContactKind.PHONE, value="+40 1"))
    kept.identifiers.append(Identifier(scheme="wikidata", value="Q1"))
    db.session.flush()

    only_other = InteractionFactory(state=side.state, representatives=[other])
    both = InteractionFactory(state=side.state, representatives=[kept, other])
    restricted = InteractionFactory(
        state=side.state, representatives=[other], confidentiality=Confidentiality.RESTRICTED
    )
    newest = StanceRecordFactory(
        representative=other,
        stance=Stance.AGAINST_RATIFICATION,
        source=StanceSource.PUBLIC_STATEMENT,
        observed_on=date.today() - timedelta(days=1),
    )
    from_restricted = StanceRecordFactory(
        representative=other,
        interaction=restricted,
        stance=Stance.AGAINST_RATIFICATION,
        observed_on=date.today() - timedelta(days=30),
    )
    follow_up = FollowUpFactory(state=side.state, representative=other)

    lone_event, shared_event = EventFactory(state=side.state), EventFactory(state=side.state)
    lone_invitation = Invitation(event=lone_event, representative=other)
    # Both records invited to one event.
    kept_invitation = Invitation(event=shared_event, representative=kept)
    twice_invited = Invitation(event=shared_event, representative=other)
    db.session.add_all([lone_invitation, kept_invitation, twice_invited])

    votes = [VoteEvent(stage=stage) for stage in side.stages]
    db.session.add_all(votes)
    db.session.flush()
    lone_vote = _vote(votes[0], other)
    kept_vote = _vote(votes[1], kept)
    twice_voted = _vote(votes[1], other)
    cites = StanceRecordFactory(
        representative=other,
        vote=twice_voted,
        source=StanceSource.VOTE,
        stance=Stance.FOR_RATIFICATION,
        observed_on=date.today() - timedelta(days=60),
    )
    db.session.commit()
    return Pair(
        kept=kept,
        other=other,
        moving={
            "seats": [seat.id],
            "committee_seats": [committee_seat.id],
            "stances": sorted([newest.id, from_restricted.id, cites.id]),
            "contacts": sorted([only_other.id, restricted.id]),
            "follow_ups": [follow_up.id],
            "invitations": [lone_invitation.id],
            "votes": [lone_vote.id],
            "identifiers": sorted([ident_twice.id, ident_alone.id]),
            "other_names": [unique_name.id],
            "contact_details": [unique_contact.id],
        },
        dropping={
            "seats": [same_seat.id],
            "committee_seats": [same_committee_seat.id],
            "contacts": [both.id],
            "invitations": [twice_invited.id],
            "votes": [twice_voted.id],
            "other_names": [same_name.id],
            "contact_details": [same_contact.id],
        },
        restricted_contact=restricted.id,
        kept_vote=kept_vote.id,
        cites_dropped_vote=cites.id,
    )


@pytest.fixture
def pair(world) -> Pair:
    # Rows are linked before they are added: no flush of a half-made row in between.
    with db.session.no_autoflush:
        return _pair(world)


def _url(pair: Pair) -> str:
    return f"/representatives/{pair.kept.id}/merge/{pair.other.id}"


def _reps(pair: Pair) -> tuple[Representative, Representative]:
    db.session.expire_all()
    return db.session.get(Representative, pair.kept.id), db.session.get(
        Representative, pair.other.id
    )


MODELS = {
    "seats": Membership,
    "committee_seats": CommitteeMembership,
    "stances": StanceRecord,
    "follow_ups": FollowUp,
    "invitations": Invitation,
    "votes": Vote,
    "identifiers": Identifier,
    "other_names": OtherName,
    "contact_details": ContactDetail,
}


def _linked_to(rep_id: int, kind: str) -> list[int]:
    if kind == "contacts":
        link = interaction_representatives
        return sorted(
            db.session.scalars(
                sa.select(link.c.interaction_id).where(link.c.representative_id == rep_id)
            )
        )
    model = MODELS[kind]
    return sorted(db.session.scalars(sa.select(model.id).where(model.representative_id == rep_id)))


def test_a_coordinator_merges_and_every_linked_row_moves_to_the_kept_record(client, world, pair):
    sign_in(client, world, "coordinator")
    kept_before = {kind: _linked_to(pair.kept.id, kind) for kind in services.KINDS}
    preview = page_text(client.get(_url(pair)))
    assert "Merge Dup Licate into Home Member 0" in preview
    assert "Both were invited to 1 event(s)" in preview
    assert "Both have a vote recorded in 1 vote(s)" in preview
    assert "identifier of the scheme “wikidata”: both are kept" in preview

    response = client.post(
        _url(pair), data=form_values(client, _url(pair)) | {"choice_name": "kept"}
    )

    assert response.status_code == 302, page_text(response)[:1000]
    assert response.headers["Location"] == f"/representatives/{pair.kept.id}"
    kept, other = _reps(pair)
    for kind in services.KINDS:
        # Row by row: the kept record holds what it had and what moved; the other nothing.
        expected = sorted(kept_before[kind] + pair.moving[kind])
        if kind == "other_names":
            expected = sorted(_linked_to(kept.id, kind))  # checked below, with the added name
            assert set(pair.moving[kind]) <= set(expected)
        assert _linked_to(kept.id, kind) == expected, kind
        assert _linked_to(other.id, kind) == [], kind
    for kind, ids in pair.dropping.items():
        if kind != "contacts":
            assert (
                db.session.scalars(sa.select(MODELS[kind].id).where(MODELS[kind].id.in_(ids))).all()
                == []
            ), kind
    # The contact that named both names the kept record once, and still exists.
    assert _linked_to(kept.id, "contacts").count(pair.dropping["contacts"][0]) == 1
    # A stance record that cited the dropped vote cites the kept record's vote.
    assert db.session.get(StanceRecord, pair.cites_dropped_vote).vote_id == pair.kept_vote

    assert other.archived_at is not None
    assert other.merged_into_id == kept.id
    # The other's newest stance is now the kept record's current stance.
    assert kept.stance is Stance.AGAINST_RATIFICATION
    assert kept.stance_on == date.today() - timedelta(days=1)
    # The merged-away name is an other name, and search finds the kept record by it.
    assert "Dup Licate" in [n.name for n in kept.other_names]
    found = parliament_queries.possible_duplicates(kept.state, "Dup Licate")
    assert [r.id for r in found] == [kept.id]

    [entry] = audit("representative.merged")
    assert (entry.target_id, entry.actor_id) == (str(kept.id), world.coordinator.id)
    assert entry.after["merged_from"] == other.id
    assert entry.after["moved"] == {k: v for k, v in pair.moving.items() if v}
    assert entry.after["dropped"] == pair.dropping
    assert entry.after["other_names_added"] == ["Dup Licate"]
    assert entry.after["version"] == kept.version
    assert problems(entry.action, entry.target_type, entry.before, entry.after) == []
    [away] = audit("representative.merged_away")
    assert away.target_id == str(other.id)
    assert away.after["merged_into_id"] == kept.id
    assert away.after["version"] == other.version


def test_the_choices_decide_the_kept_profile(client, world, pair):
    sign_in(client, world, "admin")
    values = form_values(client, _url(pair))
    assert {"choice_name", "choice_influence", "choice_tags", "choice_notes"} <= set(values)
    response = client.post(
        _url(pair),
        data=values
        | {
            "choice_name": "other",
            "choice_given_name": "other",
            "choice_family_name": "other",
            "choice_sort_name": "other",
            "choice_influence": "other",
            "choice_tags": "both",
            "choice_notes": "kept",
        },
    )
    assert response.status_code == 302
    kept, _ = _reps(pair)
    assert (kept.name, kept.influence, kept.notes) == ("Dup Licate", 5, None)
    assert kept.tags == ["lawyer"]
    # The kept record's old name stays findable as an other name.
    assert "Home Member 0" in [n.name for n in kept.other_names]
    [entry] = audit("representative.merged")
    assert entry.after["choices"]["name"] == "other"
    assert entry.before["name"] == "Home Member 0"


def test_a_missing_choice_is_asked_for_next_to_the_field_and_nothing_is_written(
    client, world, pair
):
    sign_in(client, world, "coordinator")
    values = form_values(client, _url(pair))
    del values["choice_influence"]
    before = every_row(ignore=SIGN_IN_TABLES)
    response = client.post(_url(pair), data=values)
    assert response.status_code == 422
    assert "Choose which influence to keep." in page_text(response)
    assert every_row(ignore=SIGN_IN_TABLES) == before


@pytest.mark.parametrize("changed", ["kept", "other"])
def test_a_change_since_the_preview_is_a_conflict_and_nothing_is_written(
    client, app, world, pair, changed
):
    sign_in(client, world, "coordinator")
    values = form_values(client, _url(pair))
    editor = app.test_client()
    sign_in(editor, world, "member")
    rep = pair.kept if changed == "kept" else pair.other
    edit = form_values(editor, f"/representatives/{rep.id}/edit")
    assert (
        editor.post(f"/representatives/{rep.id}/edit", data=edit | {"notes": "New"}).status_code
        == 302
    )
    before = every_row(ignore=SIGN_IN_TABLES)

    response = client.post(_url(pair), data=values)

    assert response.status_code == 409
    assert "saved this record after you opened it" in page_text(response)
    assert every_row(ignore=SIGN_IN_TABLES) == before
    # The page shows the records as they are now: confirming again merges.
    again = values_of(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
    assert client.post(_url(pair), data=again).status_code == 302


@pytest.mark.parametrize("who", ["member", "other_member", "staff"])
def test_only_coordinators_and_admins_merge(client, world, pair, who):
    sign_in(client, world, who)
    assert client.get(f"/representatives/{pair.kept.id}/merge").status_code == 403
    assert client.get(_url(pair)).status_code == 403
    before = every_row(ignore=SIGN_IN_TABLES)
    data = {"kept_version": str(pair.kept.version), "other_version": str(pair.other.version)}
    assert post(client, _url(pair), data).status_code == 403
    assert every_row(ignore=SIGN_IN_TABLES) == before


@pytest.mark.parametrize(
    ("who", "offered"),
    [("coordinator", True), ("admin", True), ("member", False), ("staff", False)],
)
def test_the_representative_page_offers_a_merge_to_those_who_may(client, world, pair, who, offered):
    sign_in(client, world, who)
    soup = page(client, f"/representatives/{pair.kept.id}")
    link = soup.find("a", string="Merge with another record…")
    assert (link is not None) is offered
    if offered:
        assert link["href"] == f"/representatives/{pair.kept.id}/merge"


def test_records_of_two_states_itself_or_archived_are_not_merged(client, world, pair):
    sign_in(client, world, "admin")
    abroad = world.other.reps[0]
    archived = world.home.reps[3]
    archived.archived_at = archived.created_at
    db.session.commit()
    cases = {
        f"/representatives/{pair.kept.id}/merge/{abroad.id}": "Only records of one state",
        f"/representatives/{pair.kept.id}/merge/{pair.kept.id}": "cannot be merged with itself",
        f"/representatives/{pair.kept.id}/merge/{archived.id}": "is archived",
    }
    before = every_row(ignore=SIGN_IN_TABLES)
    for url, message in cases.items():
        assert message in page_text(client.get(url)), url
        data = {"kept_version": "1", "other_version": "1", "choice_name": "kept"}
        response = post(client, url, data)
        assert response.status_code == 422, url
        assert message in page_text(response)
    assert every_row(ignore=SIGN_IN_TABLES) == before


def test_the_merged_away_page_leads_to_the_kept_record(client, world, pair):
    sign_in(client, world, "coordinator")
    assert client.post(_url(pair), data=form_values(client, _url(pair))).status_code == 302
    sign_in(client, world, "staff")
    response = client.get(f"/representatives/{pair.other.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/representatives/{pair.kept.id}"
    assert "merged into this one" in page_text(client.get(response.headers["Location"]))
    # A second merge of the same record is refused: it is gone.
    sign_in(client, world, "coordinator")
    assert client.get(_url(pair)).status_code == 422


def test_anonymous_visitors_learn_nothing_of_a_merge(client, world, pair):
    sign_in(client, world, "coordinator")
    client.post(_url(pair), data=form_values(client, _url(pair)))
    anonymous = client.application.test_client()
    response = anonymous.get(f"/representatives/{pair.other.id}")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_the_pick_page_finds_the_other_record_of_the_state(client, world, pair):
    sign_in(client, world, "coordinator")
    soup = page(client, f"/representatives/{pair.kept.id}/merge?q=licate")
    links = [a["href"] for a in soup.select("main table a")]
    assert _url(pair) in links
    # Not the record itself, nor another state's.
    soup = page(client, f"/representatives/{pair.kept.id}/merge?q=member")
    assert f"/representatives/{pair.kept.id}/merge/{world.home.reps[1].id}" in [
        a["href"] for a in soup.select("main table a")
    ]
    assert f'/merge/{pair.kept.id}"' not in str(soup)
    assert f'/merge/{world.other.reps[0].id}"' not in str(soup)


def test_the_preview_counts_no_restricted_contact_for_a_reader_who_may_not_read_it(world, pair):
    plan = services.plan_merge(pair.kept, pair.other, reader=world.staff)
    assert pair.restricted_contact in plan.moves["contacts"]  # it moves all the same
    assert plan.shown["contacts"] == len(pair.moving["contacts"]) - 1
    full = services.plan_merge(pair.kept, pair.other, reader=world.coordinator)
    assert full.shown["contacts"] == len(pair.moving["contacts"])


def test_the_preview_tells_no_reader_of_a_restricted_contact_naming_both_or_its_follow_up(
    world, pair
):
    # A restricted contact naming both records, with a follow-up about the other.
    secret = InteractionFactory(
        state=world.home.state,
        representatives=[pair.kept, pair.other],
        confidentiality=Confidentiality.RESTRICTED,
    )
    FollowUpFactory(state=world.home.state, representative=pair.other, interaction=secret)
    db.session.commit()
    plan = services.plan_merge(pair.kept, pair.other, reader=world.staff)
    assert plan.shown["follow_ups"] == len(pair.moving["follow_ups"])
    assert "1 contact(s) name both" in " ".join(plan.notes)
    full = services.plan_merge(pair.kept, pair.other, reader=world.coordinator)
    assert full.shown["follow_ups"] == len(pair.moving["follow_ups"]) + 1
    assert "2 contact(s) name both" in " ".join(full.notes)


def test_every_foreign_key_to_representatives_is_handled_by_the_merge():
    pointing = {
        (table.name, fk.parent.name)
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "representatives"
    }
    assert pointing == set(HANDLED), (
        "a column now points at representatives: move it in crm/parliament/services/merge.py"
    )
