"""The newest contact of each state: on the states list and in the risk model's inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.db import today, utcnow
from crm.extensions import db
from crm.risk.queries import risk_config, state_contexts
from crm.states.queries import newest_contacts
from tests.factories import InteractionFactory, StateFactory
from tests.world import build_world


def test_the_newest_live_contact_counts_restricted_ones_too_but_not_archived_ones(app):
    world = build_world()
    home, other = world.home, world.other
    # A newer contact that was archived does not count; the restricted one (the newest
    # live one in the world) does, as everyone may know that it happened.
    InteractionFactory(
        state=home.state,
        representatives=[home.reps[0]],
        occurred_at=datetime.now(UTC) - timedelta(hours=1),
        archived_at=utcnow(),
    )
    quiet = StateFactory()
    db.session.commit()
    assert home.restricted.occurred_at > home.interaction.occurred_at

    found = newest_contacts([home.state.id, other.state.id, quiet.id])
    assert found == {
        home.state.id: home.restricted.occurred_at,
        other.state.id: other.restricted.occurred_at,
    }
    assert all(moment.tzinfo is not None for moment in found.values())

    contexts = {c.state.id: c for c in state_contexts(world.campaign, today(), risk_config())}
    assert contexts[home.state.id].last_contact == home.restricted.occurred_at
