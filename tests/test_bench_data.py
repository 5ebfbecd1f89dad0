"""`crm bench-data`: synthetic data at the scale asked, consistent, and usable by the pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.demo import synthetic
from crm.extensions import db
from crm.interactions.models import (
    Confidentiality,
    FollowUp,
    Interaction,
    interaction_representatives,
)
from crm.parliament.models import Chamber, Membership, Representative
from crm.parliament.services import refresh_current_stances
from tests.conftest import DEMO_PASSWORD, login, row_counts
from tests.factories import StateFactory

SMALL = ["--states", "3", "--representatives", "330", "--interactions", "400"]


def _generate(runner, *args: str):
    return runner.invoke(args=["crm", "bench-data", *args])


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_it_writes_the_scale_asked_for(runner, monkeypatch):
    monkeypatch.setattr(synthetic, "BATCH", 37)  # many batches, as at full scale
    result = _generate(runner, *SMALL)
    assert result.exit_code == 0, result.output
    counts = row_counts()
    assert counts["states"] == 3
    assert counts["sections"] == 3
    assert counts["agreements"] == 3
    assert counts["representatives"] == 330
    assert counts["memberships"] == 330
    assert counts["interactions"] == 400
    assert counts["follow_ups"] == 400 // 20
    assert counts["events"] == 3 * 10
    assert counts["users"] == 5
    assert "400" in result.output

    restricted = sa.select(Interaction.id).where(
        Interaction.confidentiality == Confidentiality.RESTRICTED
    )
    assert _count(restricted) == 40

    # Every chamber's seats are exactly its current members.
    seated = (
        sa.select(Chamber.id)
        .join(Membership, Membership.chamber_id == Chamber.id)
        .group_by(Chamber.id, Chamber.seats)
        .having(sa.func.count() != Chamber.seats)
    )
    assert _count(seated) == 0

    # Contacts name members of their own state; follow-ups belong to their contact's state.
    strangers = (
        sa.select(Interaction.id)
        .join(interaction_representatives)
        .join(Representative)
        .where(Representative.state_id != Interaction.state_id)
    )
    assert _count(strangers) == 0
    elsewhere = (
        sa.select(FollowUp.id)
        .join(Interaction, FollowUp.interaction_id == Interaction.id)
        .where(FollowUp.state_id != Interaction.state_id)
    )
    assert _count(elsewhere) == 0

    # The cached current stance is what the stance records say.
    current = sa.select(Representative.id, Representative.stance, Representative.stance_on)
    cached = db.session.execute(current).all()
    refresh_current_stances([row.id for row in cached])
    db.session.flush()
    assert db.session.execute(current).all() == cached
    db.session.rollback()

    # New records take fresh ids after the generated ones (PostgreSQL's sequences).
    state = StateFactory(iso2="ZZ")  # a code the generator did not use (it took AA, AB, AC)
    db.session.commit()
    assert state.id == 4


def test_the_same_seed_gives_the_same_data(runner, fresh_app):
    assert _generate(runner, *SMALL, "--seed", "7").exit_code == 0
    names = list(db.session.scalars(sa.select(Representative.name).order_by(Representative.id)))
    with fresh_app() as other:
        result = _generate(other.test_cli_runner(), *SMALL, "--seed", "7")
        assert result.exit_code == 0, result.output
        again = db.session.scalars(sa.select(Representative.name).order_by(Representative.id))
        assert list(again) == names


def test_the_pages_work_on_it(app, runner):
    assert _generate(runner, *SMALL).exit_code == 0
    coordinator, section = app.test_client(), app.test_client()
    assert login(coordinator, "coordinator@demo.example", DEMO_PASSWORD).status_code == 302
    assert login(section, "section.ro@demo.example", DEMO_PASSWORD).status_code == 302
    first_contact = db.session.scalar(
        sa.select(Interaction.id).where(Interaction.state_id == 1).order_by(Interaction.id)
    )
    for url in [
        "/dashboard",
        "/states",
        "/states/AA",
        "/states/AA/risk",
        "/representatives?state=AB",
        "/representatives/1",
        "/states/AA/interactions",
        "/states/AB/follow-ups",
        "/events",
        f"/interactions/{first_contact}",
    ]:
        assert coordinator.get(url).status_code == 200, url
    # The first section account is the first state's.
    assert section.get("/states/AA/interactions").status_code == 200
    restricted_elsewhere = db.session.scalar(
        sa.select(Interaction.id).where(
            Interaction.state_id == 2, Interaction.confidentiality == Confidentiality.RESTRICTED
        )
    )
    summary = f"Synthetic contact {restricted_elsewhere}:"
    assert summary in coordinator.get(f"/interactions/{restricted_elsewhere}").get_data(
        as_text=True
    )
    redacted = section.get(f"/interactions/{restricted_elsewhere}")
    assert redacted.status_code == 200  # that it happened, and when; nothing more
    assert summary not in redacted.get_data(as_text=True)


def test_it_refuses_and_writes_nothing(app, runner):
    refused = _generate(runner, "--states", "3", "--representatives", "2")
    assert refused.exit_code != 0
    assert "at least one representative per state" in refused.output
    assert not any(row_counts().values())

    assert _generate(runner, "--states", "700").exit_code != 0
    assert not any(row_counts().values())

    StateFactory()
    db.session.commit()
    before = row_counts()
    held = _generate(runner, *SMALL)
    assert held.exit_code == 1
    assert "already holds 1 rows" in held.output
    assert row_counts() == before

    app.config["DEMO_ALLOWED"] = False
    production = _generate(runner, *SMALL)
    assert production.exit_code == 1
    assert "never loaded in production" in production.output
    assert row_counts() == before


def test_postgresql_plans_for_the_rows_written(runner):
    """The planner's statistics are refreshed with the data: planned for empty tables, a
    state's contacts took seconds at campaign scale."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics (this run is SQLite)")
    assert _generate(runner, *SMALL).exit_code == 0
    db.session.rollback()
    estimated = db.session.scalar(
        sa.text("SELECT reltuples FROM pg_class WHERE relname = 'interactions'")
    )
    assert estimated == 400
