"""What the packs read: a fixed number of queries, and India's roster capped with a pointer
to the full one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import render_template

from crm.auth.models import Role
from crm.briefings import packs
from crm.charts import STANCE_ORDER
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.parliament.models import Membership, Representative, Stance, stance_label
from crm.states.queries import current_membership_filter, get_state
from tests.conftest import counting_queries
from tests.factories import (
    EventFactory,
    FollowUpFactory,
    InteractionFactory,
    StanceRecordFactory,
    UserFactory,
    seated_representative,
)
from tests.world import build_world


def _grow(side, n: int) -> None:
    """More of everything a state pack reads, in one state."""
    for k in range(n):
        rep = seated_representative(side.chamber, side.parties[k % 2], name=f"Extra {k}")
        StanceRecordFactory(representative=rep, stance=list(Stance)[k % 6])
        interaction = InteractionFactory(
            state=side.state,
            representatives=[rep, side.reps[0]],
            confidentiality=Confidentiality.RESTRICTED if k % 2 else Confidentiality.NORMAL,
            occurred_at=datetime.now(UTC) - timedelta(days=k),
        )
        FollowUpFactory(state=side.state, representative=rep, interaction=interaction)
        EventFactory(state=side.state)
    db.session.commit()


def _count(build) -> int:
    db.session.expire_all()
    with counting_queries() as counter:
        build()
    return counter.count


def test_pack_queries_do_not_grow_with_the_data(app):
    world = build_world()
    staff = UserFactory(role=Role.STAFF)
    iso2 = world.home.state.iso2
    rep_id = world.home.reps[0].id

    def state_pack():
        packs.state_pack(get_state(iso2), staff)

    def representative_pack():
        from crm.parliament.queries import get_representative

        packs.representative_pack(get_representative(rep_id), staff)

    def overview_pack():
        packs.overview_pack(staff)

    builders = (state_pack, representative_pack, overview_pack)
    before = [_count(build) for build in builders]
    _grow(world.home, 12)
    after = [_count(build) for build in builders]
    assert before == after


def test_indias_pack_caps_its_roster_and_says_where_the_full_one_is(demo_app):
    india = get_state("IN")
    pack = packs.state_pack(india, None)
    seated = sum(len(rows) for _name, rows in pack.roster.by_chamber)
    assert pack.roster.total == 790
    assert seated == pack.roster.shown == packs.ROSTER_CAP
    # The most influential members are the ones kept.
    shown = {row.rep.id for _name, rows in pack.roster.by_chamber for row in rows}
    left_out = db.session.scalars(
        sa.select(Representative.influence)
        .join(Membership, Membership.representative_id == Representative.id)
        .where(
            Representative.state_id == india.id,
            Representative.archived_at.is_(None),
            current_membership_filter(pack.today),
            Representative.id.not_in(shown),
        )
    ).all()
    assert len(left_out) == 790 - packs.ROSTER_CAP
    kept = [row.rep.influence for _name, rows in pack.roster.by_chamber for row in rows]
    assert min(kept) >= max(left_out)
    html = render_template("pdf/state.html", pack=pack)
    html = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert f"the {packs.ROSTER_CAP} most influential of the 790 current members" in html
    assert "/representatives?state=IN" in html
    # Where the full roster is: an address on the web, not a command.
    assert "/states/IN/roster" in html
    assert "flask" not in html


def test_the_full_roster_has_everyone(demo_app):
    pack = packs.roster_pack(get_state("IN"), None)
    assert not pack.roster.capped
    assert pack.roster.shown == pack.roster.total == 790


def test_romanias_pack_profiles_the_few_members_to_meet_next(demo_app):
    from crm.briefings.packs.common import TARGETS

    pack = packs.state_pack(get_state("RO"), None)
    assert pack.targets_are_swing
    assert [t.rank for t in pack.targets] == list(range(1, TARGETS + 1))
    html = BeautifulSoup(render_template("pdf/state.html", pack=pack), "html.parser")
    assert len(html.select("#targets article.target")) == TARGETS


def test_party_tables_carry_one_key_of_colours_and_each_partys_counts_in_words(demo_app):
    """One key of the stance colours per chamber; each party's bar says its counts in a
    line of words beside it (a legend of swatches per party cost a tenth of the layout)."""
    pack = packs.state_pack(get_state("RO"), None)
    html = BeautifulSoup(render_template("pdf/state.html", pack=pack), "html.parser")
    tables = html.select("#parliament table")
    assert len(tables) == len(pack.chambers) == 2
    for table, summary in zip(tables, pack.chambers, strict=True):
        [key] = table.select("caption ul.stance-key")
        assert [li.get_text(strip=True) for li in key.select("li")] == [
            stance_label(value) for value in STANCE_ORDER if summary.stances.get(value)
        ]
        rows = table.select("tbody tr")
        assert len(rows) == len(summary.parties)
        for row, party in zip(rows, summary.parties, strict=True):
            assert not row.select(".legend, .swatch")
            counts = row.select_one("figcaption.stance-counts")
            said = [int(n.get_text()) for n in counts.select("strong")]
            assert sum(said) == party.seats == sum(party.stances.values())
