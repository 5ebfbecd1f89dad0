"""History rebuilt from dated stance records (the backfill, the vote reviews) follows the
live forecast's rule: a stance seen in a restricted contact counts from its month's end,
never from its day, since everyone reads the history (SPEC §2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from crm.db import month_end
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.parliament.models import Stance
from crm.risk.model import RiskConfig
from crm.risk.queries import state_contexts
from tests.factories import InteractionFactory, StanceRecordFactory


def _stances(world, on: date) -> dict[int, str]:
    (context,) = state_contexts(world.campaign, on, RiskConfig(), state_ids=[world.home.state.id])
    return {m.id: m.stance for c in context.model_input.chambers for m in c.members}


def test_a_restricted_stance_counts_from_its_months_end_in_rebuilt_history(app, world):
    home = world.home
    # The 10th of a month that ended at least a month ago.
    seen = (date.today().replace(day=1) - timedelta(days=40)).replace(day=10)
    secret, open_ = home.reps[2], home.reps[3]
    contact = InteractionFactory(
        state=home.state,
        representatives=[secret],
        confidentiality=Confidentiality.RESTRICTED,
        occurred_at=datetime.combine(seen, time(10), UTC),
    )
    StanceRecordFactory(
        representative=secret,
        interaction=contact,
        stance=Stance.AGAINST_RATIFICATION,
        observed_on=seen,
    )
    StanceRecordFactory(representative=open_, stance=Stance.FOR_RATIFICATION, observed_on=seen)
    db.session.commit()

    days_later = _stances(world, seen + timedelta(days=5))
    assert days_later[open_.id] == "for_ratification"  # an open stance counts from its day
    assert days_later[secret.id] != "against_ratification"  # a restricted one does not yet
    assert _stances(world, month_end(seen))[secret.id] == "against_ratification"
