"""Submission keys are forgotten after a day: `crm submissions prune` (crm/submissions_cli.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from crm.extensions import db
from crm.submissions import KEPT_FOR, SubmissionKey
from crm.submissions_cli import submissions_cli


def _key(user, key: str, age: timedelta) -> None:
    db.session.add(
        SubmissionKey(
            user_id=user.id,
            key=key,
            request_hash="0" * 64,
            status=201,
            created_at=datetime.now(UTC) - age,
        )
    )


def test_prune_forgets_only_the_keys_older_than_a_day(app, world):
    _key(world.member, "old", KEPT_FOR + timedelta(minutes=1))
    _key(world.admin, "older", KEPT_FOR * 3)
    _key(world.member, "recent", KEPT_FOR - timedelta(minutes=5))
    db.session.commit()
    result = app.test_cli_runner().invoke(submissions_cli, ["prune"])
    assert result.exit_code == 0, result.output
    assert "Forgot 2 submission keys older than 24 h." in result.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(SubmissionKey.key)).all() == ["recent"]


def test_a_users_keys_go_with_the_account(app, world):
    _key(world.member, "mine", timedelta(0))
    db.session.commit()
    db.session.execute(
        sa.delete(type(world.member)).where(type(world.member).id == world.member.id)
    )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionKey)) == 0
