"""`flask --app wsgi crm demo`: the demonstration data set."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm.auth.models import Role, User
from crm.demo.loader import DATA_FILE
from crm.extensions import db
from crm.interactions.models import Confidentiality, Interaction
from crm.parliament.models import Chamber, Membership, Representative, Stance, StanceRecord
from crm.states.models import Agreement, Stage, StageStatus, State
from crm.states.queries import current_membership_filter
from tests.conftest import SHARED, row_counts
from tests.factories import StateFactory


def test_demo_command_loads_every_state_and_account_and_a_second_run_changes_nothing(runner):
    # One load serves both checks: loading the data set is the slowest command there is.
    result = runner.invoke(args=["crm", "demo"])
    assert result.exit_code == 0, result.output
    assert "Loaded the demo data set" in result.output
    assert "section.ro@demo.example" in result.output
    assert "impunity-demo" in result.output

    facts = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    codes = {s.iso2 for s in db.session.scalars(sa.select(State))}
    assert codes == {s["iso2"] for s in facts["states"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 19
    roles = {u.email: u.role for u in db.session.scalars(sa.select(User))}
    assert roles == {
        "admin@demo.example": Role.ADMIN,
        "coordinator@demo.example": Role.COORDINATOR,
        "section.ro@demo.example": Role.SECTION,
        "section.ne@demo.example": Role.SECTION,
        "staff@demo.example": Role.STAFF,
    }

    before = row_counts()
    again = runner.invoke(args=["crm", "demo"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    db.session.expire_all()
    assert row_counts() == before


def test_demo_if_empty_leaves_other_data_alone(runner):
    StateFactory()
    result = runner.invoke(args=["crm", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Representative)) == 0


def test_demo_fills_every_seat_of_every_chamber(demo_app):
    today = date.today()
    filled = dict(
        db.session.execute(
            sa.select(Membership.chamber_id, sa.func.count())
            .where(current_membership_filter(today))
            .group_by(Membership.chamber_id)
        ).all()
    )
    chambers = db.session.scalars(sa.select(Chamber)).all()
    assert len(chambers) == 25
    for chamber in chambers:
        assert filled.get(chamber.id) == chamber.seats, chamber.name


def test_demo_matches_the_shipped_facts(demo_app):
    facts = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for entry in facts["states"]:
        state = db.session.scalar(sa.select(State).where(State.iso2 == entry["iso2"]))
        assert state.name == entry["name"]
        assert state.timezone == entry["tz"]
        seats = {c.name: c.seats for c in state.chambers}
        assert seats == {c["name"]: c["seats"] for c in entry["chambers"]}


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the checkout")
def test_shipped_facts_are_the_shared_campaign_file():
    shared = SHARED / "data" / "signatory-states.json"
    assert json.loads(Path(shared).read_text("utf-8")) == json.loads(DATA_FILE.read_text("utf-8"))


def test_demo_current_stance_is_the_newest_record(demo_app):
    newest: dict[int, tuple] = {}
    for record in db.session.scalars(
        sa.select(StanceRecord).order_by(StanceRecord.observed_on, StanceRecord.id)
    ):
        newest[record.representative_id] = (record.stance, record.observed_on)
    for rep in db.session.scalars(sa.select(Representative)):
        assert (rep.stance, rep.stance_on) == newest.get(rep.id, (Stance.UNKNOWN, None))


def test_demo_has_a_spread_of_what_pages_show(demo_app):
    stances = set(db.session.scalars(sa.select(Representative.stance).distinct()))
    assert stances == set(Stance)
    stale = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Representative)
        .where(Representative.stance_on < date.today() - timedelta(days=180))
    )
    assert stale > 0
    restricted = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Interaction)
        .where(Interaction.confidentiality == Confidentiality.RESTRICTED)
    )
    assert restricted > 0
    scheduled = db.session.scalar(
        sa.select(sa.func.count()).select_from(Stage).where(Stage.status == StageStatus.SCHEDULED)
    )
    assert scheduled >= 3
    former = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.end_date.is_not(None))
    )
    assert former > 0


def test_demo_names_are_written_in_each_states_script(demo_app):
    from crm.parliament.models import OtherName

    langs = set(db.session.scalars(sa.select(OtherName.lang).distinct()))
    # Afghanistan has no sitting legislature, so no Dari names.
    assert {"hi", "ne", "si", "he", "ar", "tg", "uz-Cyrl"} <= langs


def test_demo_is_labelled_as_demonstration_on_every_page(demo_client):
    from tests.conftest import login

    login(demo_client, "staff@demo.example")
    for url in ("/states", "/states/RO", "/representatives"):
        html = demo_client.get(url).get_data(as_text=True)
        assert "Demonstration data" in html, url
