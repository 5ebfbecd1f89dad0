"""Forecasts kept, not recomputed: after every kind of write that changes what a state's
forecast reads, the kept forecast is what a fresh computation gives, in the same commit;
a kept forecast of another day or other settings is computed again when read; a state whose
agreement closes keeps none; and the dashboard and the API's risk list read the kept ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.auth.models import TokenScope, User
from crm.auth.services import create_token
from crm.db import today, write_intent
from crm.extensions import db
from crm.parliament.models import Confidence, Membership, Representative, Stance, StanceSource
from crm.parliament.services import (
    archive_representative,
    end_membership,
    field_choices,
    merge_representatives,
    record_stance,
)
from crm.risk import services
from crm.risk.kept import kept_forecasts, to_json
from crm.risk.models import KeptForecast
from crm.risk.queries import risk_config
from crm.states.models import Agreement, AgreementStatus, Stage, StageKind, StageStatus, State
from crm.states.queries import active_campaign
from crm.states.services import hold_stage, postpone_stage, update_agreement
from tests.conftest import counting_queries, sign_in


@pytest.fixture
def admin(demo_app) -> User:
    return db.session.scalars(sa.select(User).where(User.email == "admin@demo.example")).one()


def _state(iso2: str) -> State:
    return db.session.scalars(sa.select(State).where(State.iso2 == iso2)).one()


def _committed(write) -> None:
    db.session.rollback()
    with write_intent():
        write()
        db.session.commit()


def _kept(state: State) -> KeptForecast | None:
    db.session.rollback()
    return db.session.scalars(
        sa.select(KeptForecast).where(KeptForecast.state_id == state.id)
    ).one_or_none()


def _fresh(state: State) -> dict:
    found = services.forecasts(
        active_campaign(), today(), risk_config(), state_ids=[state.id], open_only=False
    )
    return to_json(found[0].forecast)


def _assert_kept_is_fresh(state: State) -> None:
    kept = _kept(state)
    assert kept is not None
    assert kept.computed_on == today()
    assert kept.forecast == _fresh(state)


def _seated(state: State, stance: Stance) -> Representative:
    return db.session.scalars(
        sa.select(Representative)
        .join(Membership, Membership.representative_id == Representative.id)
        .where(
            Representative.state_id == state.id,
            Representative.stance == stance,
            Representative.archived_at.is_(None),
            Membership.end_date.is_(None),
        )
        .order_by(Representative.id)
    ).first()


def _held_apart(state: State, kept_before: dict) -> None:
    """The write moved the forecast: a kept forecast left as it was would fail the test."""
    assert _kept(state).forecast != kept_before


def test_the_demo_data_keeps_every_open_states_forecast(admin):
    campaign = active_campaign()
    open_states = db.session.scalars(
        sa.select(Agreement.state_id).where(Agreement.campaign_id == campaign.id)
    ).all()
    kept_states = set(db.session.scalars(sa.select(KeptForecast.state_id)))
    assert kept_states
    assert kept_states <= set(open_states)
    for state_id in kept_states:
        _assert_kept_is_fresh(db.session.get_one(State, state_id))


def test_a_stance_recorded_is_kept_in_its_commit(admin):
    romania = _state("RO")
    before = _kept(romania).forecast
    rep = _seated(romania, Stance.AGAINST_RATIFICATION)
    _committed(
        lambda: record_stance(
            admin,
            rep,
            stance=Stance.FOR_RATIFICATION,
            source=StanceSource.PRIVATE_MEETING,
            confidence=Confidence.HIGH,
            observed_on=today(),
        )
    )
    _held_apart(romania, before)
    _assert_kept_is_fresh(romania)


def test_a_seat_ended_and_a_member_archived_are_kept(admin):
    romania = _state("RO")
    rep = _seated(romania, Stance.AGAINST_RATIFICATION)
    seat = next(m for m in rep.memberships if m.end_date is None)
    before = _kept(romania).forecast
    _committed(lambda: end_membership(admin, seat, end_date=today() - timedelta(days=1)))
    _held_apart(romania, before)
    _assert_kept_is_fresh(romania)

    other = _seated(_state("RO"), Stance.AGAINST_RATIFICATION)
    before = _kept(romania).forecast
    _committed(lambda: archive_representative(admin, other))
    _held_apart(romania, before)
    _assert_kept_is_fresh(romania)


def test_a_merge_is_kept(admin):
    romania = _state("RO")
    kept_rep = _seated(romania, Stance.FOR_RATIFICATION)
    other = _seated(romania, Stance.AGAINST_RATIFICATION)
    _committed(
        lambda: merge_representatives(
            admin,
            kept_rep,
            other,
            choices={c.name: "kept" for c in field_choices(kept_rep, other)},
            kept_version=kept_rep.version,
            other_version=other.version,
        )
    )
    _assert_kept_is_fresh(romania)


def test_a_stage_postponed_and_a_vote_held_are_kept(admin):
    romania = _state("RO")
    stage = db.session.scalars(
        sa.select(Stage)
        .where(Stage.kind == StageKind.PLENARY_VOTE, Stage.status == StageStatus.SCHEDULED)
        .where(Stage.agreement.has(state_id=romania.id))
        .order_by(Stage.position)
    ).first()
    _committed(
        lambda: postpone_stage(admin, stage, today() + timedelta(days=200), expected_version=None)
    )
    _assert_kept_is_fresh(romania)
    assert _kept(romania).next_vote_id is not None

    stage = db.session.get_one(Stage, stage.id)
    _committed(lambda: hold_stage(admin, stage, today(), expected_version=None))
    _assert_kept_is_fresh(romania)


def test_an_agreement_closed_keeps_no_forecast_and_leaves_the_dashboard(
    admin, demo_app, demo_client
):
    romania = _state("RO")
    agreement = db.session.scalars(
        sa.select(Agreement).where(Agreement.state_id == romania.id)
    ).one()
    _committed(
        lambda: update_agreement(
            admin, agreement, {"status": AgreementStatus.REJECTED}, expected_version=None
        )
    )
    assert _kept(romania) is None
    listed = [r.state.iso2 for r in kept_forecasts(active_campaign(), today(), risk_config())]
    assert "RO" not in listed

    agreement = db.session.get_one(Agreement, agreement.id)
    _committed(
        lambda: update_agreement(
            admin, agreement, {"status": AgreementStatus.SIGNED}, expected_version=None
        )
    )
    _assert_kept_is_fresh(romania)


def test_a_forecast_of_another_day_or_other_settings_is_computed_again_when_read(admin, demo_app):
    romania = _state("RO")
    # Another state with an open agreement, whichever the demo data has.
    other = db.session.scalars(
        sa.select(State)
        .join(KeptForecast, KeptForecast.state_id == State.id)
        .where(State.iso2 != "RO")
        .order_by(State.iso2)
    ).first()
    db.session.execute(
        sa.update(KeptForecast)
        .where(KeptForecast.state_id == romania.id)
        .values(computed_on=today() - timedelta(days=1), forecast={"stale": True})
    )
    db.session.execute(
        sa.update(KeptForecast)
        .where(KeptForecast.state_id == other.id)
        .values(settings="other settings", forecast={"stale": True})
    )
    db.session.commit()

    listed = {r.state.iso2: r for r in kept_forecasts(active_campaign(), today(), risk_config())}

    assert to_json(listed["RO"].forecast) == _fresh(romania)
    assert to_json(listed[other.iso2].forecast) == _fresh(other)
    # And kept for the next reader.
    _assert_kept_is_fresh(romania)
    _assert_kept_is_fresh(other)


def test_the_order_is_the_order_of_a_fresh_computation(admin):
    campaign = active_campaign()
    fresh = services.forecasts(campaign, today(), risk_config())
    kept = kept_forecasts(campaign, today(), risk_config())
    assert [r.state.iso2 for r in kept] == [r.state.iso2 for r in fresh]
    for k, f in zip(kept, fresh, strict=True):
        assert k.next_vote == f.context.next_vote
        assert k.last_contact == f.context.last_contact
        assert to_json(k.forecast) == to_json(f.forecast)


def test_reading_kept_forecasts_reads_no_seat(admin, demo_app):
    campaign, config = active_campaign(), risk_config()
    kept_forecasts(campaign, today(), config)  # every one kept and current
    with counting_queries() as counter:
        found = kept_forecasts(campaign, today(), config)
    assert len(found) > 10
    assert not [s for s in counter.statements if "memberships" in s or "stance_records" in s]
    assert counter.count <= 4, counter.statements


def test_the_dashboard_and_the_api_read_the_kept_forecasts(admin, demo_app, demo_client):
    """A kept forecast made different on purpose shows: the pages read it, not a new one."""
    romania = _state("RO")
    kept = _kept(romania)
    changed = dict(kept.forecast, probability=0.1234, risk=0.1234)
    db.session.execute(
        sa.update(KeptForecast).where(KeptForecast.id == kept.id).values(forecast=changed)
    )
    db.session.commit()
    sign_in(demo_client, "coordinator@demo.example")

    assert "12.3 %" in demo_client.get("/dashboard").get_data(as_text=True)
    coordinator = db.session.scalars(
        sa.select(User).where(User.email == "coordinator@demo.example")
    ).one()
    raw, _token = create_token(None, coordinator, name="tests", scope=TokenScope.API)
    db.session.commit()
    listed = demo_client.get("/api/v1/risk", headers={"Authorization": f"Bearer {raw}"})
    assert listed.status_code == 200, listed.get_data(as_text=True)[:500]
    rows = {row["state"]: row for row in listed.get_json()["items"]}
    assert rows["RO"]["probability"] == pytest.approx(0.1234)


def test_the_daily_snapshot_keeps_the_new_days_forecasts(admin):
    campaign = active_campaign()
    db.session.execute(sa.update(KeptForecast).values(computed_on=today() - timedelta(days=1)))
    db.session.commit()
    _committed(lambda: services.take_snapshots(campaign, services.SnapshotReason.DAILY, on=today()))
    db.session.rollback()
    assert set(db.session.scalars(sa.select(KeptForecast.computed_on))) == {today()}
