"""Which writes forecast a state again: those that change what the forecast reads (seats,
stances, stages), once each, when they commit; no other write pays for a forecast."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.auth.models import User
from crm.db import write_intent
from crm.extensions import db
from crm.interactions.services import create_follow_up
from crm.parliament.models import (
    Confidence,
    ContactKind,
    Membership,
    Representative,
    Stance,
    StanceSource,
)
from crm.parliament.services import (
    add_contact_detail,
    archive_representative,
    end_membership,
    record_stance,
)
from crm.risk.models import RiskSnapshot, SnapshotReason
from crm.states.models import Stage, StageKind, StageStatus, State
from crm.states.services import hold_stage
from tests.conftest import counting_queries


@pytest.fixture
def coordinator(demo_app) -> User:
    return db.session.scalars(sa.select(User).where(User.email == "admin@demo.example")).one()


def _romania() -> State:
    return db.session.scalars(sa.select(State).where(State.iso2 == "RO")).one()


def _seated_against() -> Representative:
    """A Romanian member against ratification with a current seat: their leaving moves the risk."""
    return db.session.scalars(
        sa.select(Representative)
        .join(Membership, Membership.representative_id == Representative.id)
        .where(
            Representative.state_id == _romania().id,
            Representative.stance == Stance.AGAINST_RATIFICATION,
            Membership.end_date.is_(None),
        )
        .order_by(Representative.id)
    ).first()


def _changes() -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RiskSnapshot)
        .where(RiskSnapshot.reason == SnapshotReason.CHANGE)
    )


def _committed(write) -> list[str]:
    """Run `write` in a write transaction and commit it; the SQL it ran, commit included."""
    db.session.rollback()
    with counting_queries() as counter, write_intent():
        write()
        db.session.commit()
    return counter.statements


def _forecast_ran(statements: list[str]) -> bool:
    # Every forecast at commit reads the state's last snapshot first.
    return any("risk_snapshots" in statement for statement in statements)


def test_ending_a_seat_forecasts_again_and_notes_the_move(coordinator):
    rep = _seated_against()
    seat = next(m for m in rep.memberships if m.end_date is None)
    before = _changes()

    yesterday = date.today() - timedelta(days=1)  # a seat ending today is held today

    ran = _committed(lambda: end_membership(coordinator, seat, end_date=yesterday))

    assert _forecast_ran(ran)
    assert _changes() == before + 1


def test_archiving_a_seated_member_forecasts_again(coordinator):
    rep = _seated_against()
    before = _changes()

    ran = _committed(lambda: archive_representative(coordinator, rep))

    assert _forecast_ran(ran)
    assert _changes() == before + 1


def test_a_plenary_vote_held_forecasts_again(coordinator):
    stage = db.session.scalars(
        sa.select(Stage)
        .where(Stage.kind == StageKind.PLENARY_VOTE, Stage.status == StageStatus.SCHEDULED)
        .where(Stage.agreement.has(state_id=_romania().id))
        .order_by(Stage.position)
    ).first()

    ran = _committed(lambda: hold_stage(coordinator, stage, date.today(), expected_version=None))

    assert _forecast_ran(ran)


def test_a_stance_forecasts_again_once_however_many_change_in_the_transaction(coordinator):
    reps = db.session.scalars(
        sa.select(Representative)
        .where(Representative.state_id == _romania().id, Representative.archived_at.is_(None))
        .order_by(Representative.id)
        .limit(3)
    ).all()

    def three_stances() -> None:
        for rep in reps:
            record_stance(
                coordinator,
                rep,
                stance=Stance.AGAINST_RATIFICATION,
                source=StanceSource.PRIVATE_MEETING,
                confidence=Confidence.HIGH,
                observed_on=date.today(),
            )

    ran = _committed(three_stances)

    assert sum("FROM risk_snapshots" in statement for statement in ran) == 1


def test_writes_the_forecast_does_not_read_forecast_nothing(coordinator):
    rep = _seated_against()
    state = _romania()

    follow_up = _committed(
        lambda: create_follow_up(coordinator, state, title="Send the legal memo")
    )
    contact = _committed(
        lambda: add_contact_detail(
            coordinator, rep, kind=ContactKind.EMAIL, value="office@parliament.example"
        )
    )

    assert not _forecast_ran(follow_up)
    assert not _forecast_ran(contact)


def test_a_rolled_back_change_is_not_forecast_by_the_next_commit(coordinator):
    rep = _seated_against()
    seat = next(m for m in rep.memberships if m.end_date is None)
    with write_intent():
        end_membership(coordinator, seat, end_date=date.today() - timedelta(days=1))
        db.session.rollback()

    ran = _committed(lambda: create_follow_up(coordinator, _romania(), title="Call back"))

    assert not _forecast_ran(ran)
